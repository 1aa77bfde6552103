"""Wrapping by display width: a Chinese character takes two columns, numbers are never split."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.receipt.glyphs import display_width
from kiosk.receipt.layout import Cut, QrBlock, SealImage, TextLine, field_lines, layout_receipt, wrap

ALPHABET = st.sampled_from(list("中文政务服务证明，。：；（）、￥䶮") + list("0123456789") + list("abcXYZ-./ "))


def test_chinese_characters_take_two_columns():
    assert display_width("证明") == 4
    assert display_width("ID 12") == 5
    assert display_width("（￥）") == 6


def test_wrap_keeps_a_long_number_whole_on_its_own_line():
    lines = field_lines("办件编号", "AH-340100-20240520-000042", 32)
    assert "AH-340100-20240520-000042" in [line.strip() for line in lines]


def test_closing_punctuation_never_starts_a_line():
    lines = wrap("一二三四五，六七八九十。", 10)
    assert all(not line.startswith(("，", "。")) for line in lines)


def test_yuan_sign_stays_with_its_amount():
    lines = wrap("个人缴费合计金额为￥38,412.96元", 20)
    assert any("￥38,412.96" in line for line in lines)


@settings(max_examples=200, deadline=None)
@given(st.text(ALPHABET, max_size=120), st.integers(min_value=8, max_value=48))
def test_wrapped_lines_fit_and_lose_nothing(text, columns):
    lines = wrap(text, columns)
    assert all(display_width(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.from_regex(r"[0-9]{1,12}", fullmatch=True), st.sampled_from(["证明", "，", " ", "号"])),
                max_size=20), st.integers(min_value=14, max_value=48))
def test_numbers_shorter_than_a_line_are_never_broken(parts, columns):
    text = "".join(parts)
    numbers = [n for n in re.findall(r"[0-9]+", text) if len(n) <= columns]
    lines = wrap(text, columns)
    for number in numbers:
        assert any(number in line for line in lines), (number, lines)


def test_layout_has_title_fields_seal_qr_and_cut(receipt, native_profile):
    layout = layout_receipt(receipt, native_profile)
    kinds = [type(item) for item in layout.items]
    assert kinds.count(SealImage) == 1 and kinds.count(QrBlock) == 1 and kinds[-1] is Cut
    texts = [item.text for item in layout.items if isinstance(item, TextLine)]
    assert "社会保险个人参保缴费证明" in texts[0]
    assert any("验证码：7K3Q-9XWD-2M4P" in t for t in texts)
    for item in layout.items:
        if isinstance(item, TextLine):
            assert display_width(item.text) * item.scale <= layout.columns


def test_reprint_is_printed_prominently(receipt, native_profile):
    layout = layout_receipt(receipt.as_reprint(), native_profile)
    first = layout.items[0]
    assert isinstance(first, TextLine) and "重印" in first.text and first.scale == 2 and first.bold
