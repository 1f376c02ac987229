"""Google Translate's text-to-speech through gTTS: online, no key, several English accents.

Each accent is a separate voice, chosen by the Google host's top-level domain (`tld`):
"com" (US), "co.uk" (British), "com.au" (Australian), "co.in" (Indian), "ca" (Canadian),
"ie" (Irish), "co.za" (South African). gTTS returns MP3, decoded here with ffmpeg.

`BRIEFING_GTTS_URL` replaces the Google host, e.g. `http://127.0.0.1:8080/{tld}/`, for a
mirror or a test server; gTTS still builds, sends and parses the requests.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar, Mapping

from briefing.models import Voice
from briefing.speech.engines import transform
from briefing.errors import EngineError
from briefing.models import Audio

OFFLINE_HINT = 'Use the offline engine: set engine = "piper" in [cast] of briefing.toml'
URL_ENV = "BRIEFING_GTTS_URL"

# Seconds to connect and to wait for each answer: Google answers a ~100-character part in
# under a second; a minute of silence means it is not coming.
TIMEOUT = (10.0, 60.0)


def _host(tld: str) -> str:
    template = os.environ.get(URL_ENV)
    return template.format(tld=tld) if template else f"https://translate.google.{tld}/"


def _speaker(text: str, tld: str, lang: str, slow: bool) -> Any:
    """A gTTS object that sends its requests to `_host(tld)`."""
    from gtts import gTTS

    class Speaker(gTTS):
        def _prepare_requests(self):
            requests = super()._prepare_requests()
            google = f"https://translate.google.{self.tld}/"
            host = _host(self.tld)
            if host != google:
                for request in requests:
                    request.prepare_url(host + request.url.removeprefix(google), None)
            return requests

    try:
        return Speaker(text, tld=tld, lang=lang, slow=slow, timeout=TIMEOUT)
    except ValueError as e:  # "Language not supported: xx"
        raise EngineError(
            "gtts", f"{e}", "Set `lang` to a code gTTS knows, such as \"en\" (see `gtts-cli --all`)"
        ) from e


def _why(error: Exception) -> str:
    """A short cause for a failed gTTS request: the HTTP status, or what the network said."""
    response = getattr(error, "rsp", None)
    if response is not None:
        return f"HTTP {response.status_code} {response.reason or ''}".strip()
    cause = error.__context__ or error
    text = str(cause)
    for marker in ("Connection refused", "Name or service not known", "timed out",
                   "Temporary failure in name resolution", "Network is unreachable"):
        if marker in text:
            return marker.lower()
    return type(cause).__name__


class GTTSEngine:
    id: ClassVar[str] = "gtts"
    needs_network: ClassVar[bool] = True
    needs_key: ClassVar[bool] = False
    voice_options: ClassVar[Mapping[str, str]] = {
        "tld": 'Google host, which sets the accent: "com", "co.uk", "com.au", "co.in", "ca", "ie", "co.za"',
        "lang": 'language code (default "en")',
        "slow": "read slowly (true/false)",
        **transform.OPTIONS,
    }

    def readiness(self, voice: Voice) -> tuple[bool, str]:
        """Whether Google's host for the voice's accent answers a connection."""
        from urllib.parse import urlsplit

        from briefing.speech.engines.openai import _reachable

        host = _host(str(voice.option("tld", "com")))
        parts = urlsplit(host)
        ok, why = _reachable(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        return ok, f"{host.rstrip('/')} reachable" if ok else f"{host.rstrip('/')} unreachable ({why})"

    def version(self) -> str:
        from importlib.metadata import version

        return f"gTTS {version('gTTS')}"

    def synthesize(self, text: str, voice: Voice) -> Audio:
        from gtts import gTTSError

        from briefing import ffmpeg

        tld = str(voice.option("tld", "com"))
        speaker = _speaker(
            text, tld=tld, lang=str(voice.option("lang", "en")), slow=bool(voice.option("slow", False))
        )
        try:
            mp3 = b"".join(speaker.stream())
        except (gTTSError, OSError) as e:
            host = _host(tld).rstrip("/")
            response = getattr(e, "rsp", None)
            if response is not None and response.ok:
                reason = f"{host} answered without audio (its API may have changed; update gTTS)"
            else:
                reason = f"cannot reach {host} ({_why(e)})"
            raise EngineError(self.id, reason, OFFLINE_HINT, unavailable=True) from e
        except AssertionError as e:  # gTTS asserts there is something to say
            raise EngineError(self.id, f"nothing to speak in {text!r}") from e
        audio = ffmpeg.decode(mp3)
        return transform.apply(audio, voice.options, engine=self.id)
