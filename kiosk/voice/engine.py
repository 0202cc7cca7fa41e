"""Offline speech: espeak-ng (Debian package ``espeak-ng``) turns a prompt's words into a clip.

Why espeak-ng (docs/voice.md has the comparison): it is in Debian for both languages (Mandarin
``cmn-latn-pinyin`` and English), needs no network and no model download, renders a prompt in tens of
milliseconds on one core, and its output is deterministic, so a render cache keyed by the words is
valid across restarts. Its voice is robotic; a site that wants a better one drops recorded files
in (kiosk/voice/library.py), which always win over the engine.

The engine is run as a program, text on standard input (never on the command line, so no word can
be taken for an option), WAV on standard output, with a timeout. The clip is trimmed of the
silence espeak-ng puts around speech and normalised to -3 dBFS.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from typing import Protocol

from kiosk.voice.audio import AudioFormatError, Clip, decode_wav, normalise, trim
from kiosk.voice.numbers import base_language

DEFAULT_VOICES = {"zh": ("cmn-latn-pinyin", 190), "en": ("en-gb", 160)}  # voice, words a minute


class SpeechUnavailable(RuntimeError):
    """The speech engine cannot run here (not installed, no voice for the language, it failed)."""


class SpeechEngine(Protocol):
    """Turns words into a clip. ``signature`` names everything that changes the sound (engine,
    version, voice, speed) so that cached renders are redone when it changes."""

    def signature(self, lang: str) -> str: ...

    def synthesise(self, text: str, lang: str) -> Clip: ...


class EspeakEngine:
    def __init__(self, voices: Mapping[str, tuple[str, int]] | None = None, executable: str = "espeak-ng",
                 timeout: float = 20.0) -> None:
        self.voices = dict(DEFAULT_VOICES if voices is None else voices)
        self.executable = executable
        self.timeout = timeout
        self._version: str | None = None

    def voice_for(self, lang: str) -> tuple[str, int]:
        """(espeak-ng voice, words a minute) for ``lang`` (``zh_CN`` falls back to ``zh``)."""
        voice = self.voices.get(lang) or self.voices.get(base_language(lang))
        if voice is None:
            raise SpeechUnavailable(f"no espeak-ng voice configured for {lang!r}")
        return voice

    def _program(self) -> str:
        path = shutil.which(self.executable)
        if path is None:
            raise SpeechUnavailable(f"{self.executable} is not installed (Debian package espeak-ng)")
        return path

    def version(self) -> str:
        if self._version is None:
            try:
                out = subprocess.run([self._program(), "--version"], capture_output=True, timeout=self.timeout,
                                     check=False).stdout.decode("utf-8", "replace")
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise SpeechUnavailable(f"{self.executable} does not run: {exc}") from exc
            words = out.split()
            self._version = next((w for w in words if w[:1].isdigit()), "unknown")
        return self._version

    def signature(self, lang: str) -> str:
        voice, speed = self.voice_for(lang)
        return f"espeak-ng {self.version()} voice={voice} speed={speed}"

    def _run(self, text: str, lang: str, *output: str) -> bytes:
        """espeak-ng with ``lang``'s voice and speed, ``text`` on standard input; its standard output."""
        voice, speed = self.voice_for(lang)
        command = [self._program(), "-v", voice, "-s", str(speed), "-b", "1", *output]
        try:
            result = subprocess.run(command, input=text.encode("utf-8"), capture_output=True,
                                    timeout=self.timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SpeechUnavailable(f"espeak-ng failed: {exc}") from exc
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip()[:200]
            raise SpeechUnavailable(f"espeak-ng exited with {result.returncode}: {detail}")
        return result.stdout

    def phonemes(self, text: str, lang: str) -> str:
        """espeak-ng's phoneme transcription (``-x``) of ``text``: what it will say, checkable in tests
        (a ``(en)`` in Mandarin means it switched to English pronunciation)."""
        return self._run(text, lang, "-q", "-x").decode("utf-8", "replace")

    def synthesise(self, text: str, lang: str) -> Clip:
        wav = self._run(text, lang, "--stdout")
        try:
            clip = decode_wav(wav)
        except AudioFormatError as exc:
            raise SpeechUnavailable(f"espeak-ng wrote no usable WAV: {exc}") from exc
        if not len(clip.samples):
            raise SpeechUnavailable("espeak-ng produced no sound")
        return normalise(trim(clip))
