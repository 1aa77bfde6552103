"""Frames of the resident ID card reader's SAM protocol: commands out, answers in, checked byte by byte.

A frame is the preamble AA AA AA 96 69, a two-byte big-endian length (of what follows it), the body and one
check byte, the XOR of the length and the body. Commands carry CMD PARA; answers carry SW1 SW2 SW3 and data."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.errors import KioskError

PREAMBLE = bytes.fromhex("AAAAAA9669")
MAX_LENGTH = 4096            # the largest answer (a card with fingerprints is 2,321 bytes)


class Command(enum.Enum):
    """The commands the kiosk sends (CMD, PARA)."""
    SAM_STATUS = (0x11, 0xFF)
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_BASE = (0x30, 0x01)


class Status(enum.IntEnum):
    """SW3 of an answer: what the reader says happened."""
    OK = 0x90
    CARD_FOUND = 0x9F
    NO_CARD = 0x80
    SELECT_FAILED = 0x81
    READ_FAILED = 0x41
    BAD_CHECKSUM_RECEIVED = 0x10
    LENGTH_ERROR = 0x11
    SAM_FAULT = 0x60


class FrameError(KioskError):
    """Bytes from the reader that are not a well-formed answer (garbage, a cut frame, a wrong check byte)."""


def check_byte(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def command_frame(command: Command, data: bytes = b"") -> bytes:
    cmd, para = command.value
    body = bytes([cmd, para]) + data
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([check_byte(length + body)])


def answer_frame(status: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """An answer as a reader sends it (for the virtual reader and tests)."""
    body = bytes([sw1, sw2, status]) + data
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([check_byte(length + body)])


@dataclass(frozen=True)
class Answer:
    status: int
    data: bytes


def parse_answer(frame: bytes) -> Answer:
    """The answer in `frame` (exactly one whole frame), or FrameError saying what is wrong with it."""
    if not frame.startswith(PREAMBLE):
        raise FrameError(f"the reader's answer does not start with AA AA AA 96 69 (got {frame[:5].hex(' ')})")
    if len(frame) < len(PREAMBLE) + 2:
        raise FrameError("the reader's answer was cut off before its length")
    length = int.from_bytes(frame[5:7], "big")
    if not 4 <= length <= MAX_LENGTH:
        raise FrameError(f"the reader's answer declares an impossible length {length}")
    if len(frame) != 7 + length:
        raise FrameError(f"the reader's answer has {len(frame) - 7} bytes after its length, not {length}")
    body, check = frame[7:-1], frame[-1]
    if check_byte(frame[5:7] + body) != check:
        raise FrameError("the reader's answer fails its check byte (a noisy cable, or another device)")
    return Answer(status=body[2], data=bytes(body[3:]))
