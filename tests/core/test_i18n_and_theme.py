"""Every string exists in both languages with the same placeholders; every colour pair is readable."""
from kiosk.i18n import LOCALES, tr
from kiosk.locale import LOCALE_DIR
from kiosk.locale.build import placeholders, read_catalog
from kiosk.ui.theme import ELDERLY, PALETTE, STANDARD, TEXT_PAIRS, contrast_ratio


def test_every_string_has_every_shipped_language_and_same_placeholders():
    assert LOCALES[:2] == ("zh_CN", "en")
    reference = {m.id: m.string for m in read_catalog(LOCALE_DIR, "zh_CN") if m.id}
    assert len(reference) > 100
    for locale in LOCALES[1:]:
        texts = {m.id: m.string for m in read_catalog(LOCALE_DIR, locale) if m.id}
        assert set(texts) == set(reference), locale
        for key, zh in reference.items():
            assert zh.strip() and texts[key].strip(), (locale, key)
            assert placeholders(zh) == placeholders(texts[key]), (locale, key)


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
