"""The printer's state as a small typed model, read from the DLE EOT 1-4 real-time status replies.

No reply at all is UNKNOWN, never "out of paper"; texts for people come in zh_CN and en."""
from __future__ import annotations

import enum
from dataclasses import dataclass

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


ERROR_KINDS = ("cutter", "unrecoverable", "recoverable", "mechanical", "connection")

_DESCRIBE = {
    "zh_CN": {
        PrinterState.READY: "打印机就绪",
        PrinterState.PAPER_LOW: "打印纸即将用完",
        PrinterState.PAPER_OUT: "缺纸",
        PrinterState.COVER_OPEN: "打印机上盖未关好",
        PrinterState.OFFLINE: "打印机脱机",
        PrinterState.ERROR: "打印机故障",
        PrinterState.UNKNOWN: "无法读取打印机状态",
    },
    "en": {
        PrinterState.READY: "Printer ready",
        PrinterState.PAPER_LOW: "Paper roll nearly used up",
        PrinterState.PAPER_OUT: "Out of paper",
        PrinterState.COVER_OPEN: "Printer cover open",
        PrinterState.OFFLINE: "Printer offline",
        PrinterState.ERROR: "Printer error",
        PrinterState.UNKNOWN: "Printer status unknown",
    },
}
_ERROR_DESCRIBE = {
    "zh_CN": {"cutter": "切刀故障", "unrecoverable": "打印机硬件故障，无法自行恢复",
              "recoverable": "打印机暂时故障（如打印头过热）", "mechanical": "打印机机械故障",
              "connection": "打印机连接中断"},
    "en": {"cutter": "Cutter error", "unrecoverable": "Unrecoverable printer error",
           "recoverable": "Temporary printer error (e.g. print head too hot)", "mechanical": "Printer mechanism error",
           "connection": "Printer connection lost"},
}
_ADVICE = {
    "zh_CN": {
        PrinterState.READY: "无需处理。",
        PrinterState.PAPER_LOW: "请尽快更换{paper}热敏纸卷。",
        PrinterState.PAPER_OUT: "请打开上盖，装入{paper}热敏纸（光面朝向打印头），合上上盖。",
        PrinterState.COVER_OPEN: "请将打印机上盖按下合紧，直到听到“咔嗒”声。",
        PrinterState.OFFLINE: "请检查打印机电源和指示灯；如指示灯闪烁，按一下 FEED 键或关机后重新开机。",
        PrinterState.UNKNOWN: "请检查打印机是否开机，以及数据线（USB、串口或网线）是否插好。",
    },
    "en": {
        PrinterState.READY: "Nothing to do.",
        PrinterState.PAPER_LOW: "Replace the {paper}thermal paper roll soon.",
        PrinterState.PAPER_OUT: "Open the cover, load {paper}thermal paper (shiny side to the print head), close the cover.",
        PrinterState.COVER_OPEN: "Press the printer cover down until it clicks shut.",
        PrinterState.OFFLINE: "Check the printer's power and lights; if a light blinks, press FEED once or switch "
                              "the printer off and on.",
        PrinterState.UNKNOWN: "Check that the printer is switched on and its cable (USB, serial or network) is "
                              "plugged in.",
    },
}
_ERROR_ADVICE = {
    "zh_CN": {"cutter": "请关闭打印机电源，打开上盖清除切刀处卡纸，合上后重新开机。",
              "unrecoverable": "请关闭打印机电源并联系技术人员维修。",
              "recoverable": "请稍候，打印机冷却后会自动恢复。",
              "mechanical": "请打开上盖检查是否卡纸，合上后重新开机。",
              "connection": "请检查数据线或网线，然后重试。"},
    "en": {"cutter": "Switch the printer off, open the cover, clear the paper jammed at the cutter, close it and "
                     "switch on again.",
           "unrecoverable": "Switch the printer off and call a technician.",
           "recoverable": "Wait a moment: the printer recovers by itself once it has cooled down.",
           "mechanical": "Open the cover, clear any jammed paper, close it and switch on again.",
           "connection": "Check the data or network cable, then try again."},
}


def _locale(locale: str) -> str:
    return "en" if locale.lower().startswith("en") else "zh_CN"


@dataclass(frozen=True)
class PrinterStatus:
    """One reading of the printer: its state, the error kind when it is ERROR, and a technical detail."""
    state: PrinterState
    error_kind: str = ""
    detail: str = ""
    paper_width_mm: float = 0.0

    @property
    def ready(self) -> bool:
        """True when a slip can be printed now (paper low still prints)."""
        return self.state in (PrinterState.READY, PrinterState.PAPER_LOW)

    def describe(self, locale: str = "zh_CN") -> str:
        loc = _locale(locale)
        if self.state is PrinterState.ERROR and self.error_kind in _ERROR_DESCRIBE[loc]:
            return _ERROR_DESCRIBE[loc][self.error_kind]
        return _DESCRIBE[loc][self.state]

    def advice(self, locale: str = "zh_CN") -> str:
        loc = _locale(locale)
        if self.state is PrinterState.ERROR:
            return _ERROR_ADVICE[loc].get(self.error_kind, _ERROR_ADVICE[loc]["unrecoverable"])
        paper = ""
        if self.paper_width_mm:
            paper = f" {self.paper_width_mm:g} mm " if loc == "zh_CN" else f"{self.paper_width_mm:g} mm "
        return _ADVICE[loc][self.state].format(paper=paper)

    def to_json(self) -> dict:
        return {"state": self.state.value, "error_kind": self.error_kind, "detail": self.detail}

    @classmethod
    def from_json(cls, data: dict) -> "PrinterStatus":
        try:
            state = PrinterState(data.get("state", "unknown"))
        except ValueError:
            state = PrinterState.UNKNOWN
        return cls(state, str(data.get("error_kind", "")), str(data.get("detail", "")))


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
        return PrinterStatus(PrinterState.ERROR, "cutter", detail)
    if error & 0x20:
        return PrinterStatus(PrinterState.ERROR, "unrecoverable", detail)
    if error & 0x40:
        return PrinterStatus(PrinterState.ERROR, "recoverable", detail)
    if error & 0x04:
        return PrinterStatus(PrinterState.ERROR, "mechanical", detail)
    if cause & 0x40:
        return PrinterStatus(PrinterState.ERROR, "unrecoverable" if not raw.get(3) else "recoverable", detail)
    if offline:
        return PrinterStatus(PrinterState.OFFLINE, detail=detail)
    if paper & 0x0C:
        return PrinterStatus(PrinterState.PAPER_LOW, detail=detail)
    return PrinterStatus(PrinterState.READY, detail=detail)


def status_replies_for(state: PrinterState, error_kind: str = "") -> dict[int, bytes]:
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
        n3 |= {"cutter": 0x08, "unrecoverable": 0x20, "recoverable": 0x40, "mechanical": 0x04}.get(error_kind, 0x20)
    return {1: bytes([n1]), 2: bytes([n2]), 3: bytes([n3]), 4: bytes([n4])}
