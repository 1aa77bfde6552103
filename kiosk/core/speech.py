"""Spoken prompts rendered to WAV files by espeak-ng (Mandarin and English) at three volume steps.

Qt-free: the UI plays the file, tests and `measure` check it has speech in it. Long numbers are never spoken."""
from __future__ import annotations

import array
import enum
import hashlib
import math
import os
import re
import shutil
import subprocess
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import KioskError

ENGINE = "espeak-ng"
VOICES = {"zh_CN": "cmn", "en": "en-gb"}   # espeak-ng's Mandarin and British English voices
WORDS_PER_MINUTE = {False: 175, True: 145}  # standard, elderly mode (slower)
RENDER_TIMEOUT = 10.0
FRAME_SECONDS = 0.02
VOICED_DBFS = -40.0                          # a 20 ms frame louder than this holds speech, not silence
_NUMBER = re.compile(r"[0-9Xx*]{6,}")        # an ID, phone or account number: personal, never read aloud


class Volume(enum.StrEnum):
    """The three volume steps a hall chooses from (ui.voice_volume)."""
    QUIET = "quiet"
    NORMAL = "normal"
    LOUD = "loud"


# Gain applied to the rendered samples: quiet is 20 dB under loud, normal 9 dB under.
GAIN = {Volume.QUIET: 0.1, Volume.NORMAL: 0.35, Volume.LOUD: 1.0}


class SpeechUnavailable(KioskError):
    """The speech engine is missing or failed; the kiosk carries on silently and says why in its log."""


def speakable(text: str) -> str:
    """`text` without long numbers: an ID, phone or application number on screen is not read out in the hall."""
    return _NUMBER.sub("", text).strip()


@dataclass(frozen=True)
class Loudness:
    """What a rendered prompt holds: its length, its loudness (RMS, dB full scale) and how much of it is voiced."""
    seconds: float
    rms_dbfs: float
    voiced_fraction: float


def _dbfs(samples: array.array) -> float:
    if not samples:
        return -math.inf
    rms = math.sqrt(sum(s * s for s in samples) / len(samples))
    return 20 * math.log10(rms / 32768) if rms > 0 else -math.inf


def measure(path: Path) -> Loudness:
    """Length, loudness and voiced share of a 16-bit mono WAV file."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise SpeechUnavailable(f"{path}: expected 16-bit mono audio")
        rate = wav.getframerate()
        samples = array.array("h", wav.readframes(wav.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    frame = max(1, int(rate * FRAME_SECONDS))
    frames = [samples[i:i + frame] for i in range(0, len(samples), frame)]
    voiced = sum(1 for f in frames if _dbfs(f) > VOICED_DBFS)
    return Loudness(len(samples) / rate, _dbfs(samples), voiced / len(frames) if frames else 0.0)


class SpeechRenderer:
    """Renders prompts with espeak-ng into a cache folder (one file per text, language, volume and pace)."""

    def __init__(self, cache_dir: Path, *, command: str = ENGINE, timeout: float = RENDER_TIMEOUT):
        self.cache_dir = Path(cache_dir)
        self.command = command
        self.timeout = timeout

    def available(self) -> bool:
        return shutil.which(self.command) is not None

    def render(self, text: str, locale: str, volume: Volume = Volume.NORMAL, *, elderly: bool = False) -> Path:
        """The WAV file of `text` spoken in `locale`'s voice; raises SpeechUnavailable with the reason."""
        text = speakable(text)
        if not text:
            raise SpeechUnavailable("nothing to say once personal numbers are left out")
        voice = VOICES.get(locale) or VOICES.get(locale.split("_")[0]) or VOICES["zh_CN"]
        pace = WORDS_PER_MINUTE[elderly]
        key = hashlib.sha256(f"{voice}|{pace}|{volume.value}|{text}".encode("utf-8")).hexdigest()[:24]
        target = self.cache_dir / f"{key}.wav"
        if target.exists():
            return target
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        raw = target.with_suffix(".raw.wav")
        try:
            done = subprocess.run([self.command, "-v", voice, "-s", str(pace), "-a", "180", "-w", str(raw), "--stdin"],
                                  input=text.encode("utf-8"), capture_output=True, timeout=self.timeout)
        except FileNotFoundError:
            raise SpeechUnavailable(f"{self.command} is not installed (deploy/bootstrap.sh installs it)") from None
        except subprocess.TimeoutExpired:
            raise SpeechUnavailable(f"{self.command} took more than {self.timeout:.0f} s for one prompt") from None
        except OSError as exc:
            raise SpeechUnavailable(f"{self.command} could not be run: {exc.strerror or exc}") from None
        if done.returncode != 0 or not raw.exists():
            words = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            raise SpeechUnavailable(f"{self.command} failed (exit {done.returncode}): {words[0]}")
        try:
            self._scaled(raw, target, GAIN[volume])
        finally:
            raw.unlink(missing_ok=True)
        return target

    @staticmethod
    def _scaled(source: Path, target: Path, gain: float) -> None:
        """Copy a 16-bit WAV with its samples multiplied by `gain`, written whole or not at all."""
        try:
            with wave.open(str(source), "rb") as wav:
                params = wav.getparams()
                samples = array.array("h", wav.readframes(wav.getnframes()))
        except (wave.Error, EOFError) as exc:
            raise SpeechUnavailable(f"the speech engine wrote an unreadable file: {exc}") from None
        if params.sampwidth != 2:
            raise SpeechUnavailable(f"the speech engine wrote {params.sampwidth * 8}-bit audio, expected 16-bit")
        if sys.byteorder == "big":   # WAV samples are little-endian
            samples.byteswap()
        scaled = array.array("h", (max(-32768, min(32767, int(s * gain))) for s in samples))
        if sys.byteorder == "big":
            scaled.byteswap()
        partial = target.with_suffix(".part")
        with wave.open(str(partial), "wb") as out:
            out.setparams(params)
            out.writeframes(scaled.tobytes())
        os.replace(partial, target)
