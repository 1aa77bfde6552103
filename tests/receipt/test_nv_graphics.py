"""NV graphics commands: bytes as Epson's reference lays them out, replies parsed or refused with a clear error."""
from __future__ import annotations

import pytest

from kiosk.receipt.nv_graphics import (CAPACITY_REQUEST, KEY_LIST_REQUEST, REMAINING_REQUEST, NvError, NvGraphic,
                                       check_key, define_nv_bit_image, define_nv_graphic, parse_capacity,
                                       parse_key_list, print_nv_bit_image, print_nv_graphic)
from kiosk.receipt.seal import draw_seal
from kiosk_devtools.escpos_decode import decode_escpos
from kiosk_devtools.nv_memory import NvMemory


def test_requests_and_print_by_key_are_the_documented_bytes():
    assert CAPACITY_REQUEST == bytes.fromhex("1d284c02003030")
    assert REMAINING_REQUEST == bytes.fromhex("1d284c02003033")
    assert KEY_LIST_REQUEST == bytes.fromhex("1d284c040030404b43")
    assert print_nv_graphic("S1") == bytes.fromhex("1d284c0600304553310101")
    assert print_nv_bit_image() == bytes.fromhex("1c700100")


def test_define_carries_key_size_and_colour():
    graphic = NvGraphic.from_mask(draw_seal("测试部门", "业务专用章", 100), colour=2)
    data = define_nv_graphic("S1", graphic)
    length = int.from_bytes(data[3:5], "little")
    assert data[:3] == b"\x1d(L" and length == len(data) - 5
    assert data[5:12] == b"0C0S1\x01" + graphic.width.to_bytes(2, "little")[:1]
    assert data[13:15] == (100).to_bytes(2, "little") and data[15] == 50   # height, colour 2 (red)


def test_fs_q_image_reads_back_dot_for_dot():
    mask = draw_seal("测试部门", "业务专用章", 100)
    memory = NvMemory(None)
    decode_escpos(define_nv_bit_image(NvGraphic.from_mask(mask)), 576, memory)
    stored = memory.bit_image(1).mask()
    assert stored.crop((0, 0, 100, 100)).tobytes() == mask.tobytes()
    assert stored.width % 8 == 0 and stored.height % 8 == 0


@pytest.mark.parametrize("key", ["S", "S12", "印章", "\x1fA", 12])
def test_a_key_is_two_printable_ascii_characters(key):
    with pytest.raises(NvError, match="two printable ASCII characters"):
        check_key(key)


def test_replies_are_parsed_and_malformed_ones_refused():
    assert parse_capacity(b"71262144\x00", 0x31) == 262144
    assert parse_key_list(b"7r@S1S2\x00") == (["S1", "S2"], False)
    assert parse_key_list(b"7rAS1\x00") == (["S1"], True)
    assert parse_key_list(b"7r@\x00") == ([], False)
    for bad in (None, b"", b"\x12", b"71abc\x00", b"70123\x00"):
        with pytest.raises(NvError):
            parse_capacity(bad, 0x31)
    with pytest.raises(NvError, match="malformed"):
        parse_key_list(b"7r@S\x00")
