"""Every string exists in both languages with the same placeholders; every colour pair is readable."""
import string

from kiosk.i18n import STRINGS, tr
from kiosk.ui.theme import ELDERLY, PALETTE, STANDARD, TEXT_PAIRS, contrast_ratio


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_string_has_both_languages_and_same_placeholders():
    for key, (zh, en) in STRINGS.items():
        assert zh.strip() and en.strip(), key
        assert placeholders(zh) == placeholders(en), key


def test_tr_fills_placeholders_per_language():
    assert tr("login.user_code", "zh_CN", code="ABCD-1234") == "核对码：ABCD-1234"
    assert tr("login.user_code", "en", code="ABCD-1234") == "Check code: ABCD-1234"


def test_text_contrast_is_at_least_4_5_to_1():
    for fg, bg in TEXT_PAIRS:
        ratio = contrast_ratio(getattr(PALETTE, fg), getattr(PALETTE, bg))
        assert ratio >= 4.5, (fg, bg, round(ratio, 2))


def test_elderly_mode_sizes_meet_the_rules():
    assert ELDERLY.body >= 24 and ELDERLY.heading >= 36 and ELDERLY.touch_min >= 60
    assert STANDARD.body >= 18 and STANDARD.heading >= 30 and STANDARD.touch_min >= 44
