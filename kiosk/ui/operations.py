"""Keeps a running terminal observable and steerable: status file, systemd watchdog, heartbeat, remote commands.

Qt glue over kiosk.ops: timers run on the GUI thread (a hung UI stops them), commands apply only between visits."""
from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.central.models import Command
from kiosk.core.session import Event, Stage
from kiosk.errors import StoreError
from kiosk.ops import sdnotify
from kiosk.ops.audit import AuditLog
from kiosk.ops.heartbeat import HeartbeatLoop, status_for_central
from kiosk.ops.remote_commands import CommandQueue, apply_due
from kiosk.ops.service_state import ServiceState
from kiosk.ops.status_file import StatusRecorder, TerminalStatus
from kiosk.ui.workers import run_async

if TYPE_CHECKING:
    from kiosk.ui.controller import KioskController

log = logging.getLogger(__name__)

STATUS_WRITE_MS = 5_000


class Operations(QObject):
    """Status, watchdog, heartbeat and remote commands for one running kiosk."""

    commands_arrived = Signal()
    restart_requested = Signal()

    def __init__(self, controller: KioskController):
        super().__init__()
        self.controller = controller
        terminal = controller.terminal
        self.audit = AuditLog(terminal.db)
        self.queue = CommandQueue(terminal.db, audit=self.audit)
        self.service = ServiceState(terminal.db, audit=self.audit)
        self.recorder = StatusRecorder(terminal.data_dir, controller.config.terminal.id)
        self.heartbeat: HeartbeatLoop | None = None
        self.printer_state = "unknown"
        self.printer_detail = ""
        self.spool_depth = 0
        self.last_status: TerminalStatus | None = None
        self.commands_arrived.connect(self.apply_commands)
        controller.session.subscribe(self._on_stage)
        controller.ready.connect(self._services_ready)
        controller.printer_status_read.connect(self._printer_status)
        self.status_timer = QTimer(self)
        self.status_timer.timeout.connect(self.write_status)
        self.status_timer.start(STATUS_WRITE_MS)
        self.watchdog_timer = QTimer(self)
        self.watchdog_timer.timeout.connect(sdnotify.watchdog)
        period = sdnotify.keepalive_period()
        if period:
            self.watchdog_timer.start(int(period * 1000))
        self._apply_service_mode()

    # Start and stop

    def first_paint(self) -> None:
        """The home screen is on the glass: tell systemd we are ready."""
        sdnotify.ready()
        self.write_status()

    def _services_ready(self) -> None:
        terminal = self.controller.terminal
        self.heartbeat = HeartbeatLoop(terminal.client, self.queue, self.central_status,
                                       self.controller.config.central.heartbeat_interval,
                                       on_commands=lambda _commands: self.commands_arrived.emit())
        self.heartbeat.start()
        self.apply_commands()

    def stop(self) -> None:
        self.status_timer.stop()
        self.watchdog_timer.stop()
        if self.heartbeat is not None:
            self.heartbeat.stop()
        sdnotify.stopping()

    # Status

    def _printer_status(self, status) -> None:
        self.printer_state = status.state.value
        self.printer_detail = status.describe("zh_CN") if not status.ready else ""

    def central_status(self) -> dict:
        """Called on the heartbeat thread: the status last written by the GUI thread, in central's words."""
        status = self.last_status
        return status_for_central(status) if status is not None else {}

    def write_status(self) -> None:
        terminal = self.controller.terminal
        if terminal.started:
            try:
                self.spool_depth = len(terminal.printer.pending_jobs())
            except (StoreError, sqlite3.Error) as exc:  # the status file is written whatever the spool does
                log.error("spool depth unavailable: %s", exc)
        mode = self.service.current()
        heartbeat = self.heartbeat.state if self.heartbeat else None
        try:
            self.last_status = self.recorder.write(
                printer_state=self.printer_state, printer_detail=self.printer_detail, spool_depth=self.spool_depth,
                outbox_depth=terminal.outbox.depth(), **self._waiting(terminal),
                central_reachable=terminal.central_reachable if self.controller.services_up else None,
                clock_offset=heartbeat.clock_offset if heartbeat else None,
                last_heartbeat=heartbeat.last_heartbeat if heartbeat else None,
                session_active=self.controller.session.active,
                out_of_service=not self.controller.service_mode.in_service,
                out_of_service_message=mode.message or self.controller.service_mode.value)
        except OSError as exc:
            log.error("cannot write the status file: %s", exc)

    def _waiting(self, terminal) -> dict:
        """The oldest request still waiting for central and the slips held for staff, for the status file."""
        words: dict = {}
        try:
            oldest = terminal.outbox.pending()[:1]
            if oldest:
                words.update(outbox_waiting_since=oldest[0].created_at, outbox_last_error=oldest[0].last_error)
            if terminal.started:
                words["undelivered_slips"] = len(terminal.printer.held_jobs())
        except (StoreError, sqlite3.Error) as exc:   # the status file is written whatever the stores do
            log.error("outbox or held slips unavailable for the status file: %s", exc)
        return words

    # Remote commands

    def _on_stage(self, old: Stage, new: Stage, event: Event) -> None:
        if new == Stage.HOME:
            QTimer.singleShot(0, self.apply_commands)

    def apply_commands(self) -> None:
        """Apply what central asked for, unless a citizen is at the terminal (then at the visit's end)."""
        result = apply_due(self.queue, self.controller.session.active, {
            "reload_catalog": self._reload_catalog,
            "out_of_service": self._out_of_service,
            "in_service": self._in_service,
            "show_message": self._show_message,
        })
        if result.restart:
            self.restart_requested.emit()

    def _reload_catalog(self, command: Command) -> None:
        terminal = self.controller.terminal
        run_async(terminal.refresh_catalog, lambda _: self.controller.refresh_catalog_views())

    def _out_of_service(self, command: Command) -> None:
        self.service.set_out_of_service(command.message, "central")
        self._apply_service_mode()

    def _in_service(self, command: Command) -> None:
        self.service.set_in_service("central")
        self._apply_service_mode()

    def _show_message(self, command: Command) -> None:
        self.service.show_notice(command.message, "central")
        self._apply_service_mode()

    def heartbeat_state(self):
        return self.heartbeat.state if self.heartbeat else None

    def refresh_service_mode(self) -> None:
        """Re-read the service mode (after staff changed it) and show it."""
        self._apply_service_mode()

    def _apply_service_mode(self) -> None:
        mode = self.service.current()
        self.controller.apply_service_mode(mode.out_of_service, mode.message, mode.notice)
