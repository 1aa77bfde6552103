"""Voice prompts: each screen says what to do through the engine when one exists; nothing breaks when none does.

The engine lookup is the edge that is faked; the screens and the controller are real."""
from __future__ import annotations

from kiosk.core.session import Stage
from kiosk.ui.voice import Voice, find_engine
from tests.ui.conftest import wait_until


class RecordingEngine:
    """Stands in for QTextToSpeech: records what it was asked to say and in which locale."""

    def __init__(self):
        self.said: list[str] = []
        self.locales: list[str] = []

    def setLocale(self, locale) -> None:
        self.locales.append(locale.name())

    def stop(self) -> None:
        pass

    def say(self, text: str) -> None:
        self.said.append(text)


def test_each_screen_speaks_its_prompt_and_the_repeat_button_says_it_again(kiosk):
    engine = RecordingEngine()
    kiosk.c.view.voice = Voice(enabled=True, engine_lookup=lambda: engine)
    kiosk.w.header.voice_button.click()
    assert engine.said == ["您好，请点击扫码登录，或选择要办理的事项。"]
    kiosk.log_in()
    assert "请打开政务服务App，扫描屏幕上的二维码，并在手机上确认。" in engine.said
    assert engine.said[-1] == "请选择要办理的事项。"
    kiosk.w.header.language_button.click()
    kiosk.w.header.voice_button.click()
    assert engine.said[-1] == "Please choose an item." and engine.locales[-1].startswith("en")
    kiosk.open_first_item()
    assert engine.said[-1] == "Read the guide, check the form and tap Next."


def test_without_an_engine_prompts_are_skipped_quietly(kiosk):
    asked = []

    def no_engine():
        asked.append(True)
        return None

    kiosk.c.view.voice = Voice(enabled=True, engine_lookup=no_engine)
    kiosk.w.header.voice_button.click()
    kiosk.log_in()
    assert asked == [True], "the lookup happens once"
    assert kiosk.stage == Stage.CATALOG
    assert kiosk.c.view.voice.last_spoken == "请选择要办理的事项。"
    assert kiosk.c.view.voice.available is False


def test_a_failing_engine_lookup_is_the_same_as_none():
    def broken():
        raise OSError("speech backend crashed")

    voice = Voice(enabled=True, engine_lookup=broken)
    assert voice.say("您好", "zh_CN") is False and voice.available is False


def test_switched_off_voice_never_looks_for_an_engine():
    voice = Voice(enabled=False, engine_lookup=lambda: (_ for _ in ()).throw(AssertionError("looked up")))
    assert voice.say("您好", "zh_CN") is False


def test_the_real_lookup_answers_an_engine_or_none_without_raising(qapp):
    engine = find_engine()
    assert engine is None or hasattr(engine, "say")


def test_the_engine_speaks_in_the_catalogues_language_whatever_it_is():
    engine = RecordingEngine()
    voice = Voice(enabled=True, engine_lookup=lambda: engine)
    for locale in ("zh_CN", "en", "ug"):
        assert voice.say("…", locale)
    assert engine.locales[0] == "zh_CN" and engine.locales[1].startswith("en_") and engine.locales[2].startswith("ug")


def test_the_repeat_button_renders_the_prompt_with_espeak_and_a_tap_stops_it(kiosk, tmp_path):
    import shutil

    import pytest
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    from kiosk.core.speech import Volume, measure
    from kiosk.ui.voice import RenderedSpeech, TapStopsVoice

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (deploy/bootstrap.sh installs it)")
    voice = Voice(enabled=True, engine_lookup=lambda: find_engine(tmp_path / "speech", Volume.LOUD))
    kiosk.c.view.voice = voice
    kiosk.w.header.voice_button.click()
    engine = voice._get_engine()
    assert isinstance(engine, RenderedSpeech)
    wait_until(lambda: engine.last_file is not None, what="the home prompt rendered")
    heard = measure(engine.last_file)
    assert heard.seconds > 1.0 and heard.voiced_fraction > 0.5
    stopper = TapStopsVoice(voice)
    before = engine.generation
    press = QMouseEvent(QEvent.Type.MouseButtonPress, QPointF(10, 10), QPointF(10, 10), Qt.MouseButton.LeftButton,
                        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    stopper.eventFilter(kiosk.w, press)
    assert engine.generation == before + 1        # a prompt still rendering will not be played
