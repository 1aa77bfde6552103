"""Reading a resident ID card: find, select, read over the reader's serial port (pyserial), every failure a
clear error. The port may be a real device (/dev/ttyUSB0) or any pyserial URL (socket:// for the virtual one)."""
from __future__ import annotations

import datetime as dt
from typing import Protocol

from kiosk.devices.id_card import CardExpired, IdCard, parse_card
from kiosk.devices.sam_frames import PREAMBLE, Answer, Command, FrameError, Status, command_frame, parse_answer
from kiosk.errors import KioskError

GARBAGE_LIMIT = 64     # bytes skipped looking for an answer's preamble before the answer counts as garbage


class ReaderUnavailable(KioskError):
    """The reader cannot be used: missing, unplugged, or silent."""


class NoCard(KioskError):
    """No card on the reader (or it was taken away before it could be selected)."""


class CardUnreadable(KioskError):
    """A card is there but cannot be read: damaged, moved during the read, or not a resident ID card."""


class Port(Protocol):
    def write(self, data: bytes) -> int | None: ...
    def read(self, size: int = 1) -> bytes: ...
    def reset_input_buffer(self) -> None: ...


def open_port(device: str, baudrate: int = 115200, timeout: float = 2.0) -> Port:
    """The reader's port; ReaderUnavailable (naming the device) when it cannot be opened."""
    try:
        import serial
    except ImportError:
        raise ReaderUnavailable("pyserial is not installed (pip install \".[serial]\")") from None
    try:
        return serial.serial_for_url(device, baudrate=baudrate, timeout=timeout)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise ReaderUnavailable(f"the ID card reader at {device} cannot be opened: {exc}") from None


class SamReader:
    """One reader on one port."""

    def __init__(self, port: Port, device: str = "the reader"):
        self.port = port
        self.device = device

    def _exact(self, size: int) -> bytes:
        data = self.port.read(size)
        if len(data) != size:
            raise ReaderUnavailable(f"{self.device} stopped answering in the middle of an answer "
                                    "(unplugged, or switched off)")
        return data

    def _answer(self) -> Answer:
        seen = b""
        while not seen.endswith(PREAMBLE):
            byte = self.port.read(1)
            if not byte:
                raise ReaderUnavailable(f"{self.device} does not answer (is it plugged in and switched on?)")
            seen += byte
            if len(seen) > GARBAGE_LIMIT + len(PREAMBLE):
                raise FrameError(f"{self.device} sent {len(seen)} bytes that are not an answer")
        length = self._exact(2)
        return parse_answer(PREAMBLE + length + self._exact(int.from_bytes(length, "big")))

    def ask(self, command: Command) -> Answer:
        """Send `command` and read its answer; a garbled answer is asked for once more."""
        for attempt in (1, 2):
            try:
                self.port.reset_input_buffer()
                self.port.write(command_frame(command))
                return self._answer()
            except FrameError:
                if attempt == 2:
                    raise
            except OSError as exc:     # pyserial's SerialException is an OSError: the cable was pulled
                raise ReaderUnavailable(f"{self.device} is gone: {exc}") from None
        raise AssertionError("unreachable")

    def status(self) -> bool:
        """Whether the reader's security module reports itself ready (0x90)."""
        return self.ask(Command.SAM_STATUS).status == Status.OK

    def read_card(self, today: dt.date) -> IdCard:
        """The card on the reader, or NoCard / CardUnreadable / CardExpired / ReaderUnavailable."""
        found = self.ask(Command.FIND_CARD)
        if found.status == Status.NO_CARD:
            raise NoCard("no card on the reader")
        if found.status != Status.CARD_FOUND:
            raise CardUnreadable(f"the reader could not look for a card (status {found.status:#04x})")
        selected = self.ask(Command.SELECT_CARD)
        if selected.status != Status.OK:
            raise NoCard("the card was taken away before it could be read")
        read = self.ask(Command.READ_BASE)
        if read.status != Status.OK:
            raise CardUnreadable(f"the card could not be read (status {read.status:#04x}): place it flat "
                                 "and still, or ask staff")
        try:
            card = parse_card(read.data)
        except FrameError as exc:
            raise CardUnreadable(str(exc)) from None
        if card.expired(today):
            raise CardExpired(f"the card expired on {card.valid_to:%Y-%m-%d}")
        return card


class ReaderConnection:
    """The terminal's reader, opened on first use and kept open; a reader that failed is reopened next time."""

    def __init__(self, device: str, baudrate: int = 115200, timeout: float = 2.0):
        self.device = device
        self.baudrate = baudrate
        self.timeout = timeout
        self._reader: SamReader | None = None

    def read_card(self, today: dt.date) -> IdCard:
        if self._reader is None:
            self._reader = SamReader(open_port(self.device, self.baudrate, self.timeout), self.device)
        try:
            return self._reader.read_card(today)
        except ReaderUnavailable:
            self.close()
            raise

    def close(self) -> None:
        reader, self._reader = self._reader, None
        close = getattr(reader.port, "close", None) if reader is not None else None
        if close is not None:
            try:
                close()
            except OSError:
                pass
