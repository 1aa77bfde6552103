"""`PrinterService`: the one object the UI calls to print a slip, read the printer and resume the spool.

Every call blocks (the UI runs it on a worker thread); a job is in the spool before a byte is sent."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from kiosk.config import Config
from kiosk.shared.store import StoreError
from kiosk.printing.connections import LinkError, PrinterLink, open_link
from kiosk.printing.nv_seal import SealRegistry
from kiosk.receipt.nv_graphics import (ACK, KEY_LIST_REQUEST, REMAINING_REQUEST, NvError, parse_capacity,
                                       parse_key_list)
from kiosk.receipt.profiles import PrinterProfile, load_profile
from kiosk.printing.spool import PrintSpool, SpoolJob
from kiosk.printing.status import STATUS_QUERIES, ErrorKind, PrinterState, PrinterStatus, parse_status
from kiosk.receipt.escpos_render import render_escpos
from kiosk.receipt.model import Receipt

log = logging.getLogger(__name__)
KEEP_DONE_SECONDS = 24 * 3600
PURGE_EVERY_SECONDS = 3600
NV_KEYS_RETRY_SECONDS = 300  # a printer that did not list its NV keys is asked again after this   # a terminal runs for months: confirmed slips are forgotten while it runs, too


@dataclass(frozen=True)
class PrintOutcome:
    """How one print went: ok when the printer took the slip and reported ready afterwards."""
    ok: bool
    job_id: int
    status: PrinterStatus
    preview_path: Path | None = None
    reprint: bool = False


class PrinterService:
    """Prints receipts through the spool on the configured printer; one job at a time."""

    def __init__(self, profile: PrinterProfile, link: PrinterLink, spool: PrintSpool | None, *,
                 confirm_timeout: float = 15.0, poll_interval: float = 0.25,
                 clock: Callable[[], float] = time.monotonic):
        """`clock` (monotonic seconds) times the hourly forgetting of old slips."""
        self.profile = profile
        self.link = link
        self.spool = spool
        self.confirm_timeout = confirm_timeout
        self.poll_interval = poll_interval
        self._lock = threading.RLock()
        self._last_logged: tuple | None = None
        self.clock = clock
        self._next_purge = clock() + PURGE_EVERY_SECONDS
        self.seals = SealRegistry(spool.conn) if spool is not None else None
        self._nv_keys_seen: list[str] | None = None     # keys the printer listed since it last answered
        self._nv_unanswered_at: float | None = None     # when the key list was last asked in vain

    @classmethod
    def status_reader(cls, config: Config, **kwargs) -> "PrinterService":
        """A service that only reads status (no spool is opened): for `kiosk printer status`."""
        profile = load_profile(config.printer.profile, config.profiles_dir)
        return cls(profile, open_link(config, profile.width_dots, profile.escpos_profile), None, **kwargs)

    @classmethod
    def from_config(cls, config: Config, **kwargs) -> "PrinterService":
        """The service for config.printer: profile from config.profiles_dir, spool at data_dir/spool.sqlite3."""
        profile = load_profile(config.printer.profile, config.profiles_dir)
        link = open_link(config, profile.width_dots, profile.escpos_profile)
        service = cls(profile, link, PrintSpool(config.data_dir / "spool.sqlite3"), **kwargs)
        service.purge_done()
        return service

    def _jobs(self) -> PrintSpool:
        """The spool (a status reader has none: it prints nothing)."""
        if self.spool is None:
            raise RuntimeError("this printer service only reads status: it has no spool to print from")
        return self.spool

    @property
    def reads_status(self) -> bool:
        return self.profile.status_support and self.link.can_read_status

    # --- status ----------------------------------------------------------------------------------
    def _read_status(self, lost_is_error: bool = False) -> PrinterStatus:
        """Ask DLE EOT 1-4. An unreachable printer is UNKNOWN; with `lost_is_error` (after sending a job),
        a connection the printer broke is ERROR "connection": the job may be half printed."""
        if not self.reads_status:
            return self._with_paper(PrinterStatus(PrinterState.UNKNOWN, detail="this printer does not report status"))
        replies: dict[int, bytes | None] = {}
        try:
            for n in STATUS_QUERIES:
                replies[n] = self.link.query(n)
                if n == 1 and replies[n] is None:
                    break
        except LinkError as exc:
            status = PrinterStatus(PrinterState.ERROR, ErrorKind.CONNECTION, str(exc)) if lost_is_error else \
                PrinterStatus(PrinterState.UNKNOWN, detail=str(exc))
        else:
            status = parse_status(replies)
        status = self._with_paper(status)
        key = (status.state, status.error_kind)
        if key != self._last_logged:
            log.info("printer status: %s %s", status.state.value, status.error_kind)
            self._last_logged = key
        return status

    def _with_paper(self, status: PrinterStatus) -> PrinterStatus:
        return replace(status, paper_width_mm=self.profile.paper_width_mm)

    def status(self) -> PrinterStatus:
        """The printer's state now (UNKNOWN when it does not answer)."""
        with self._lock:
            try:
                return self._read_status()
            finally:
                self._release()

    def _release(self) -> None:
        if self.link.kind == "network":   # one TCP connection per job or reading, as raw-9100 printers expect
            self.link.close()

    # --- the seal in NV memory -------------------------------------------------------------------
    @property
    def printer_id(self) -> str:
        """Names this printer in the seal registry: its profile and where it is connected."""
        return f"{self.profile.name} @ {self.link.describe()}"

    def nv_keys(self) -> list[str] | None:
        """The NV graphics keys the printer lists (GS ( L fn 64, answered block by block with ACK); None when
        it does not answer as a printer with NV graphics would."""
        with self._lock:
            try:
                keys: list[str] = []
                reply = self.link.request(KEY_LIST_REQUEST)
                while True:
                    block, more = parse_key_list(reply)
                    keys += block
                    if not more:
                        break
                    reply = self.link.request(ACK)
                self.link.write(ACK)
                self.link.end_job()
                return keys
            except (LinkError, NvError) as exc:
                log.warning("printer: NV key list not read: %s", exc)
                return None
            finally:
                self._release()

    def nv_free(self) -> int | None:
        """Free bytes of NV graphics memory (GS ( L fn 51); None when the printer does not say."""
        with self._lock:
            try:
                return parse_capacity(self.link.request(REMAINING_REQUEST), 0x31)
            except (LinkError, NvError) as exc:
                log.warning("printer: NV capacity not read: %s", exc)
                return None
            finally:
                self._release()

    def send_raw(self, data: bytes) -> None:
        """Send bytes that print nothing (an NV write) when the printer is ready; LinkError otherwise."""
        with self._lock:
            try:
                status = self._read_status()
                if self.reads_status and not status.ready:
                    raise LinkError(f"the printer is not ready: {status.describe('en')}")
                self.link.write(data)
                self.link.end_job()
                self._nv_keys_seen = None
            finally:
                self._release()

    def usable_seals(self) -> dict[str, str]:
        """digest → key of the seals this terminal stored that the printer still holds (listed since it last
        answered); empty when there are none, and then slips carry the seal as a raster."""
        if self.seals is None or self.profile.nv_graphics == "none":
            return {}
        stored = self.seals.digests(self.printer_id)
        if not stored or self.profile.nv_graphics == "fs_q":   # FS q printers cannot list what they hold
            return stored
        if self._nv_keys_seen is None or (self._nv_unanswered_at is not None and
                                          self.clock() - self._nv_unanswered_at >= NV_KEYS_RETRY_SECONDS):
            keys = self.nv_keys()
            # a printer that did not answer is asked again only after a while, not before every slip
            self._nv_unanswered_at = self.clock() if keys is None else None
            self._nv_keys_seen = keys or []
            missing = set(stored.values()) - set(self._nv_keys_seen)
            if missing:
                log.warning("printer: NV seal key(s) %s not on the printer; the seal goes as a raster",
                            ", ".join(sorted(missing)))
        return {digest: key for digest, key in stored.items() if key in self._nv_keys_seen}

    # --- printing --------------------------------------------------------------------------------
    def print_receipt(self, receipt: Receipt, *, kind: str = "slip") -> PrintOutcome:
        """Store the slip in the spool, send it, and wait for the printer to report ready again."""
        return self.print_job(self._jobs().add(receipt, kind=kind))

    def queue_slip(self, receipt: Receipt, slip_key: str, *, held: bool = False) -> int:
        """Store an application's slip (once per `slip_key`) without printing it yet; its job id.

        `held` for a slip whose citizen is gone (an answer that arrived after its visit): staff deliver it."""
        return self._jobs().add(receipt, slip_key=slip_key, held=held)

    def print_job(self, job_id: int) -> PrintOutcome:
        """Print a stored job now; one already printed is not printed again."""
        job = self._jobs().get(job_id)
        if job is None:
            raise KeyError(f"no print job {job_id} in the spool")
        if job.finished:
            return PrintOutcome(True, job.id, job.last_status, reprint=job.reprint_of is not None)
        return self._run(job)

    def reprint(self, job_id: int) -> PrintOutcome:
        """Print an earlier slip again (staff screen); the copy carries 重印 and delivers a held original."""
        original = self._jobs().get(job_id)
        if original is None:
            raise KeyError(f"no print job {job_id} in the spool")
        new_id = self._jobs().add(original.receipt.as_reprint(), reprint_of=job_id, kind=original.kind)
        outcome = self.print_job(new_id)
        if outcome.ok and not original.finished:
            self._jobs().close_held(job_id, delivered_by=new_id)
        return outcome

    def resume_after_restart(self, window_seconds: float) -> list[PrintOutcome]:
        """After a restart: print the slips of the last `window_seconds` (their citizen may still be there),
        hold older ones for staff, drop unfinished test pages. Stops at the first the printer refuses."""
        cutoff = time.time() - window_seconds
        for job in self._jobs().unfinished():
            if job.kind == "test":
                self._jobs().drop(job.id, "an unfinished test page is not printed after a restart")
            elif not job.held and job.created_at < cutoff:
                self._jobs().hold(job.id)
        return self.resume_unfinished()

    def resume_unfinished(self) -> list[PrintOutcome]:
        """Print every waiting job that is not held for staff, oldest first; stops at the first refused."""
        outcomes = []
        for job in self._jobs().unfinished():
            if job.held:
                continue
            outcome = self._run(job)
            outcomes.append(outcome)
            if not outcome.ok:
                break
        return outcomes

    def hold_undelivered(self) -> int:
        """The visit ended: every slip still waiting is held for staff; how many."""
        waiting = [job for job in self._jobs().unfinished() if job.kind == "slip" and not job.held]
        for job in waiting:
            self._jobs().hold(job.id)
        return len(waiting)

    def held_jobs(self) -> list[SpoolJob]:
        """Slips not delivered (their citizen left before they printed), for the staff screen."""
        return self._jobs().held()

    def pending_jobs(self) -> list[SpoolJob]:
        return self._jobs().unfinished()

    def recent_jobs(self, limit: int = 20) -> list[SpoolJob]:
        return self._jobs().recent(limit)

    def purge_done(self) -> int:
        """Forget confirmed slips older than KEEP_DONE_SECONDS (they hold masked personal data)."""
        self._next_purge = self.clock() + PURGE_EVERY_SECONDS
        purged = self._jobs().purge_done(KEEP_DONE_SECONDS)
        if purged:
            log.info("spool: %d confirmed slip(s) older than a day forgotten", purged)
        return purged

    def _run(self, job: SpoolJob) -> PrintOutcome:
        with self._lock:
            try:
                return self._send(job)
            finally:
                self._release()
                if self.clock() >= self._next_purge:
                    try:
                        self.purge_done()
                    except StoreError as exc:   # a full disk must not turn a printed slip into an error
                        log.warning("spool: confirmed slips could not be forgotten: %s", exc)

    def _send(self, job: SpoolJob) -> PrintOutcome:
        receipt = job.receipt_to_print
        data = render_escpos(receipt, self.profile, self.usable_seals())
        before = self._read_status()
        if self.reads_status and not before.ready:
            self._nv_keys_seen = None           # a printer that stopped may come back another (or wiped) one
            self._jobs().mark_queued(job.id, before)
            return PrintOutcome(False, job.id, before, reprint=receipt.reprint)
        self._jobs().mark_sending(job.id)
        log.info("printing job %d: %d bytes%s", job.id, len(data), " (reprint)" if receipt.reprint else "")
        try:
            self.link.write(data)
            preview = self.link.end_job()
        except LinkError as exc:
            self.link.close()
            self._nv_keys_seen = None
            after = self._read_status()
            status = after if not after.ready and after.state is not PrinterState.UNKNOWN else \
                self._with_paper(PrinterStatus(PrinterState.ERROR, ErrorKind.CONNECTION, str(exc)))
            self._jobs().mark_queued(job.id, status)
            return PrintOutcome(False, job.id, status, reprint=receipt.reprint)
        if not self.reads_status:
            self._jobs().mark_done(job.id, before)
            return PrintOutcome(True, job.id, before, preview, receipt.reprint)
        after = self._confirm()
        if after.ready:
            self._jobs().mark_done(job.id, after)
            return PrintOutcome(True, job.id, after, preview, receipt.reprint)
        self._jobs().mark_queued(job.id, after)
        return PrintOutcome(False, job.id, after, preview, receipt.reprint)

    def _confirm(self) -> PrinterStatus:
        """Poll until the printer says ready, a fault stops it, or the confirm timeout passes."""
        deadline = time.monotonic() + self.confirm_timeout
        while True:
            status = self._read_status(lost_is_error=True)
            if status.ready or status.state is not PrinterState.UNKNOWN:
                return status
            if time.monotonic() >= deadline:
                return status
            time.sleep(self.poll_interval)

    def close(self) -> None:
        with self._lock:
            self.link.close()
            if self.spool is not None:
                self.spool.close()
