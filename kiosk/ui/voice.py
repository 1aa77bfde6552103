"""Voice prompts through Qt's text-to-speech, when an engine is present; silent otherwise.

The engine is created on first use so start-up does not wait for it."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class Voice:
    """Says a prompt in the current language; quietly does nothing without an engine."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._engine = None
        self._tried = False
        self.last_spoken = ""

    def _get_engine(self):
        if self._tried:
            return self._engine
        self._tried = True
        try:
            from PySide6.QtTextToSpeech import QTextToSpeech

            if QTextToSpeech.availableEngines():
                self._engine = QTextToSpeech()
        except ImportError:
            log.info("text-to-speech is not installed; voice prompts are off")
        return self._engine

    def say(self, text: str, locale: str) -> None:
        self.last_spoken = text
        if not self.enabled:
            return
        engine = self._get_engine()
        if engine is None:
            return
        from PySide6.QtCore import QLocale

        engine.setLocale(QLocale(QLocale.Chinese, QLocale.China) if locale == "zh_CN" else QLocale(QLocale.English))
        engine.stop()
        engine.say(text)
