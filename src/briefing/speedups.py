"""The speed tricks worth keeping, in one place: each saves more than ~50 ms a run, and each
says what. `bench/speedups.py` measures them by switching each off in turn (medians of 5 runs
on 2 cores, a 150-word article: cold 5.5 s, warm re-run 0.43 s). Nothing else in the code is
there for speed alone; the pipeline and the CLI call these by name."""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING

# The CLI imports this module before numpy is loaded (see one_blas_thread), so the stages'
# modules are imported by the functions that use them.
if TYPE_CHECKING:
    from briefing.speech.synth import SpeechOptions


def one_blas_thread() -> None:
    """Keep numpy's OpenBLAS to one thread unless the user says otherwise (read when numpy is
    first imported, so before that). OpenBLAS starts a thread per core at import and they spin
    waiting for work, on the core the voice is loading on; briefing does no large linear
    algebra. Measured: 0.05 s of a warm re-run (a cold run's difference, -0.09 s, was noise)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def start_engine_preload(options: SpeechOptions) -> threading.Thread:
    """Load the voices on the second core while the sources are read and segmented: the first
    clip then does not wait for onnxruntime and the model (0.15-0.2 s, 0.07 s from the voice's
    memory-mapped copy). Join the thread before synthesizing. Measured: 0.35 s of a cold run."""
    from briefing.speech import synth

    return synth.preload(options)


def finishing_imports() -> None:
    """Import the libraries of the stages after the last clip (loudness, pydub, ID3, feedgen:
    ~0.13 s) while the synthesis pool works, instead of on the way to the episode, when the
    other core would idle. Passed to synthesis as its `meanwhile` work. Measured: 0.32 s of a
    cold run, 0.10 s of a warm re-run."""
    from briefing.audio import loudness, tags
    from briefing.ffmpeg import configure_pydub
    from briefing.publish import feed

    loudness.preload()
    configure_pydub()
    tags.preload()
    feed.preload()


def exit_without_teardown(code) -> None:
    """Exit as `sys.exit(code)` would, without the interpreter's teardown when it is safe to skip.

    Tearing down onnxruntime, Praat, numpy and the rest, and collecting a heap the system is
    about to take back anyway, costs every run at its end: measured 0.06 s of a cold run and
    0.09 s of a warm re-run (a fifth of it).
    Everything a run writes is closed by then, so after the exit handlers (logging's flush,
    temporary files, worker pools) the process ends. Another thread still running means someone
    else's work: then the ordinary exit waits for it.
    """
    import atexit

    if threading.active_count() > 1:
        sys.exit(code)
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit does with a message
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or a reader that went away
            pass
    os._exit(code)
