"""The issuer, date and numbers stay readable: a black seal covers no text, a red one has the text knocked out;
titles wrap into balanced lines; dates read 2026年12月03日 12:09 in the terminal's time zone."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from PIL import ImageChops, ImageFilter

from kiosk.receipt.dates import TimeZoneError, format_when
from kiosk.receipt.escpos_render import render_escpos
from kiosk.receipt.layout import TextLine, balanced_wrap, layout_receipt, wrap
from kiosk.receipt.model import receipt_from_document
from kiosk.receipt.preview import paint_layout, preview_mono
from kiosk.receipt.profiles import load_profile
from kiosk_devtools.escpos_decode import decode_escpos


def _dilate(mask, dots):
    return mask.convert("L").filter(ImageFilter.MaxFilter(2 * dots + 1)).point(lambda v: 255 if v else 0, mode="1")


def test_a_red_seal_lies_over_the_issuer_lines_with_every_letter_knocked_out(receipt, profiles_dir):
    profile = load_profile("hprt-tp809-red", profiles_dir)
    layers = paint_layout(layout_receipt(receipt, profile), profile)
    box = layers.seal.getbbox()
    text = layers.ink.crop(box)
    assert text.getbbox() is not None, "a red stamp sits on the issuer and date, as on paper"
    touching = ImageChops.logical_and(layers.seal.crop(box), _dilate(text, 2))
    assert touching.getbbox() is None, "red seal dots touch the letters"


def test_red_seal_bytes_print_the_seal_in_colour_2_and_the_text_in_black(receipt, profiles_dir):
    profile = load_profile("hprt-tp809-red", profiles_dir)
    job = decode_escpos(render_escpos(receipt, profile), profile.width_dots)
    layers = paint_layout(layout_receipt(receipt, profile), profile)
    assert job.red is not None
    assert ImageChops.difference(job.red.convert("L"), layers.seal.convert("L")).getbbox() is None
    assert ImageChops.difference(job.image.convert("L"), preview_mono(receipt, profile).convert("L")).getbbox() is None
    assert b"\x1d(L" in render_escpos(receipt, profile) and not job.unknown


def test_a_title_never_leaves_one_character_alone_on_a_line():
    assert wrap("社会保险个人参保缴费证明书", 24) == ["社会保险个人参保缴费证", "明书"]   # never "书" alone
    lines = balanced_wrap("社会保险个人参保缴费证明书", 24)
    assert lines == ["社会保险个人参", "保缴费证明书"]
    assert balanced_wrap("住房公积金缴存证明", 24) == ["住房公积金缴存证明"]


def test_the_slip_title_is_balanced_on_58mm_paper(receipt, profiles_dir):
    profile = load_profile("generic-58mm", profiles_dir)
    title = [i.text for i in layout_receipt(receipt, profile).items if isinstance(i, TextLine) and i.scale == 2]
    assert title == ["社会保险个人", "参保缴费证明"]


def test_no_paragraph_ends_with_one_chinese_character_alone():
    lines = wrap("参保险种：企业职工基本养老保险、失业保险、工伤保险", 48, indent=10)
    assert len(lines) == 2 and len(lines[-1].strip()) > 1 and lines[-1].startswith(" " * 10)
    assert "".join(lines).replace(" ", "") == "参保险种：企业职工基本养老保险、失业保险、工伤保险"


@pytest.mark.parametrize("value, locale, expected", [
    ("2026-12-03T04:09:00Z", "zh_CN", "2026年12月03日 12:09"),
    ("2026-12-03T04:09:00Z", "en", "3 Dec 2026 12:09"),
    ("2026-12-03T12:09:00+08:00", "zh_CN", "2026年12月03日 12:09"),
    ("2026-12-03T12:09:00", "zh_CN", "2026年12月03日 12:09"),
    ("2027-03-03", "zh_CN", "2027年03月03日"),
    ("2027-03-03", "en", "3 Mar 2027"),
    ("2024年5月20日", "zh_CN", "2024年05月20日"),
    ("2024年05月20日", "en", "20 May 2024"),
    ("not a date", "zh_CN", "not a date"),
])
def test_dates_read_as_people_write_them(value, locale, expected):
    assert format_when(value, locale, "Asia/Shanghai") == expected


def test_dates_follow_the_terminals_time_zone():
    assert format_when("2026-12-03T04:09:00Z", "zh_CN", "Asia/Urumqi") == "2026年12月03日 10:09"
    assert format_when(dt.datetime(2026, 12, 3, 4, 9, tzinfo=dt.timezone.utc), "en", "Asia/Shanghai") == \
        "3 Dec 2026 12:09"
    with pytest.raises(TimeZoneError, match="Mars/Olympus"):
        format_when("2026-12-03T04:09:00Z", "zh_CN", "Mars/Olympus")


def test_the_slip_prints_the_readable_date_and_valid_until(document, native_profile):
    doc = dataclasses.replace(document, issued_at="2026-12-03T04:09:00Z", valid_until="2027-03-03")
    receipt = receipt_from_document(doc, application_number="AH-1", zone="Asia/Shanghai")
    text = "\n".join(decode_escpos(render_escpos(receipt, native_profile), native_profile.width_dots).text_lines)
    assert "有效期至：2027年03月03日" in text
    english = receipt_from_document(doc, application_number="AH-1", locale="en", zone="Asia/Shanghai")
    layout_text = [i.text for i in layout_receipt(english, native_profile).items if isinstance(i, TextLine)]
    assert "Valid until: 3 Mar 2027" in layout_text and "Application number: AH-1" in layout_text
    assert receipt.issued_at == "2026年12月03日 12:09" and english.issued_at == "3 Dec 2026 12:09"
