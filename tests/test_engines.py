"""Speech engines: the registry, real Piper synthesis, the voice transform, and gTTS faked at its
HTTP boundary by a server on 127.0.0.1."""

from __future__ import annotations

import base64
import io
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_plus

import numpy as np
import pytest

from briefing.speech import engines
from briefing.models import Voice
from briefing.speech.engines import transform
from briefing.errors import EngineError
from briefing.models import Audio


def median_f0(audio: Audio) -> float:
    import parselmouth

    sound = parselmouth.Sound(audio.samples.astype(np.float64), sampling_frequency=audio.sample_rate)
    f0 = sound.to_pitch(pitch_floor=60, pitch_ceiling=600).selected_array["frequency"]
    return float(np.median(f0[f0 > 0]))


def rms(audio: Audio) -> float:
    return float(np.sqrt(np.mean(np.square(audio.samples, dtype=np.float64))))


# --- registry -------------------------------------------------------------------------------


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(EngineError) as e:
        engines.get("espeak-nonesuch")
    assert str(e.value) == (
        "speech engine 'espeak-nonesuch': no such engine. Choose one of: " + ", ".join(engines.available())
    )
    assert {"piper", "gtts", "silence"} <= set(engines.available())


def test_builtins_declare_the_protocol():
    for engine_id in ("piper", "gtts", "silence"):
        engine = engines.get(engine_id)
        assert isinstance(engine, engines.Engine)
        assert engine.id == engine_id
        assert engine.version()
    assert engines.get("gtts").needs_network and not engines.get("piper").needs_network
    assert {"pitch", "formant", "tld", "lang", "slow"} <= set(engines.get("gtts").voice_options)
    assert {"model", "pitch", "formant", "pitch_range", "rate", "tilt"} <= set(
        engines.get("piper").voice_options
    )


# --- piper ----------------------------------------------------------------------------------

SENTENCE = "The council voted on Tuesday to keep the night buses running."


@pytest.fixture(scope="module")
def joe() -> Audio:
    return engines.get("piper").synthesize(SENTENCE, Voice("joe", "piper", {}))


@pytest.mark.slow
def test_piper_speaks_a_sentence(joe):
    # Eleven words at a newsreader's pace: about three to four seconds.
    assert joe.sample_rate == 22050
    assert 2.0 < joe.seconds < 6.0
    assert joe.samples.dtype == np.float32
    assert rms(joe) > 0.02
    assert float(np.max(np.abs(joe.samples))) <= 1.0


@pytest.mark.slow
def test_derived_voice_differs_from_the_narrator(joe):
    higher = engines.get("piper").synthesize(SENTENCE, Voice("ada", "piper", {"pitch": 2.0, "formant": 1.15}))
    # Piper's noise makes each take differ a little; a doubled pitch is far outside that.
    assert median_f0(higher) > 1.6 * median_f0(joe)
    assert abs(higher.seconds - joe.seconds) < 1.0
    assert rms(higher) > 0.02


def test_transform_shifts_pitch_and_keeps_length():
    rate = 16000
    t = np.arange(rate, dtype=np.float64) / rate
    # A buzzy 110 Hz "voice": harmonics give PSOLA pitch periods to work with.
    tone = sum(np.sin(2 * np.pi * 110 * k * t) / k for k in range(1, 20))
    audio = Audio((0.3 * tone / np.max(np.abs(tone))).astype(np.float32), rate)
    out = transform.apply(audio, {"pitch": 1.5, "formant": 1.1})
    assert out.sample_rate == rate
    assert abs(out.seconds - audio.seconds) < 0.05
    assert 150 < median_f0(out) < 180
    assert float(np.max(np.abs(out.samples))) <= 0.95


def test_transform_leaves_plain_voices_alone():
    audio = Audio(np.zeros(100, np.float32), 16000)
    assert transform.apply(audio, {}) is audio
    assert transform.apply(audio, {"model": "x.onnx", "pitch": 1}) is audio


def test_tilt_brightens_and_darkens():
    rng = np.random.default_rng(0)
    rate = 16000
    noise = Audio((0.1 * rng.standard_normal(rate)).astype(np.float32), rate)

    def high_share(a: Audio) -> float:
        spectrum = np.abs(np.fft.rfft(a.samples)) ** 2
        freqs = np.fft.rfftfreq(len(a.samples), 1 / rate)
        return float(spectrum[freqs > 3000].sum() / spectrum.sum())

    assert high_share(transform.apply(noise, {"tilt": 3})) > high_share(noise) > high_share(
        transform.apply(noise, {"tilt": -3})
    )


@pytest.mark.parametrize(
    "options, word",
    [({"pitch": "high"}, "pitch"), ({"formant": 9}, "formant"), ({"tilt": 12}, "tilt")],
)
def test_bad_transform_option_is_a_clear_error(options, word):
    audio = Audio(np.ones(100, np.float32) * 0.1, 16000)
    with pytest.raises(EngineError, match=f"voice option {word} = "):
        transform.apply(audio, options, engine="piper")


def test_missing_model_path_is_a_clear_error(tmp_path):
    missing = tmp_path / "nobody.onnx"
    with pytest.raises(EngineError) as e:
        engines.get("piper").synthesize("Hello.", Voice("guest", "piper", {"model": str(missing)}))
    assert str(e.value) == (
        f"speech engine 'piper': voice 'guest': model {missing} not found. "
        "Point `model` in its [voices] table at a Piper .onnx file"
    )


def test_model_without_its_config_is_a_clear_error(tmp_path):
    model = tmp_path / "half.onnx"
    model.write_bytes(b"not really")
    with pytest.raises(EngineError, match=r"model config .*half\.onnx\.json not found"):
        engines.get("piper").synthesize("Hello.", Voice("guest", "piper", {"model": str(model)}))


@pytest.mark.slow
def test_another_piper_model_is_usable_by_path(tmp_path):
    """A producer's own Piper voice on disk: here a copy of the bundled one, by path."""
    import shutil

    from briefing.speech.engines.piper import bundled_model_path

    src = bundled_model_path()
    model = tmp_path / "voices" / "en_GB-guest-medium.onnx"
    model.parent.mkdir()
    shutil.copy(src, model)
    shutil.copy(f"{src}.json", f"{model}.json")
    audio = engines.get("piper").synthesize("Good evening.", Voice("guest", "piper", {"model": str(model)}))
    assert audio.seconds > 0.5 and rms(audio) > 0.02


def _deterministic(engine, text: str, model) -> np.ndarray:
    """`text` through a loaded Piper model with its noise off: the same input, the same samples."""
    from piper import SynthesisConfig

    config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    return np.concatenate([c.audio_float_array for c in model.synthesize(text, syn_config=config)])


def test_piper_prepares_a_memory_mapped_copy_once_and_speaks_the_same(tmp_path, monkeypatch):
    from briefing.speech.engines import piper

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = piper.bundled_model_path()
    first = piper._load(path, 1)  # reads the .onnx and writes the prepared copy as it goes
    prepared = piper._prepared_dir(path)
    assert prepared.parent == tmp_path / "cache" / "briefing" / "voices"
    assert sorted(p.name for p in prepared.iterdir()) == ["model.onnx", "model.onnx.data"]
    # The weights are in the data file, not in the graph: that is what onnxruntime maps.
    assert (prepared / "model.onnx.data").stat().st_size > 0.9 * path.stat().st_size
    assert (prepared / "model.onnx").stat().st_size < 0.05 * path.stat().st_size
    assert not list(prepared.parent.glob(".preparing-*")), "the scratch folder is gone"

    second = piper._load(path, 1)
    assert second.session._model_path == str(prepared / "model.onnx")
    text = "Officials said the plan would take effect next year."
    np.testing.assert_array_equal(_deterministic(piper, text, first), _deterministic(piper, text, second))


def test_piper_shrink_gives_the_arena_back_and_keeps_the_model(tmp_path):
    # In a process of its own: resident memory is a whole process's, and what earlier tests
    # freed would blur it here.
    import json
    import subprocess
    import sys

    code = """
import json, numpy as np
from briefing.speech.engines import Voice, piper
engine = piper.PiperEngine()
engine.set_threads(1)
voice = Voice("joe", "piper", {"noise_scale": 0.0, "noise_w": 0.0})
text = ("The council said on Monday that the bridge, closed since the storm in the spring, would "
        "reopen to traffic in both directions before the end of the month, and that the ferry "
        "would keep running until then.")
before = engine.synthesize(text, voice).samples
grown = piper._resident()
engine.shrink()
shrunk = piper._resident()
again = engine.synthesize(text, voice).samples
print(json.dumps({"grown": grown, "shrunk": shrunk, "models": len(engine._voices),
                  "same": bool(np.array_equal(before, again))}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["shrunk"] < out["grown"] - 20 * 2**20, "the arena's free buffers went back to the system"
    assert out["models"] == 1, "the model is kept"
    assert out["same"], "and speaks as before"


def test_a_damaged_prepared_voice_is_prepared_again(tmp_path, monkeypatch, caplog):
    from briefing.speech.engines import piper

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = piper.bundled_model_path()
    piper._load(path, 1)
    data = piper._prepared_dir(path) / "model.onnx.data"
    with open(data, "r+b") as f:
        f.truncate(1000)
    model = piper._load(path, 1)
    assert "could not be loaded" in caplog.text and "preparing it again" in caplog.text
    assert data.stat().st_size > 0.9 * path.stat().st_size
    assert len(_deterministic(piper, "Good evening.", model)) > 0.5 * model.config.sample_rate


def test_without_a_writable_cache_the_voice_loads_as_it_is(tmp_path, monkeypatch):
    from briefing.speech.engines import piper

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    model = piper._load(piper.bundled_model_path(), 1)
    assert model.session._model_path == str(piper.bundled_model_path())
    assert len(_deterministic(piper, "Good evening.", model)) > 0.5 * model.config.sample_rate


def test_a_voice_copy_that_cannot_be_written_leaves_the_voice_loaded_as_it_is(tmp_path, monkeypatch):
    # onnxruntime raises when it cannot write the copy (a full disk, here a folder that is gone):
    # the run still gets its voice.
    import tempfile

    from briefing.speech.engines import piper

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    gone = tmp_path / "gone"
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **kw: str(gone))
    model = piper._load(piper.bundled_model_path(), 1)
    assert model.session._model_path == str(piper.bundled_model_path())
    assert not piper._prepared_dir(piper.bundled_model_path()).exists()
    assert len(_deterministic(piper, "Good evening.", model)) > 0.5 * model.config.sample_rate


def test_preparing_a_voice_removes_copies_unused_for_a_month(tmp_path, monkeypatch):
    import os
    import time

    from briefing.speech.engines import piper

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    voices = piper.voice_cache_dir()
    stale, recent = voices / "en_US-joe-medium-0000000000000000", voices / "en_US-joe-medium-1111111111111111"
    for folder in (stale, recent):
        folder.mkdir(parents=True)
        (folder / "model.onnx").write_bytes(b"an older copy")
    month = time.time() - (piper.PREPARED_UNUSED_DAYS + 1) * 86400
    os.utime(stale, (month, month))
    piper._load(piper.bundled_model_path(), 1)
    assert not stale.exists()
    assert recent.exists(), "another virtualenv may still use it"
    assert piper._prepared_dir(piper.bundled_model_path()).is_dir()


# --- gTTS, faked at its HTTP boundary ----------------------------------------------------------


def encode_mp3(seconds: float = 1.0, rate: int = 24000) -> bytes:
    """A real MP3 (a 220 Hz tone), encoded with the same ffmpeg the project uses."""
    from briefing import ffmpeg

    t = np.arange(int(seconds * rate)) / rate
    pcm = (0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2")
    segment = ffmpeg.audio_segment()(pcm.tobytes(), frame_rate=rate, sample_width=2, channels=1)
    out = io.BytesIO()
    segment.export(out, format="mp3", bitrate="32k")
    return out.getvalue()


class FakeTranslate(BaseHTTPRequestHandler):
    """Answers batchexecute the way translate.google.<tld> does: a JSON envelope holding the
    base64 MP3 under the jQ1olc RPC id."""

    mp3 = b""
    seen: list[tuple[str, str]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        type(self).seen.append((self.path, unquote_plus(body)))
        audio = base64.b64encode(type(self).mp3).decode("ascii")
        envelope = ")]}'\n\n" + '[["wrb.fr","jQ1olc","[\\"' + audio + '\\"]",null,null,null,"generic"]]\n'
        data = envelope.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Overloaded(FakeTranslate):
    def do_POST(self):
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def no_proxy(monkeypatch):
    # gTTS passes the environment's proxies to requests explicitly; 127.0.0.1 must be direct.
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def test_gtts_speaks_through_its_http_api(monkeypatch, no_proxy):
    FakeTranslate.mp3 = encode_mp3(1.0)
    FakeTranslate.seen = []
    server = serve(FakeTranslate)
    try:
        monkeypatch.setenv("BRIEFING_GTTS_URL", f"http://127.0.0.1:{server.server_port}/{{tld}}/")
        voice = Voice("uk", "gtts", {"tld": "co.uk", "lang": "en"})
        audio = engines.get("gtts").synthesize("Markets were calm today.", voice)
    finally:
        server.shutdown()
    assert audio.sample_rate == 24000
    assert abs(audio.seconds - 1.0) < 0.1
    assert rms(audio) > 0.1
    (path, body), = FakeTranslate.seen
    assert path == "/co.uk/_/TranslateWebserverUi/data/batchexecute"
    assert "jQ1olc" in body and "Markets were calm today" in body and '\\"en\\"' in body


def test_gtts_voice_can_be_transformed(monkeypatch, no_proxy):
    FakeTranslate.mp3 = encode_mp3(1.0)
    server = serve(FakeTranslate)
    try:
        monkeypatch.setenv("BRIEFING_GTTS_URL", f"http://127.0.0.1:{server.server_port}/{{tld}}/")
        audio = engines.get("gtts").synthesize("Calm.", Voice("dark", "gtts", {"tilt": -3}))
    finally:
        server.shutdown()
    assert abs(audio.seconds - 1.0) < 0.1


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gtts_unreachable_is_one_clear_line(monkeypatch, no_proxy):
    port = closed_port()
    monkeypatch.setenv("BRIEFING_GTTS_URL", f"http://127.0.0.1:{port}/{{tld}}/")
    with pytest.raises(EngineError) as e:
        engines.get("gtts").synthesize("Hello.", Voice("uk", "gtts", {"tld": "co.uk"}))
    assert str(e.value) == (
        f"speech engine 'gtts': cannot reach http://127.0.0.1:{port}/co.uk (connection refused). "
        'Use the offline engine: set engine = "piper" in [cast] of briefing.toml'
    )
    assert "\n" not in str(e.value)


def test_gtts_http_error_names_the_status(monkeypatch, no_proxy):
    server = serve(Overloaded)
    try:
        monkeypatch.setenv("BRIEFING_GTTS_URL", f"http://127.0.0.1:{server.server_port}/{{tld}}/")
        with pytest.raises(EngineError) as e:
            engines.get("gtts").synthesize("Hello.", Voice("us", "gtts", {}))
    finally:
        server.shutdown()
    assert str(e.value) == (
        f"speech engine 'gtts': cannot reach http://127.0.0.1:{server.server_port}/com "
        "(HTTP 503 Service Unavailable). "
        'Use the offline engine: set engine = "piper" in [cast] of briefing.toml'
    )


def test_gtts_unknown_language_is_a_clear_error():
    with pytest.raises(EngineError, match="Language not supported: xx"):
        engines.get("gtts").synthesize("Hello.", Voice("odd", "gtts", {"lang": "xx"}))


@pytest.mark.parametrize(
    "text, max_words, pieces",
    [
        # short text: one piece, as written
        ("He said no. She agreed.", 5, ["He said no. She agreed."]),
        # a long sentence is cut after its last comma before the limit; the comma stays with
        # the first part, so Piper still pauses there
        ("One two three, four five six seven, eight nine ten eleven twelve.", 7,
         ["One two three, four five six seven,", "eight nine ten eleven twelve."]),
        ("One two three, four five six seven, eight nine ten eleven twelve.", 6,
         ["One two three,", "four five six seven,", "eight nine ten eleven twelve."]),
        # no clause boundary: never cut mid-clause
        ("one two three four five six seven eight nine ten.", 4, ["one two three four five six seven eight nine ten."]),
        # the count restarts at each sentence: a sentence within the limit is not cut at its comma
        ("A b c, d e. F g.", 5, ["A b c, d e.", "F g."]),
        # but whole sentences are grouped only up to the limit: espeak may not split them (a
        # headline "..., part two, ." ended no sentence for it, and ten made one utterance)
        ("A b c, d. E f g, h.", 3, ["A b c, d.", "E f g, h."]),
        ("Today, ten stories. One two three. Four five, part two, . Six seven, part three, . End.", 6,
         ["Today, ten stories. One two three.", "Four five, part two, .", "Six seven, part three, . End."]),
        # a long sentence after short ones: its first clause goes with them, as before
        ("A b. C d e, f g h i, j k.", 6, ["A b. C d e,", "f g h i, j k."]),
        # semicolons and colons are boundaries too; closing quotes after them are kept
        ("Alpha beta gamma; delta epsilon: zeta eta theta iota kappa.", 4,
         ["Alpha beta gamma;", "delta epsilon:", "zeta eta theta iota kappa."]),
        # 0 turns cutting off
        ("One two three, four five six seven, eight.", 0, ["One two three, four five six seven, eight."]),
    ],
)
def test_piper_reads_long_sentences_in_clause_sized_utterances(text, max_words, pieces):
    from briefing.speech.engines.piper import utterances

    assert utterances(text, max_words) == pieces
    assert " ".join(pieces).split() == text.split()  # nothing lost or reordered


def test_a_transformed_clip_keeps_the_engines_loudness_even_with_a_lone_spike():
    from briefing.speech.engines.transform import PEAK, _level

    rng = np.random.default_rng(1)
    source = Audio((0.1 * rng.standard_normal(22050)).astype(np.float32), 22050)
    changed = (0.05 * rng.standard_normal(22050)).astype(np.float32)
    spiked = changed.copy()
    spiked[100] = 3.0  # what Praat's resynthesis leaves now and then
    rms = lambda a: float(np.sqrt(np.mean(a.samples.astype(np.float64) ** 2)))  # noqa: E731
    for samples in (changed, spiked):
        out = _level(samples, source)
        assert rms(out) == pytest.approx(rms(source), rel=0.02)
        assert np.abs(out.samples).max() <= PEAK


@pytest.mark.slow
def test_piper_preload_loads_the_model_the_thread_pool_then_uses(monkeypatch):
    # The pool's threads ask for the model with their thread count; preloading with that count
    # leaves them nothing to load. Without a thread count only the libraries are imported.
    from briefing.speech.engines import piper
    from briefing.speech.executors import synthesize_task, Task

    loads: list[int | None] = []
    real_load = piper._load
    monkeypatch.setattr(piper, "_load", lambda path, threads: loads.append(threads) or real_load(path, threads))
    engine = piper.PiperEngine()
    monkeypatch.setattr(engines, "_INSTANCES", {**engines._INSTANCES, "piper": engine})
    voices = [Voice("joe", "piper", {}), Voice("quote", "piper", {"pitch": 1.3, "formant": 1.15})]

    engines.preload(voices, None)
    assert loads == []
    engines.preload(voices, 1)
    assert loads == [1], "both voices are the bundled model: loaded once"
    status, pcm, rate = synthesize_task(Task.of(SENTENCE, voices[1]), threads=1)
    assert status == "ok" and rate == 22050 and len(pcm) > rate
    assert loads == [1]
