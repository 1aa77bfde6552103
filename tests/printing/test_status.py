"""DLE EOT 1-4 replies become a typed status; no reply is UNKNOWN, never out of paper."""
from __future__ import annotations

import pytest

from kiosk.printing.status import ErrorKind, PrinterState, PrinterStatus, parse_status, status_replies_for

CASES = [
    (PrinterState.READY, ErrorKind.NONE), (PrinterState.PAPER_LOW, ErrorKind.NONE), (PrinterState.PAPER_OUT, ErrorKind.NONE),
    (PrinterState.COVER_OPEN, ErrorKind.NONE), (PrinterState.OFFLINE, ErrorKind.NONE), (PrinterState.ERROR, ErrorKind.CUTTER),
    (PrinterState.ERROR, ErrorKind.UNRECOVERABLE), (PrinterState.ERROR, ErrorKind.RECOVERABLE), (PrinterState.ERROR, ErrorKind.MECHANICAL),
]


@pytest.mark.parametrize("state,kind", CASES)
def test_each_printer_state_reads_back_from_its_replies(state, kind):
    status = parse_status(status_replies_for(state, kind))
    assert (status.state, status.error_kind) == (state, kind)
    assert status.ready == (state in (PrinterState.READY, PrinterState.PAPER_LOW))


def test_no_reply_is_unknown_not_paper_out():
    for replies in ({}, {1: None, 2: None, 3: None, 4: None}, {1: b""}, {2: b"\x12", 4: b"\x72"}):
        status = parse_status(replies)
        assert status.state is PrinterState.UNKNOWN and not status.ready


def test_a_malformed_reply_is_unknown():
    assert parse_status({1: b"\xff"}).state is PrinterState.UNKNOWN
    assert "malformed" in parse_status({1: b"\x16", 4: b"\x00"}).detail


def test_python_escpos_paper_bits_agree_with_ours():
    from escpos.constants import RT_MASK_LOWPAPER, RT_MASK_NOPAPER

    assert parse_status({1: b"\x16", 4: bytes([RT_MASK_NOPAPER])}).state is PrinterState.PAPER_OUT
    assert parse_status({1: b"\x16", 4: bytes([RT_MASK_LOWPAPER])}).state is PrinterState.PAPER_LOW


@pytest.mark.parametrize("state,kind", CASES + [(PrinterState.UNKNOWN, ErrorKind.NONE)])
def test_every_state_is_described_with_advice_in_both_languages(state, kind):
    status = PrinterStatus(state, kind, paper_width_mm=80)
    texts = [status.describe("zh_CN"), status.advice("zh_CN"), status.describe("en"), status.advice("en")]
    assert all(texts) and texts[0] != texts[2]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in texts[0] + texts[1])
    assert texts[2].isascii() and texts[3].isascii()


def test_paper_out_advice_names_the_paper_width():
    status = PrinterStatus(PrinterState.PAPER_OUT, paper_width_mm=80)
    assert "80 mm" in status.advice("zh_CN") and "上盖" in status.advice("zh_CN")
    assert "58 mm" in PrinterStatus(PrinterState.PAPER_OUT, paper_width_mm=58).advice("en")
