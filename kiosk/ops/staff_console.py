"""What hall staff can see and do on the terminal once past the PIN, without any Qt.

Every action is written to the audit log; the staff screen calls these on worker threads."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kiosk.ops.audit import AuditLog
from kiosk.ops.heartbeat import HeartbeatState
from kiosk.ops.logs import last_lines
from kiosk.ops.service_state import ServiceSetting, ServiceState


@dataclass(frozen=True)
class CentralReport:
    """Whether central answers, and how far its clock is from ours (seconds, central minus local)."""
    reachable: bool | None
    clock_offset: float | None
    last_heartbeat: float | None


class StaffConsole:
    """The staff screen's actions over the terminal's services."""

    def __init__(self, terminal, audit: AuditLog, service: ServiceState,
                 heartbeat_state: Callable[[], HeartbeatState | None], log_path: Path):
        self.terminal = terminal
        self.audit = audit
        self.service = service
        self.heartbeat_state = heartbeat_state
        self.log_path = log_path

    def _audit(self, action: str, detail: str = "") -> None:
        self.audit.record("staff", action, detail)

    # Printer

    def printer_status(self):
        return self.terminal.printer_status()

    def test_print(self):
        from kiosk.printing.spool import JobKind
        from kiosk.receipt.sample import test_page

        config = self.terminal.config
        receipt = test_page(self.terminal.printer.profile, config.terminal.id, config.terminal.hall)
        outcome = self.terminal.printer.print_receipt(receipt, kind=JobKind.TEST)
        self._audit("staff.test_print", f"job {outcome.job_id} ok={outcome.ok}")
        return outcome

    def recent_slips(self, limit: int = 10):
        return self.terminal.printer.recent_jobs(limit)

    def reprint(self, job_id: int):
        outcome = self.terminal.printer.reprint(job_id)
        self._audit("staff.reprint", f"job {job_id} -> {outcome.job_id} ok={outcome.ok}")
        return outcome

    def pending_print_jobs(self):
        return self.terminal.printer.pending_jobs()

    def undelivered_slips(self):
        """Slips held for staff (their citizen left before they printed), oldest first; reprint delivers one."""
        return self.terminal.printer.held_jobs()

    def retry_print_jobs(self):
        outcomes = self.terminal.printer.resume_unfinished()
        self._audit("staff.retry_spool", f"{len(outcomes)} job(s), {sum(o.ok for o in outcomes)} printed")
        return outcomes

    # Outbox and central

    def pending_outbox(self):
        return self.terminal.outbox.pending()

    def retry_outbox(self) -> int:
        """Send what waits in the outbox now; returns how many entries are still waiting."""
        self.terminal.replay_outbox()
        left = self.terminal.outbox.depth()
        self._audit("staff.retry_outbox", f"{left} waiting afterwards")
        return left

    def central_report(self) -> CentralReport:
        state = self.heartbeat_state()
        if state is None:
            return CentralReport(self.terminal.central_reachable, None, None)
        return CentralReport(state.reachable, state.clock_offset, state.last_heartbeat)

    def reload_catalog(self) -> int:
        self.terminal.refresh_catalog()
        count = len(self.terminal.catalog.items()) if self.terminal.catalog else 0
        self._audit("staff.reload_catalog", f"{count} items")
        return count

    # Service mode, restart, logs

    def service_mode(self) -> ServiceSetting:
        return self.service.current()

    def set_out_of_service(self, message: str) -> ServiceSetting:
        return self.service.set_out_of_service(message, "staff")

    def set_in_service(self) -> ServiceSetting:
        return self.service.set_in_service("staff")

    def note_restart(self) -> None:
        self._audit("staff.restart", "application restart requested")

    def log_lines(self, n: int = 40) -> list[str]:
        return last_lines(self.log_path, n)

    def opened(self) -> None:
        self._audit("staff.opened", time.strftime("%Y-%m-%d %H:%M:%S"))

    def closed(self) -> None:
        self._audit("staff.closed")
