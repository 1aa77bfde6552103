"""The seal kept in the printer's NV memory: which seal is stored under which key, and the guarded write.

NV memory wears (printer makers advise fewer than ten writes a day), so a write is refused when the same seal is
already stored, when the printer lacks room, and past the daily budget; every write is counted in SQLite."""
from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.receipt.nv_graphics import NvError, NvGraphic, check_key, define_nv_bit_image, define_nv_graphic
from kiosk.receipt.profiles import PrinterProfile
from kiosk.receipt.seal import seal_graphic
from kiosk.shared.store import Transaction

if TYPE_CHECKING:
    from kiosk.printing.service import PrinterService

log = logging.getLogger(__name__)

WRITES_PER_DAY = 10          # NV memory writes allowed in any 24 hours, per printer
WRITE_WAIT_SECONDS = 60.0    # a printer stays busy (silent) while it writes NV memory: up to a minute (Epson)
DAY_SECONDS = 24 * 3600
FS_Q_KEY = "#1"              # FS q has no keys: the seal is NV bit image 1
KEY_CANDIDATES = [f"S{c}" for c in "123456789ABCDEFGHJKLMNPQRSTUVWXYZ"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS nv_seals (
    printer TEXT NOT NULL,
    key TEXT NOT NULL,
    digest TEXT NOT NULL,
    seal_text TEXT NOT NULL,
    seal_label TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    stored_at REAL NOT NULL,
    PRIMARY KEY (printer, key)
);
CREATE TABLE IF NOT EXISTS nv_writes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    printer TEXT NOT NULL,
    key TEXT NOT NULL,
    digest TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS nv_writes_printer ON nv_writes(printer, at);
"""


class SealStoreError(Exception):
    """The seal was not written; the message says why and what to do."""


class SealUnchanged(SealStoreError):
    """This very seal is already stored under the key: nothing was written, no wear."""


@dataclass(frozen=True)
class StoredSealRecord:
    """One seal this terminal wrote into a printer's NV memory."""
    printer: str
    key: str
    digest: str
    seal_text: str
    seal_label: str
    bytes: int
    stored_at: float


@dataclass(frozen=True)
class StoreOutcome:
    """A seal written: its key, the NV bytes it takes, and the writes counted in the last 24 hours."""
    key: str
    bytes: int
    writes_today: int
    free_before: int


class SealRegistry:
    """The seals stored per printer and every NV write, in the print spool's SQLite file."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        conn.executescript(SCHEMA)

    def records(self, printer: str) -> list[StoredSealRecord]:
        rows = self.conn.execute("SELECT * FROM nv_seals WHERE printer = ? ORDER BY key", (printer,)).fetchall()
        return [StoredSealRecord(**dict(row)) for row in rows]

    def get(self, printer: str, key: str) -> StoredSealRecord | None:
        return next((r for r in self.records(printer) if r.key == key), None)

    def digests(self, printer: str) -> dict[str, str]:
        """digest → key for every seal stored on this printer."""
        return {r.digest: r.key for r in self.records(printer)}

    def writes_since(self, printer: str, since: float) -> int:
        row = self.conn.execute("SELECT COUNT(*) FROM nv_writes WHERE printer = ? AND at >= ?",
                                (printer, since)).fetchone()
        return int(row[0])

    def record_write(self, printer: str, key: str, digest: str, at: float) -> None:
        with Transaction(self.conn) as db:
            db.execute("INSERT INTO nv_writes (printer, key, digest, at) VALUES (?, ?, ?, ?)",
                       (printer, key, digest, at))

    def record_seal(self, record: StoredSealRecord, replaces_all: bool = False) -> None:
        with Transaction(self.conn) as db:
            if replaces_all:
                db.execute("DELETE FROM nv_seals WHERE printer = ?", (record.printer,))
            db.execute("INSERT OR REPLACE INTO nv_seals (printer, key, digest, seal_text, seal_label, bytes, "
                       "stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (record.printer, record.key, record.digest, record.seal_text, record.seal_label,
                        record.bytes, record.stored_at))

    def free_key(self, printer: str, taken: list[str]) -> str:
        """The first S1, S2 … not used by this terminal nor present on the printer."""
        used = {r.key for r in self.records(printer)} | set(taken)
        for key in KEY_CANDIDATES:
            if key not in used:
                return key
        raise SealStoreError("every seal key S1-SZ is taken on this printer; delete an old seal first")


def seal_for_profile(seal_text: str, seal_label: str, profile: PrinterProfile) -> NvGraphic:
    """The seal's picture as this printer stores it (its diameter, red on two-colour paper)."""
    if not seal_text.strip():
        raise SealStoreError("the seal text (the issuing department's name) is empty")
    return seal_graphic(seal_text.strip(), seal_label.strip(), profile.mm_to_dots(profile.seal_diameter_mm),
                        profile.two_colour_paper)


def _keys_once_written(service: "PrinterService", wait: float = WRITE_WAIT_SECONDS) -> list[str] | None:
    """The printer's key list once it answers again after an NV write; None if it stays silent."""
    deadline = time.monotonic() + wait
    while True:
        keys = service.nv_keys()
        if keys is not None or time.monotonic() >= deadline:
            return keys
        time.sleep(0.5)


def store_seal(service: "PrinterService", seal_text: str, seal_label: str = "业务专用章", key: str | None = None,
               now: float | None = None) -> StoreOutcome:
    """Write the seal into the printer's NV memory once, after checking key, room and the daily budget.

    `service` is the `PrinterService` of the configured printer. Raises SealUnchanged when this seal is already
    stored under the key, SealStoreError for every other refusal; nothing is written then."""
    profile = service.profile
    if profile.nv_graphics == "none":
        raise SealStoreError(f"printer profile {profile.name} has no NV graphics (nv_graphics = \"none\"): "
                             f"its slips send the seal as a raster, nothing to store")
    now = time.time() if now is None else now
    graphic = seal_for_profile(seal_text, seal_label, profile)
    if graphic.width > profile.width_dots:
        raise SealStoreError(f"the seal is {graphic.width} dots wide; the paper takes {profile.width_dots}")
    registry = service.seals
    if registry is None:
        raise SealStoreError("the printer service has no spool database to count NV writes in")
    printer = service.printer_id
    on_printer: list[str] | None = None
    if profile.nv_graphics == "gs_l":
        on_printer = service.nv_keys()
        free = service.nv_free()
        if on_printer is None or free is None:
            raise SealStoreError(f"the {service.link.describe()} did not answer the NV graphics requests (GS ( L "
                                 f"functions 51 and 64); check the printer, or its profile's nv_graphics")
        mine = next((r.key for r in registry.records(printer) if r.digest == graphic.digest), None)
        key = key or mine or registry.free_key(printer, on_printer)
        try:
            check_key(key)
        except NvError as exc:
            raise SealStoreError(str(exc)) from None
        need = graphic.record_bytes
    else:
        if key not in (None, FS_Q_KEY):
            raise SealStoreError(f"printer profile {profile.name} stores the seal with FS q, which has no keys "
                                 f"(the seal is NV bit image 1): leave out --key")
        key = FS_Q_KEY
        free = profile.nv_capacity_bytes
        need = graphic.data_bytes
    recorded = registry.get(printer, key)
    present = on_printer is None or key in on_printer
    if recorded is not None and recorded.digest == graphic.digest and present:
        raise SealUnchanged(f"this seal is already stored under key {key!r} on the {service.link.describe()}: "
                            f"nothing written (NV memory wears with every write)")
    if on_printer is not None and key in on_printer and recorded is None:
        raise SealStoreError(f"key {key!r} already holds a graphic on the printer that this terminal did not "
                             f"write (a logo?); choose another --key")
    if recorded is not None and present and on_printer is not None:
        free += recorded.bytes                    # rewriting our own key frees its old record first
    if need > free:
        raise SealStoreError(f"the seal needs {need} bytes of NV memory; the printer has {free} bytes free")
    writes = registry.writes_since(printer, now - DAY_SECONDS)
    if writes >= WRITES_PER_DAY:
        raise SealStoreError(f"{writes} NV memory writes on this printer in the last 24 hours: the daily budget of "
                             f"{WRITES_PER_DAY} is spent (NV memory wears); try again tomorrow")
    data = define_nv_graphic(key, graphic) if profile.nv_graphics == "gs_l" else define_nv_bit_image(graphic)
    service.send_raw(data)
    registry.record_write(printer, key, graphic.digest, now)
    if on_printer is not None:
        after = _keys_once_written(service)
        if after is None or key not in after:
            raise SealStoreError(f"the printer did not list key {key!r} after the write: the seal is not stored "
                                 f"(the write was counted)")
    registry.record_seal(StoredSealRecord(printer, key, graphic.digest, seal_text.strip(), seal_label.strip(),
                                          need, now), replaces_all=profile.nv_graphics == "fs_q")
    log.info("seal stored in NV memory under key %s (%d bytes, write %d in 24 h)", key, need, writes + 1)
    return StoreOutcome(key, need, writes + 1, free)
