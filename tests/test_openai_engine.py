"""The OpenAI-compatible speech engine against a server on 127.0.0.1 that speaks the protocol.

The server answers POST /v1/audio/speech with real audio (a WAV of a voiced tone, or that
tone encoded to MP3 by ffmpeg) and records every request, so the tests check what was sent
as well as what came back.
"""

from __future__ import annotations

import io
import json
import socket
import subprocess
import threading
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from click.testing import CliRunner

from briefing.speech import engines
from briefing import ffmpeg
from briefing.speech.cache import ClipCache
from briefing.cli import cli
from briefing.speech.engines import Voice
from briefing.speech.engines import openai as oa
from briefing.errors import EngineError
from briefing.speech.executors import InProcess
from briefing.speech.synth import Job, synthesize
from conftest import BRIDGE_TEXT, write_show

RATE = 24000  # what OpenAI and Kokoro send


def tone_wav(seconds: float = 0.5, rate: int = RATE) -> bytes:
    """A 16-bit mono WAV of a 150 Hz tone with harmonics: speech-like, not silence."""
    t = np.arange(int(seconds * rate)) / rate
    wave_ = sum(0.3 / k * np.sin(2 * np.pi * 150 * k * t) for k in range(1, 6))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((wave_ * 32767 * 0.8).astype("<i2").tobytes())
    return out.getvalue()


def tone_mp3() -> bytes:
    proc = subprocess.run([ffmpeg.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0",
                           "-f", "mp3", "pipe:1"], input=tone_wav(), capture_output=True, check=True)
    return proc.stdout


class SpeechServer:
    """POST /v1/audio/speech; `answers` is a list of (status, headers, body) used in turn, the
    last one for every request after it."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict, bytes]] = [(200, {"Content-Type": "audio/wav"}, tone_wav())]
        me = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                me.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                    "json": json.loads(raw or b"null")})
                n = len(me.requests) - 1
                status, headers, body = me.answers[min(n, len(me.answers) - 1)]
                if self.path != "/v1/audio/speech":
                    status, headers, body = 404, {"Content-Type": "application/json"}, b'{"detail":"Not Found"}'
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_port}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def speech():
    server = SpeechServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(oa, "BACKOFF", 0.01)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def voice(server: SpeechServer, **options) -> Voice:
    return Voice("nova", "openai", {"base_url": server.base_url, "model": "tts-1", "voice": "nova", **options})


def test_speaks_wav_and_sends_the_openai_request(speech, monkeypatch):
    monkeypatch.setenv("MY_TTS_KEY", "sk-test-123")
    audio = engines.get("openai").synthesize("Hello there.", voice(speech, api_key_env="MY_TTS_KEY", speed=1.1))
    assert audio.sample_rate == RATE
    assert audio.seconds == pytest.approx(0.5, abs=0.01)
    assert np.abs(audio.samples).max() > 0.3
    (req,) = speech.requests
    assert req["path"] == "/v1/audio/speech"
    assert req["headers"]["authorization"] == "Bearer sk-test-123"
    assert req["headers"]["content-type"] == "application/json"
    assert req["json"] == {"model": "tts-1", "voice": "nova", "input": "Hello there.",
                           "response_format": "wav", "speed": 1.1}


def test_no_key_no_authorization_header_for_a_local_server(speech):
    engines.get("openai").synthesize("Hi.", Voice("alloy", "openai", {"base_url": speech.base_url + "/"}))
    (req,) = speech.requests
    assert "authorization" not in req["headers"]
    assert req["json"]["voice"] == "alloy"  # the voice's own name when `voice` is not set
    assert req["json"]["model"] == "tts-1"


def test_mp3_answers_are_decoded(speech):
    speech.answers = [(200, {"Content-Type": "audio/mpeg"}, tone_mp3())]
    audio = engines.get("openai").synthesize("Hi.", voice(speech, response_format="mp3"))
    assert speech.requests[0]["json"]["response_format"] == "mp3"
    assert audio.sample_rate == RATE
    assert 0.45 < audio.seconds < 0.6  # MP3 adds encoder padding
    assert np.abs(audio.samples).max() > 0.3


def test_429_and_5xx_are_retried(speech):
    speech.answers = [(429, {"Retry-After": "0"}, b'{"error":{"message":"slow down"}}'),
                      (503, {}, b"busy"), (200, {"Content-Type": "audio/wav"}, tone_wav())]
    audio = engines.get("openai").synthesize("Hi.", voice(speech))
    assert len(speech.requests) == 3
    assert audio.seconds == pytest.approx(0.5, abs=0.01)


def test_retries_give_up_with_the_status(speech):
    speech.answers = [(500, {"Content-Type": "application/json"}, b'{"error":{"message":"model crashed"}}')]
    with pytest.raises(EngineError) as e:
        engines.get("openai").synthesize("Hi.", voice(speech, retries=2))
    assert len(speech.requests) == 3
    assert str(e.value) == (f"speech engine 'openai': voice 'nova' at {speech.base_url}/audio/speech: "
                            "HTTP 500 (model crashed). Check model and voice in briefing.toml against the server's")
    assert e.value.unavailable


def test_401_says_which_variable_holds_the_key(speech, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    speech.answers = [(401, {"Content-Type": "application/json"},
                       b'{"error":{"message":"Incorrect API key provided"}}')]
    with pytest.raises(EngineError) as e:
        engines.get("openai").synthesize("Hi.", voice(speech))
    assert len(speech.requests) == 1  # never retried
    assert str(e.value) == (f"speech engine 'openai': voice 'nova' at {speech.base_url}/audio/speech: HTTP 401 "
                            "(Incorrect API key provided). The key in OPENAI_API_KEY was refused; "
                            "set OPENAI_API_KEY to a valid one")
    assert "\n" not in str(e.value)


def test_an_unreachable_server_is_one_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(EngineError) as e:
        engines.get("openai").synthesize("Hi.", Voice("nova", "openai", {"base_url": f"http://127.0.0.1:{port}/v1"}))
    assert str(e.value) == (f"speech engine 'openai': cannot reach http://127.0.0.1:{port}/v1/audio/speech "
                            "(connection refused). Start the server or fix base_url in [voices.nova]")
    assert e.value.unavailable


def test_a_body_that_is_not_audio(speech):
    speech.answers = [(200, {"Content-Type": "text/html"}, b"<html><body>Welcome to nginx</body></html>")]
    with pytest.raises(EngineError) as e:
        engines.get("openai").synthesize("Hi.", voice(speech))
    assert str(e.value) == (f"speech engine 'openai': voice 'nova' at {speech.base_url}/audio/speech answered "
                            "text/html that is not WAV or MP3 audio (42 bytes). "
                            "Check that base_url is the server's API root (ending in /v1)")


def test_clips_are_cached_like_pipers(speech, tmp_path):
    cache = ClipCache(tmp_path / "cache")
    jobs = [Job("One sentence.", voice(speech)), Job("Another.", voice(speech)), Job("One sentence.", voice(speech))]
    first = synthesize(jobs, cache=cache, network=InProcess())
    assert [r["json"]["input"] for r in speech.requests] in (["One sentence.", "Another."],
                                                               ["Another.", "One sentence."])
    again = synthesize(jobs, cache=cache, network=InProcess())
    assert len(speech.requests) == 2  # all three from the cache
    assert [c.pcm.tobytes() for c in again] == [c.pcm.tobytes() for c in first]
    other = synthesize([Job("Another.", voice(speech, model="tts-1-hd"))], cache=cache, network=InProcess())
    assert len(other) == 1 and speech.requests[-1]["json"]["model"] == "tts-1-hd"  # a new model is a miss


OPENAI_CAST = """
[cast]
engine = "openai"
narrator = "nova"
quotes = ["alloy", "echo"]

[engines.openai]
base_url = "{base}"
model = "tts-1"

[voices.nova]
voice = "nova"
api_key_env = "SHOW_TTS_KEY"
[voices.alloy]
voice = "alloy"
[voices.echo]
voice = "echo"
"""


def test_a_show_made_through_the_server(speech, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOW_TTS_KEY", "local-key")
    config = write_show(tmp_path, engine="openai", extra=OPENAI_CAST.format(base=speech.base_url))
    (tmp_path / "sources" / "bridge.txt").write_text(BRIDGE_TEXT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "make", "--date", "2026-11-21"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "output" / "2026-11-21" / "briefing-2026-11-21.mp3").is_file()
    sent = {r["json"]["voice"] for r in speech.requests}
    assert sent == {"nova", "alloy"}  # narrator and the one quoted speaker
    assert {r["json"]["model"] for r in speech.requests} == {"tts-1"}  # from [engines.openai]
    narrator = [r for r in speech.requests if r["json"]["voice"] == "nova"]
    assert all(r["headers"]["authorization"] == "Bearer local-key" for r in narrator)
    assert any("Maria Lopez" not in r["json"]["input"] and "delighted" in r["json"]["input"]
               for r in speech.requests if r["json"]["voice"] == "alloy")


def test_voices_shows_whether_the_server_answers_and_the_key_is_set(speech, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOW_TTS_KEY", "local-key")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    cast = OPENAI_CAST.format(base=speech.base_url) + f'base_url = "{closed}"\n'  # echo's server is down
    config = write_show(tmp_path, engine="openai", extra=cast)
    result = CliRunner().invoke(cli, ["--config", str(config), "voices"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"narrator   nova     openai   ready: {speech.base_url} reachable; key in SHOW_TTS_KEY  (")
    assert lines[1].startswith(f"quote 1    alloy    openai   ready: {speech.base_url} reachable; OPENAI_API_KEY not set  (")
    assert lines[2].startswith(f"quote 2    echo     openai   NOT READY: {closed} unreachable (connection refused); "
                               "OPENAI_API_KEY not set  (")
    assert "  openai     built-in" in lines
    assert speech.requests == []  # a check connects; it speaks nothing
