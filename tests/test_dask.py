"""Synthesis on a Dask cluster: two worker processes on 127.0.0.1 give the episode the local pool gives."""

from __future__ import annotations

from dataclasses import replace
from datetime import date as Date

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from briefing import config
from briefing import pipeline  # noqa: E402
from briefing.config import CacheSettings, SynthesisSettings  # noqa: E402
from briefing.errors import BriefingError  # noqa: E402
from briefing.speech.executors import DaskCluster  # noqa: E402
from briefing.speech.synth import Job, synthesize  # noqa: E402
from briefing.models import Voice  # noqa: E402
from conftest import BRIDGE_TEXT, write_show  # noqa: E402

ARTICLE = BRIDGE_TEXT

# Piper with its generator noise off is deterministic, so the two runs can be compared sample
# for sample. The quote voice is a new name so it inherits none of the default cast's
# pitch/formant options: Praat's resynthesis varies slightly from run to run.
NOISELESS_CAST = """
[cast]
engine = "piper"
narrator = "joe"
quotes = ["quinn"]
[voices.joe]
engine = "piper"
noise_scale = 0.0
noise_w = 0.0
[voices.quinn]
engine = "piper"
noise_scale = 0.0
noise_w = 0.0
length_scale = 0.9
"""


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as c:
        yield c


def _render(settings, planned):
    # No cache: both runs must really synthesize.
    return pipeline.render(replace(settings, cache=CacheSettings(enabled=False)), planned)


@pytest.mark.slow
def test_an_episode_made_on_a_local_cluster_matches_the_local_pool(tmp_path, cluster):
    cfg = write_show(tmp_path, engine="piper", extra=NOISELESS_CAST)
    (tmp_path / "sources" / "bridge.txt").write_text(ARTICLE, encoding="utf-8")
    settings = config.load(cfg)
    articles, _ = pipeline.read_articles(settings, pipeline.expand(list(settings.sources), settings.root), Date(2026, 11, 20))
    planned = pipeline.plan(settings, pipeline.script_articles(settings, articles), Date(2026, 11, 20))
    assert any(seg.voice == "quinn" for seg, *_ in planned), "the article should have a quote"

    local = _render(settings, planned)
    on_dask = _render(replace(settings, synthesis=SynthesisSettings(scheduler=cluster.scheduler_address)), planned)

    assert [(c.text, c.speaker) for c in on_dask.cues] == [(c.text, c.speaker) for c in local.cues]
    assert [(c.start, c.end) for c in on_dask.cues] == [(c.start, c.end) for c in local.cues]
    assert on_dask.chapters == local.chapters
    np.testing.assert_allclose(on_dask.audio.samples, local.audio.samples, atol=1e-6)

    jobs = [Job(seg.spoken, settings.voices[seg.voice]) for seg, *_ in planned]
    ex = DaskCluster(cluster.scheduler_address)
    try:
        remote = synthesize(jobs, executor=ex)
    finally:
        ex.close()
    here = synthesize(jobs)
    for a, b in zip(remote, here):
        assert len(a.pcm) == len(b.pcm)
        assert np.array_equal(a.pcm, b.pcm)
    # each worker process that took work loaded the one model once and kept it
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        loaded = client.run(_models_loaded)
    assert len(loaded) == 2
    assert set(loaded.values()) <= {0, 1} and sum(loaded.values()) >= 1


def _models_loaded() -> int:
    from briefing.speech import engines

    piper = engines._INSTANCES.get("piper")
    return len(piper._voices) if piper is not None else 0


def test_silent_clips_from_the_cluster_come_back_in_order(cluster):
    voice = Voice("joe", "silence", {})
    jobs = [Job(" ".join(["word"] * n), voice) for n in (9, 1, 5, 3, 7, 2)]
    ex = DaskCluster(cluster.scheduler_address)
    try:
        clips = synthesize(jobs, executor=ex)
        threads = ex._threads_by_worker()
    finally:
        ex.close()
    assert [len(c.pcm) for c in clips] == [len(c.pcm) for c in synthesize(jobs)]
    # two single-threaded workers on one host share its cores: no oversubscription
    from briefing.speech.executors import cores

    assert sorted(threads.values()) == [max(1, cores() // 2)] * 2


def test_an_unreachable_scheduler_says_how_to_fix_it():
    with pytest.raises(BriefingError) as e:
        DaskCluster("tcp://127.0.0.1:9", timeout=1)
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in str(e.value)
    assert "dask scheduler" in str(e.value)
