"""Voice prompts through Qt's text-to-speech, when an engine is present; silent otherwise.

The engine is looked up on first use (start-up does not wait for it) through one replaceable function."""
from __future__ import annotations

import logging
from typing import Callable

from kiosk.errors import describe_error

log = logging.getLogger(__name__)


def find_engine():
    """A QTextToSpeech on the first real engine, or None when the system has none (or no module)."""
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


class Voice:
    """Says a prompt in the current language; quietly does nothing without an engine."""

    def __init__(self, enabled: bool = True, engine_lookup: Callable[[], object] = find_engine):
        self.enabled = enabled
        self.engine_lookup = engine_lookup
        self._engine = None
        self._tried = False
        self.last_spoken = ""

    @property
    def available(self) -> bool:
        """True when prompts are on and an engine was found."""
        return self.enabled and self._get_engine() is not None

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
