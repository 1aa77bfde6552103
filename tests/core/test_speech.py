"""Spoken prompts rendered by the real espeak-ng: speech energy and a plausible length in both languages, 20 dB
between the quietest and loudest step, no personal numbers, and a clear error for every way the engine fails."""
from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from kiosk.core.speech import SpeechRenderer, SpeechUnavailable, Volume, measure, speakable
from kiosk.i18n import tr

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (deploy/bootstrap.sh installs it)")


@needs_espeak
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_a_prompt_renders_to_audible_speech_of_a_plausible_length(tmp_path, locale):
    text = tr("voice.home", locale)
    loudness = measure(SpeechRenderer(tmp_path).render(text, locale, Volume.LOUD))
    assert 1.0 < loudness.seconds < 20.0, loudness
    assert loudness.voiced_fraction > 0.5 and loudness.rms_dbfs > -30.0, loudness


@needs_espeak
def test_the_loudest_step_is_at_least_18_db_over_the_quietest(tmp_path):
    renderer = SpeechRenderer(tmp_path)
    text = tr("voice.catalog", "zh_CN")
    quiet, normal, loud = (measure(renderer.render(text, "zh_CN", v)).rms_dbfs for v in Volume)
    assert quiet < normal < loud
    assert loud - quiet >= 18.0, (quiet, loud)


@needs_espeak
def test_elderly_mode_speaks_more_slowly(tmp_path):
    renderer = SpeechRenderer(tmp_path)
    text = tr("voice.catalog", "zh_CN")
    standard = measure(renderer.render(text, "zh_CN")).seconds
    elderly = measure(renderer.render(text, "zh_CN", elderly=True)).seconds
    assert elderly > standard * 1.1


def test_personal_numbers_are_never_spoken():
    assert speakable("您的身份证号 340102195204121234 已核验") == "您的身份证号  已核验"
    assert speakable("手机 13812345678，尾号 5678") == "手机 ，尾号 5678"
    assert speakable("ID 3401**********1234 checked") == "ID  checked"


@needs_espeak
def test_a_rendered_prompt_is_kept_and_not_rendered_again(tmp_path):
    renderer = SpeechRenderer(tmp_path)
    first = renderer.render("请取走凭条", "zh_CN")
    renderer.command = "no-such-speech-engine"     # a second render would fail: the file is reused
    assert renderer.render("请取走凭条", "zh_CN") == first
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name]


def fake_engine(tmp_path: Path, body: str) -> str:
    script = tmp_path / "engine.sh"
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_a_missing_engine_says_how_to_install_it(tmp_path):
    with pytest.raises(SpeechUnavailable, match="is not installed"):
        SpeechRenderer(tmp_path, command="no-such-speech-engine").render("你好", "zh_CN")


def test_an_engine_that_fails_is_reported_with_its_own_words(tmp_path):
    command = fake_engine(tmp_path, 'echo "voice cmn not found" >&2\nexit 1\n')
    with pytest.raises(SpeechUnavailable, match=r"exit 1\): voice cmn not found"):
        SpeechRenderer(tmp_path / "cache", command=command).render("你好", "zh_CN")


def test_an_engine_that_hangs_is_given_up_on_in_time(tmp_path):
    command = fake_engine(tmp_path, "sleep 30\n")
    started = time.monotonic()
    with pytest.raises(SpeechUnavailable, match="took more than 1 s"):
        SpeechRenderer(tmp_path / "cache", command=command, timeout=1.0).render("你好", "zh_CN")
    assert time.monotonic() - started < 10


def test_garbage_from_the_engine_leaves_no_file_behind(tmp_path):
    # espeak-ng's arguments: -v V -s S -a A -w FILE --stdin; the fake writes junk where the WAV should be
    command = fake_engine(tmp_path, 'while [ "$1" != "-w" ]; do shift; done\necho junk > "$2"\n')
    cache = tmp_path / "cache"
    with pytest.raises(SpeechUnavailable, match="unreadable file"):
        SpeechRenderer(cache, command=command).render("你好", "zh_CN")
    assert os.listdir(cache) == []


def test_nothing_left_to_say_is_an_error_not_silence(tmp_path):
    with pytest.raises(SpeechUnavailable, match="nothing to say"):
        SpeechRenderer(tmp_path).render("340102195204121234", "zh_CN")
