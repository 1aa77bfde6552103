"""The printer's state as a small typed model, read from the DLE EOT 1-4 real-time status replies.

No reply at all is UNKNOWN, never "out of paper"; texts for people come from the catalogues (printer.*)."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.i18n import DEFAULT_LOCALE, tr

DLE_EOT = b"\x10\x04"
STATUS_QUERIES = (1, 2, 3, 4)   # printer, offline cause, error cause, roll paper sensor


class PrinterState(enum.Enum):
    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"
    UNKNOWN = "unknown"


class ErrorKind(enum.StrEnum):
    """Why a printer in ERROR cannot print; NONE for every other state."""
    NONE = ""
    CUTTER = "cutter"
    UNRECOVERABLE = "unrecoverable"
    RECOVERABLE = "recoverable"
    MECHANICAL = "mechanical"
    CONNECTION = "connection"   # the link broke while talking to the printer: a job may be half printed

    @classmethod
    def parse(cls, text: object) -> "ErrorKind":
        """The kind a status file or reply names; an unknown word is UNRECOVERABLE (staff must look)."""
        try:
            return cls(str(text))
        except ValueError:
            return cls.UNRECOVERABLE


@dataclass(frozen=True)
class PrinterStatus:
    """One reading of the printer: its state, the error kind when it is ERROR, and a technical detail."""
    state: PrinterState
    error_kind: ErrorKind = ErrorKind.NONE
    detail: str = ""
    paper_width_mm: float = 0.0

    @property
    def ready(self) -> bool:
        """True when a slip can be printed now (paper low still prints)."""
        return self.state in (PrinterState.READY, PrinterState.PAPER_LOW)

    def describe(self, locale: str = DEFAULT_LOCALE) -> str:
        if self.state is PrinterState.ERROR and self.error_kind is not ErrorKind.NONE:
            return tr(f"printer.error.{self.error_kind.value}", locale)
        return tr(f"printer.state.{self.state.value}", locale)

    def advice(self, locale: str = DEFAULT_LOCALE) -> str:
        if self.state is PrinterState.ERROR:
            kind = self.error_kind if self.error_kind is not ErrorKind.NONE else ErrorKind.UNRECOVERABLE
            return tr(f"printer.advice.error.{kind.value}", locale)
        if self.paper_width_mm and self.state in (PrinterState.PAPER_LOW, PrinterState.PAPER_OUT):
            return tr(f"printer.advice.{self.state.value}.width", locale, width=self.paper_width_mm)
        return tr(f"printer.advice.{self.state.value}", locale)

    def to_json(self) -> dict:
        return {"state": self.state.value, "error_kind": self.error_kind.value, "detail": self.detail}

    @classmethod
    def from_json(cls, data: dict) -> "PrinterStatus":
        try:
            state = PrinterState(data.get("state", "unknown"))
        except ValueError:
            state = PrinterState.UNKNOWN
        kind = ErrorKind.parse(data.get("error_kind", "")) if state is PrinterState.ERROR else ErrorKind.NONE
        return cls(state, kind, str(data.get("detail", "")))


UNKNOWN = PrinterStatus(PrinterState.UNKNOWN, detail="no reply")


def _valid(byte: int) -> bool:
    """DLE EOT replies have bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0."""
    return byte & 0x93 == 0x12


def parse_status(replies: dict[int, bytes | None]) -> PrinterStatus:
    """The state from DLE EOT replies keyed by n (1-4); a missing or malformed reply to n=1 is UNKNOWN."""
    raw = {}
    for n, reply in replies.items():
        if reply:
            raw[n] = reply[-1]   # the newest byte answers the newest query
    first = raw.get(1)
    if first is None:
        return PrinterStatus(PrinterState.UNKNOWN, detail="no reply to DLE EOT 1")
    bad = [f"n={n}: 0x{b:02x}" for n, b in raw.items() if not _valid(b)]
    if bad:
        return PrinterStatus(PrinterState.UNKNOWN, detail="malformed status reply " + ", ".join(bad))
    detail = " ".join(f"{n}:0x{raw[n]:02x}" for n in sorted(raw))
    offline = bool(first & 0x08)
    cause = raw.get(2, 0x12)
    error = raw.get(3, 0x12)
    paper = raw.get(4, 0x12)
    if cause & 0x04:
        return PrinterStatus(PrinterState.COVER_OPEN, detail=detail)
    if paper & 0x60 or cause & 0x20:
        return PrinterStatus(PrinterState.PAPER_OUT, detail=detail)
    if error & 0x08:
        return PrinterStatus(PrinterState.ERROR, ErrorKind.CUTTER, detail)
    if error & 0x20:
        return PrinterStatus(PrinterState.ERROR, ErrorKind.UNRECOVERABLE, detail)
    if error & 0x40:
        return PrinterStatus(PrinterState.ERROR, ErrorKind.RECOVERABLE, detail)
    if error & 0x04:
        return PrinterStatus(PrinterState.ERROR, ErrorKind.MECHANICAL, detail)
    if cause & 0x40:
        return PrinterStatus(PrinterState.ERROR, ErrorKind.UNRECOVERABLE if not raw.get(3) else ErrorKind.RECOVERABLE, detail)
    if offline:
        return PrinterStatus(PrinterState.OFFLINE, detail=detail)
    if paper & 0x0C:
        return PrinterStatus(PrinterState.PAPER_LOW, detail=detail)
    return PrinterStatus(PrinterState.READY, detail=detail)


def status_replies_for(state: PrinterState, error_kind: ErrorKind = ErrorKind.NONE) -> dict[int, bytes]:
    """The DLE EOT 1-4 bytes a printer in `state` sends (what the virtual printer answers)."""
    n1, n2, n3, n4 = 0x16, 0x12, 0x12, 0x12
    if state is PrinterState.PAPER_LOW:
        n4 |= 0x0C
    elif state is PrinterState.PAPER_OUT:
        n1 |= 0x08
        n2 |= 0x20
        n4 |= 0x6C
    elif state is PrinterState.COVER_OPEN:
        n1 |= 0x08
        n2 |= 0x04
    elif state is PrinterState.OFFLINE:
        n1 |= 0x08
    elif state is PrinterState.ERROR:
        n1 |= 0x08
        n2 |= 0x40
        n3 |= {ErrorKind.CUTTER: 0x08, ErrorKind.RECOVERABLE: 0x40,
               ErrorKind.MECHANICAL: 0x04}.get(error_kind, 0x20)
    return {1: bytes([n1]), 2: bytes([n2]), 3: bytes([n3]), 4: bytes([n4])}
