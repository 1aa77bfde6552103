"""Voice prompts: rendered by espeak-ng (kiosk.core.speech) and played with Qt Multimedia, or Qt's own
text-to-speech where espeak-ng is missing; silent when neither works.

The engine is looked up on first use (start-up does not wait for it) through one replaceable function."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QEvent, QObject, QUrl

from kiosk.core.speech import SpeechRenderer, Volume
from kiosk.errors import describe_error
from kiosk.ui.workers import run_async

log = logging.getLogger(__name__)


class RenderedSpeech(QObject):
    """An engine with QTextToSpeech's say / stop / setLocale, speaking through espeak-ng rendered files.

    Rendering runs on the thread pool; a prompt that finishes rendering after `stop` or a newer `say` is not
    played."""

    def __init__(self, renderer: SpeechRenderer, volume: Volume = Volume.NORMAL,
                 elderly: Callable[[], bool] = lambda: False):
        super().__init__()
        from PySide6.QtMultimedia import QSoundEffect

        self.renderer = renderer
        self.volume = volume
        self.elderly = elderly
        self.locale = "zh_CN"
        self.player = QSoundEffect(self)
        self.generation = 0
        self.last_file: Path | None = None

    def setLocale(self, locale) -> None:
        self.locale = locale.name()

    def stop(self) -> None:
        self.generation += 1
        self.player.stop()

    def say(self, text: str) -> None:
        self.generation += 1
        wanted = self.generation
        locale, volume, elderly = self.locale, self.volume, self.elderly()

        def play(path: Path) -> None:
            if wanted != self.generation:
                return                        # stopped, or another prompt was asked for meanwhile
            self.last_file = path
            self.player.setSource(QUrl.fromLocalFile(str(path)))
            self.player.play()

        run_async(lambda: self.renderer.render(text, locale, volume, elderly=elderly), play,
                  lambda exc: log.warning("voice prompt not spoken: %s", describe_error(exc)))


def find_engine(cache_dir: Path | None = None, volume: Volume = Volume.NORMAL,
                elderly: Callable[[], bool] = lambda: False):
    """espeak-ng through RenderedSpeech when it is installed, else a QTextToSpeech on the first real engine,
    else None."""
    if cache_dir is not None:
        renderer = SpeechRenderer(cache_dir)
        if renderer.available():
            try:
                return RenderedSpeech(renderer, volume, elderly)
            except ImportError as exc:  # Qt Multimedia or a library it needs is missing
                log.info("audio playback unavailable (%s); trying Qt's text-to-speech", exc)
        else:
            log.info("espeak-ng is not installed; trying Qt's text-to-speech")
    return _qt_text_to_speech()


def _qt_text_to_speech():
    try:
        from PySide6.QtTextToSpeech import QTextToSpeech
    except ImportError as exc:  # the module or a library it needs (e.g. libpulse) is missing
        log.info("text-to-speech unavailable (%s); voice prompts are off", exc)
        return None
    engines = [name for name in QTextToSpeech.availableEngines() if name != "mock"]
    if not engines:
        log.info("no text-to-speech engine; voice prompts are off")
        return None
    engine = QTextToSpeech(engines[0])
    if engine.state() == QTextToSpeech.State.Error:
        log.info("text-to-speech engine %s failed to start; voice prompts are off", engines[0])
        return None
    return engine


class TapStopsVoice(QObject):
    """Installed on the application: any tap or key stops the prompt being spoken."""

    def __init__(self, voice: "Voice"):
        super().__init__()
        self.voice = voice

    def eventFilter(self, watched, event) -> bool:
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress):
            self.voice.stop()
        return False


class Voice:
    """Says a prompt in the current language; quietly does nothing without an engine."""

    def __init__(self, enabled: bool | Callable[[], bool] = True, engine_lookup: Callable[[], object] = find_engine):
        self._enabled = enabled
        self.engine_lookup = engine_lookup
        self._engine = None
        self._tried = False
        self.last_spoken = ""

    @property
    def available(self) -> bool:
        """True when prompts are on and an engine was found."""
        return self.enabled and self._get_engine() is not None

    @property
    def enabled(self) -> bool:
        """Whether prompts are on now (the hall's setting for standard or elderly mode)."""
        return self._enabled() if callable(self._enabled) else self._enabled

    def _get_engine(self):
        if not self._tried:
            self._tried = True
            try:
                self._engine = self.engine_lookup()
            except (RuntimeError, OSError, ImportError) as exc:  # a broken speech backend must never stop the kiosk
                log.warning("text-to-speech engine unusable: %s", describe_error(exc))
                self._engine = None
        return self._engine

    def say(self, text: str, locale: str) -> bool:
        """Speak `text`; returns whether it was handed to an engine."""
        self.last_spoken = text
        if not self.enabled or not text:
            return False
        engine = self._get_engine()
        if engine is None:
            return False
        from PySide6.QtCore import QLocale

        engine.setLocale(QLocale(locale))   # the catalogue's name (zh_CN, en, …) is a QLocale name too
        engine.stop()
        engine.say(text)
        return True

    def stop(self) -> None:
        """Stop the prompt being spoken (a tap anywhere); nothing when none is."""
        if self._engine is not None:
            self._engine.stop()
