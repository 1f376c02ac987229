"""Any OpenAI-compatible speech server: OpenAI itself, Kokoro-FastAPI, LocalAI, ...

`POST {base_url}/audio/speech` with JSON `model`, `voice`, `input`, `response_format`
("wav" or "mp3") and `speed`; the answer's body is the audio. The API key, when the server
wants one, comes from the environment variable the voice names (`api_key_env`, default
OPENAI_API_KEY) and is sent as `Authorization: Bearer <key>`; a local server needs none.
Options shared by every voice may sit under `[engines.openai]` in briefing.toml.
"""

from __future__ import annotations

import io
import os
import time
import wave
from typing import Any, ClassVar, Mapping, Sequence
from urllib.parse import urlsplit

import numpy as np

from briefing.speech.engines import Voice, transform
from briefing.errors import AudioError, EngineError
from briefing.models import Audio

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "tts-1"
DEFAULT_KEY_ENV = "OPENAI_API_KEY"
FORMATS = ("wav", "mp3")

# Seconds to connect, and to wait for the audio: OpenAI answers a sentence in 1-3 s and a
# CPU-only Kokoro server in under 10 s; a server silent for a minute is not going to answer.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
# Tries after a 429 or 5xx, waiting BACKOFF, then twice that, ... (or the server's
# Retry-After, up to MAX_RETRY_WAIT): OpenAI's rate limits reset within seconds.
RETRIES = 3
BACKOFF = 1.0
MAX_RETRY_WAIT = 30.0

OPTIONS: Mapping[str, str] = {
    "base_url": f"the server's API root, up to /v1 (default {DEFAULT_BASE_URL})",
    "model": f'speech model (default "{DEFAULT_MODEL}")',
    "voice": "the server's voice name (default: this voice's own name)",
    "api_key_env": f"environment variable holding the API key (default {DEFAULT_KEY_ENV}; unset: no key sent)",
    "response_format": '"wav" (default) or "mp3"',
    "speed": "speaking rate, 0.25-4 (default 1.0)",
    "timeout": f"seconds to wait for the audio (default {READ_TIMEOUT:g})",
    "retries": f"tries again after HTTP 429/5xx (default {RETRIES})",
}


def _base_url(voice: Voice) -> str:
    return str(voice.option("base_url") or DEFAULT_BASE_URL).rstrip("/")


def _key(voice: Voice) -> tuple[str, str | None]:
    env = str(voice.option("api_key_env") or DEFAULT_KEY_ENV)
    return env, os.environ.get(env) or None


def _number(voice: Voice, key: str, default: float, low: float, high: float) -> float:
    value = voice.option(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise EngineError(
            "openai", f"voice '{voice.name}': {key} = {value!r} is not a number from {low:g} to {high:g}",
            f"Set {key} in [voices.{voice.name}] of briefing.toml", unavailable=True,
        )
    return float(value)


def is_audio(body: bytes) -> bool:
    """A WAV (RIFF/WAVE) or MP3 (ID3 tag or an MPEG frame sync) body."""
    if body[:4] == b"RIFF" and body[8:12] == b"WAVE":
        return True
    return body[:3] == b"ID3" or len(body) > 1 and body[0] == 0xFF and body[1] & 0xE0 == 0xE0


def decode(body: bytes) -> Audio:
    """The response body as mono float32 Audio: 16-bit PCM WAV read directly, anything else
    (MP3, float or multichannel WAV) through ffmpeg."""
    if body[:4] == b"RIFF":
        try:
            with wave.open(io.BytesIO(body), "rb") as w:
                if w.getsampwidth() == 2:
                    channels, rate = w.getnchannels(), w.getframerate()
                    # Streamed WAVs (Kokoro, LocalAI) may say 0 or 0xFFFFFFFF frames: read to the end.
                    pcm = np.frombuffer(w.readframes(2**31 - 1), dtype="<i2")
                    pcm = pcm[: len(pcm) // channels * channels].reshape(-1, channels).mean(axis=1)
                    return Audio((pcm / 32768.0).astype(np.float32), rate)
        except (wave.Error, EOFError):
            pass  # not the plain PCM the wave module reads: ffmpeg may
    from briefing import ffmpeg

    return ffmpeg.decode(body)


def _retry_after(response, attempt: int) -> float:
    header = response.headers.get("retry-after", "")
    try:
        wait = float(header)
    except ValueError:
        wait = BACKOFF * 2**attempt
    return min(max(wait, 0.0), MAX_RETRY_WAIT)


def _server_says(response) -> str:
    """The server's own error message (OpenAI: {"error": {"message": ...}}), on one line."""
    try:
        doc = response.json()
        message = doc.get("error", doc)
        message = message.get("message", message) if isinstance(message, dict) else message
        text = str(message if not isinstance(message, dict) else doc)
    except ValueError:
        text = response.text
    text = " ".join(text.split())
    return text[:200] + ("..." if len(text) > 200 else "")


class OpenAIEngine:
    id: ClassVar[str] = "openai"
    needs_network: ClassVar[bool] = True
    needs_key: ClassVar[bool] = False  # OpenAI wants one; local servers do not
    voice_options: ClassVar[Mapping[str, str]] = {**OPTIONS, **transform.OPTIONS}

    def version(self) -> str:
        # The server, model and voice are voice options, so already in every clip's key.
        return "openai-speech-1"

    def request(self, text: str, voice: Voice) -> dict[str, Any]:
        """The JSON body sent for `text` in `voice`."""
        fmt = str(voice.option("response_format", "wav"))
        if fmt not in FORMATS:
            raise EngineError(self.id, f"voice '{voice.name}': response_format = {fmt!r}",
                              'Use "wav" or "mp3"', unavailable=True)
        return {
            "model": str(voice.option("model") or DEFAULT_MODEL),
            "voice": str(voice.option("voice") or voice.name),
            "input": text,
            "response_format": fmt,
            "speed": _number(voice, "speed", 1.0, 0.25, 4.0),
        }

    def synthesize(self, text: str, voice: Voice) -> Audio:
        import httpx

        body = self.request(text, voice)
        url = f"{_base_url(voice)}/audio/speech"
        env, key = _key(voice)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        timeout = httpx.Timeout(_number(voice, "timeout", READ_TIMEOUT, 0.1, 3600), connect=CONNECT_TIMEOUT)
        retries = int(_number(voice, "retries", RETRIES, 0, 20))
        where = f"voice '{voice.name}' at {url}"
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            for attempt in range(retries + 1):
                try:
                    response = client.post(url, json=body, headers=headers)
                except httpx.TimeoutException as e:
                    if attempt < retries:
                        time.sleep(BACKOFF * 2**attempt)
                        continue
                    raise EngineError(self.id, f"{where}: no answer ({type(e).__name__})",
                                      "Check that the server is running and not overloaded",
                                      unavailable=True) from e
                except httpx.TransportError as e:
                    raise EngineError(self.id, f"cannot reach {url} ({_why(e)})",
                                      f"Start the server or fix base_url in [voices.{voice.name}]",
                                      unavailable=True) from e
                if (response.status_code == 429 or response.status_code >= 500) and attempt < retries:
                    time.sleep(_retry_after(response, attempt))
                    continue
                break
        status = response.status_code
        if status in (401, 403):
            hint = (f"Set {env} to a valid API key" if key is None
                    else f"The key in {env} was refused; set {env} to a valid one")
            raise EngineError(self.id, f"{where}: HTTP {status} ({_server_says(response)})", hint,
                              unavailable=True)
        if status != 200:
            raise EngineError(self.id, f"{where}: HTTP {status} ({_server_says(response)})",
                              "Check model and voice in briefing.toml against the server's",
                              unavailable=status in (404, 429) or status >= 500)
        audio_bytes = response.content
        if not is_audio(audio_bytes):
            kind = response.headers.get("content-type", "no content type")
            raise EngineError(self.id, f"{where} answered {kind} that is not WAV or MP3 audio "
                                       f"({len(audio_bytes)} bytes)",
                              "Check that base_url is the server's API root (ending in /v1)",
                              unavailable=True)
        try:
            audio = decode(audio_bytes)
        except AudioError as e:
            raise EngineError(self.id, f"{where}: the audio could not be decoded: {e}") from e
        if not len(audio.samples):
            raise EngineError(self.id, f"{where}: the server sent no audio for {text[:60]!r}")
        return transform.apply(audio, voice.options, engine=self.id)

    def readiness(self, voice: Voice) -> tuple[bool, str]:
        """Whether the server answers a connection, and whether the key is set."""
        base = _base_url(voice)
        env, key = _key(voice)
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False, f"base_url {base!r} is not an http(s) URL"
        reachable, why = _reachable(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        official = parts.hostname == urlsplit(DEFAULT_BASE_URL).hostname
        keynote = f"key in {env}" if key else f"{env} not set" + (" (needed)" if official else "")
        if not reachable:
            return False, f"{base} unreachable ({why}); {keynote}"
        if official and not key:
            return False, f"{base} reachable; {keynote}"
        return True, f"{base} reachable; {keynote}"

    def preload(self, voices: Sequence[Voice], threads: int | None = None) -> None:
        import httpx  # noqa: F401


def _reachable(host: str, port: int, timeout: float = 1.5) -> tuple[bool, str]:
    import socket

    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True, ""
    except OSError as e:
        return False, (e.strerror or str(e) or type(e).__name__).lower()


def _why(error: Exception) -> str:
    text = str(error) or type(error).__name__
    for marker in ("Connection refused", "Name or service not known", "timed out",
                   "Temporary failure in name resolution", "Network is unreachable"):
        if marker.lower() in text.lower():
            return marker.lower()
    return text[:120]
