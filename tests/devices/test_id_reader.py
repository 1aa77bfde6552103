"""The resident ID card reader's SAM protocol, against the documented frames and a virtual reader on TCP that
the kiosk reaches through pyserial as it would a serial port: a card, no card, a damaged or expired card,
garbage, a wrong check byte, a cable pulled mid-answer, a silent reader. The ID number never shows in full."""
from __future__ import annotations

import datetime as dt
import logging
import time

import pytest

from kiosk.devices.id_card import CardExpired
from kiosk.devices.reader import CardUnreadable, NoCard, ReaderUnavailable, SamReader, open_port
from kiosk.devices.sam_frames import Command, FrameError, Status, command_frame, parse_answer
from kiosk_devtools.virtual_id_reader import SAMPLE_CARD, VirtualIdReader

TODAY = dt.date(2026, 12, 3)


def test_frames_match_the_documented_bytes():
    assert command_frame(Command.FIND_CARD) == bytes.fromhex("AAAAAA9669 0003 2001 22")
    assert command_frame(Command.SELECT_CARD) == bytes.fromhex("AAAAAA9669 0003 2002 21")
    assert command_frame(Command.READ_BASE) == bytes.fromhex("AAAAAA9669 0003 3001 32")
    found = parse_answer(bytes.fromhex("AAAAAA9669 0008 00009F 00000000 97"))
    assert found.status == Status.CARD_FOUND
    assert parse_answer(bytes.fromhex("AAAAAA9669 0004 000080 84")).status == Status.NO_CARD


@pytest.mark.parametrize("frame, words", [
    ("AAAAAA9669 0008 00009F 00000000 98", "check byte"),
    ("AAAAAA9600 0004 000080 84", "does not start"),
    ("AAAAAA9669 0009 00009F 00000000 97", "bytes after its length"),
    ("AAAAAA9669 ffff 00", "impossible length"),
])
def test_a_broken_answer_says_what_is_wrong(frame, words):
    with pytest.raises(FrameError, match=words):
        parse_answer(bytes.fromhex(frame))


@pytest.fixture
def virtual():
    reader = VirtualIdReader().start()
    yield reader
    reader.stop()


def reader_for(virtual, timeout: float = 1.0) -> SamReader:
    return SamReader(open_port(virtual.url, timeout=timeout), virtual.url)


def test_a_card_is_read_with_its_fields_and_photo_and_shown_masked(virtual, caplog):
    card = reader_for(virtual).read_card(TODAY)
    assert (card.name, card.id_number, card.sex) == ("李秀英", SAMPLE_CARD["id_number"], "女")
    assert card.birth == dt.date(1948, 8, 17) and card.valid_to is None and len(card.photo) == 1024
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("card read: %s", card)
    assert SAMPLE_CARD["id_number"] not in repr(card) + str(card) + caplog.text
    assert "340104********2022" in repr(card) and "李秀英" not in repr(card)


@pytest.mark.parametrize("state, error", [("absent", NoCard), ("damaged", CardUnreadable), ("expired", CardExpired)])
def test_each_kind_of_card_trouble_is_its_own_clear_error(virtual, state, error):
    virtual.set_card(state)
    with pytest.raises(error):
        reader_for(virtual).read_card(TODAY)


@pytest.mark.parametrize("fault, error, words", [
    ("garbage", FrameError, "not"),
    ("checksum", FrameError, "check byte"),
    ("unplug", ReaderUnavailable, "middle of an answer|is gone"),
    ("silent", ReaderUnavailable, "does not answer"),
])
def test_a_misbehaving_reader_is_a_clear_error_in_time(virtual, fault, error, words):
    virtual.fault = fault
    started = time.monotonic()
    with pytest.raises(error, match=words):
        reader_for(virtual, timeout=0.5).read_card(TODAY)
    assert time.monotonic() - started < 5


def test_a_missing_reader_names_its_device():
    with pytest.raises(ReaderUnavailable, match="/dev/no-such-reader"):
        open_port("/dev/no-such-reader")


def test_the_reader_reports_its_security_module_ready(virtual):
    assert reader_for(virtual).status() is True


def test_reader_commands_for_technicians(virtual, capsys):
    from kiosk import cli

    assert cli.main(["reader", "status", "--device", virtual.url]) == 0
    assert "ready" in capsys.readouterr().out
    assert cli.main(["reader", "test", "--device", virtual.url]) == 0
    out = capsys.readouterr().out
    assert "340104********2022" in out and SAMPLE_CARD["id_number"] not in out and "长期" in out
    virtual.set_card("absent")
    assert cli.main(["reader", "test", "--device", virtual.url]) == 1
    assert "no card" in capsys.readouterr().err
    assert cli.main(["reader", "status", "--device", "/dev/no-such-reader", "--timeout", "0.2"]) == 1
    err = capsys.readouterr().err
    assert "NOT USABLE" in err and "/dev/no-such-reader" in err
