"""The staff panel: printer status with advice, slips and reprints, spool, outbox, central, service mode, logs.

Every button runs a StaffConsole action on a worker thread and shows what came of it in words."""
from __future__ import annotations

import datetime as _dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLineEdit, QPlainTextEdit, QScrollArea, QScroller,
                               QVBoxLayout, QWidget)

from kiosk.i18n import tr
from kiosk.ops.staff_console import StaffConsole
from kiosk.receipt.dates import time_zone
from kiosk.ui.widgets import button, card, clear_layout, label
from kiosk.ui.workers import run_async

PRESET_MESSAGE_KEYS = ("staff.preset.maintenance", "staff.preset.printer")
TWO_COLUMNS_FROM = 1500   # px of panel width; below it (1080 portrait, small screens) the cards stand in one column


def button_row(specs) -> QHBoxLayout:
    """A row of buttons from (text, object name, action) triples."""
    row = QHBoxLayout()
    for text, name, action in specs:
        b = button(text, on_click=action)
        b.setObjectName(name)
        row.addWidget(b)
    return row


def _time(ts: float | None, zone: ZoneInfo) -> str:
    """A moment as staff read it, in the terminal's time zone (the header's and the slips')."""
    return _dt.datetime.fromtimestamp(ts, zone).strftime("%m-%d %H:%M:%S") if ts else "—"


class StaffPanel(QWidget):
    """Emits `closed` when staff leave and `restart_requested` for an application restart."""

    closed = Signal()
    restart_requested = Signal()

    def words(self, key: str, **params: object) -> str:
        """`key` in the hall's language."""
        return tr(key, self.hall_locale, **params)

    def __init__(self, console: StaffConsole):
        super().__init__()
        self.console = console
        self.hall_locale = console.terminal.config.ui.locale     # the hall's language, not the last citizen's
        self.zone = time_zone(console.terminal.config.terminal.time_zone)
        root = QVBoxLayout(self)
        root.setContentsMargins(32, 24, 32, 24)
        top = QHBoxLayout()
        top.addWidget(label(self.words("staff.title"), role="title"), 1)
        self.result = label("", role="notice")
        self.result.setObjectName("staff_result")
        self.result.hide()
        close = button(self.words("staff.close"), role="primary", on_click=self._close)
        close.setObjectName("staff_close")
        top.addWidget(close)
        root.addLayout(top)
        root.addWidget(self.result)
        # The cards keep their natural height and scroll (by finger too) when the screen is short; they stand in
        # two columns on a wide screen and in one on a narrow or portrait one.
        content = QWidget()
        self.grid = grid = QGridLayout(content)
        grid.setSpacing(16)
        grid.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setObjectName("staff_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        root.addWidget(scroll, 1)

        printer_card, printer = card()
        printer.addWidget(label(self.words("staff.printer"), role="heading"))
        self.printer_state = label("", role="heading")
        self.printer_state.setObjectName("staff_printer_state")
        self.printer_advice = label("")
        self.printer_advice.setObjectName("staff_printer_advice")
        printer.addWidget(self.printer_state)
        printer.addWidget(self.printer_advice)
        printer.addLayout(button_row(((self.words("staff.printer_refresh"), "staff_printer_refresh", self.refresh_printer),
                                   (self.words("staff.test_print"), "staff_test_print", self.test_print),
                                   (self.words("staff.retry_spool"), "staff_retry_spool", self.retry_spool))))
        self.spool_label = label("", role="muted")
        printer.addWidget(self.spool_label)

        slips_card, slips = card()
        slips.addWidget(label(self.words("staff.slips"), role="heading"))
        self.slips_box = QVBoxLayout()
        slips.addLayout(self.slips_box)
        slips.addStretch(1)

        central_card, central = card()
        central.addWidget(label(self.words("staff.central"), role="heading"))
        self.central_state = label("")
        self.central_state.setObjectName("staff_central_state")
        self.outbox_label = label("")
        self.outbox_label.setObjectName("staff_outbox")
        central.addWidget(self.central_state)
        central.addWidget(self.outbox_label)
        central.addLayout(button_row(((self.words("staff.retry_outbox"), "staff_retry_outbox", self.retry_outbox),
                                   (self.words("staff.reload_catalog"), "staff_reload_catalog", self.reload_catalog))))

        service_card, service = card()
        service.addWidget(label(self.words("staff.service"), role="heading"))
        self.service_state = label("")
        self.service_state.setObjectName("staff_service_state")
        service.addWidget(self.service_state)
        self.message = QLineEdit()
        self.message.setObjectName("staff_oos_message")
        self.message.setPlaceholderText(self.words("staff.oos_placeholder"))
        service.addWidget(self.message)
        presets = QVBoxLayout()       # one per line: the messages are whole sentences, long in English
        for key in PRESET_MESSAGE_KEYS:
            text = self.words(key)
            presets.addWidget(button(text, on_click=lambda _=False, t=text: self.message.setText(t)))
        service.addLayout(presets)
        service.addLayout(button_row(((self.words("staff.out_of_service"), "staff_out_of_service", self.out_of_service),
                                   (self.words("staff.in_service"), "staff_in_service", self.in_service),
                                   (self.words("staff.restart"), "staff_restart", self.restart))))

        logs_card, logs = card()
        logs.addWidget(label(self.words("staff.logs"), role="heading"))
        self.logs = QPlainTextEdit()
        self.logs.setObjectName("staff_logs")
        self.logs.setReadOnly(True)
        self.logs.setMinimumHeight(160)
        logs.addWidget(self.logs)
        self.cards = (printer_card, slips_card, central_card, service_card, logs_card)
        self.columns = 0
        self._place(2)

    def _place(self, columns: int) -> None:
        """Lay the cards out in `columns` columns (the log always spans the width)."""
        if columns == self.columns:
            return
        self.columns = columns
        for card_widget in self.cards:
            self.grid.removeWidget(card_widget)
        *boxes, logs_card = self.cards
        for index, card_widget in enumerate(boxes):
            self.grid.addWidget(card_widget, index // columns, index % columns)
        self.grid.addWidget(logs_card, (len(boxes) + columns - 1) // columns, 0, 1, columns)

    def resizeEvent(self, event) -> None:
        self._place(2 if event.size().width() >= TWO_COLUMNS_FROM else 1)
        super().resizeEvent(event)

    # Loading

    def open(self) -> None:
        self.result.hide()
        self.console.opened()
        self.refresh_all()

    def refresh_all(self) -> None:
        self.refresh_printer()
        self._load(self.console.central_report, self._show_central)
        self._load(lambda: (self.console.pending_outbox(), self.console.pending_print_jobs(),
                            self.console.recent_slips()), self._show_queues)
        self._load(self.console.service_mode, self._show_service)
        self._load(self.console.log_lines, lambda lines: self.logs.setPlainText("\n".join(lines)))

    def _load(self, fn, on_done) -> None:
        run_async(fn, on_done, lambda exc: self.say(self.words("staff.load_failed", error=exc)))

    def say(self, text: str) -> None:
        self.result.setText(text)
        self.result.show()

    def refresh_printer(self) -> None:
        self._load(self.console.printer_status, self._show_printer)

    def _show_printer(self, status) -> None:
        self.printer_state.setText(status.describe(self.hall_locale))
        self.printer_advice.setText(status.advice(self.hall_locale))

    def _show_central(self, report) -> None:
        reachable = self.words({True: "staff.central.reachable", False: "staff.central.unreachable",
                        None: "staff.central.not_contacted"}[report.reachable])
        offset = "—" if report.clock_offset is None else self.words("staff.central.offset", seconds=report.clock_offset)
        self.central_state.setText(self.words("staff.central.state", reachable=reachable, offset=offset,
                                      heartbeat=_time(report.last_heartbeat, self.zone)))

    def _show_queues(self, queues) -> None:
        outbox, spool, slips = queues
        self.outbox_label.setText(self.words("staff.outbox.oldest", count=len(outbox), oldest=_time(outbox[0].created_at, self.zone))
                                  if outbox else self.words("staff.outbox", count=0))
        self.spool_label.setText(self.words("staff.spool", count=len(spool)))
        clear_layout(self.slips_box)
        if not slips:
            self.slips_box.addWidget(label(self.words("staff.no_slips"), role="muted"))
        for job in slips:
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            state = self.words("staff.slip.printed" if job.finished else "staff.slip.unfinished")
            line.addWidget(label(f"{_time(job.created_at, self.zone)}  {job.title}  {state}"), 1)
            b = button(self.words("staff.reprint"), on_click=lambda _=False, job_id=job.id: self.reprint(job_id))
            b.setObjectName(f"staff_reprint_{job.id}")
            line.addWidget(b)
            self.slips_box.addWidget(row)

    def _show_service(self, mode) -> None:
        text = self.words("staff.service.paused", message=mode.message) if mode.out_of_service else self.words("staff.service.normal")
        self.service_state.setText(text)

    # Actions

    def _act(self, fn, describe) -> None:
        def done(value) -> None:
            self.say(describe(value))
            self.refresh_all()
        run_async(fn, done, lambda exc: self.say(self.words("staff.action_failed", error=exc)))

    def test_print(self) -> None:
        self._act(self.console.test_print,
                  lambda o: self.words("staff.test_printed") if o.ok
                  else self.words("staff.test_failed", problem=o.status.describe(self.hall_locale)))

    def reprint(self, job_id: int) -> None:
        self._act(lambda: self.console.reprint(job_id),
                  lambda o: self.words("staff.reprinted") if o.ok
                  else self.words("staff.reprint_failed", problem=o.status.describe(self.hall_locale)))

    def retry_spool(self) -> None:
        self._act(self.console.retry_print_jobs, lambda outcomes: self.words("staff.spool_retried", tried=len(outcomes),
                                                                     printed=sum(o.ok for o in outcomes)))

    def retry_outbox(self) -> None:
        self._act(self.console.retry_outbox, lambda left: self.words("staff.outbox_retried", left=left))

    def reload_catalog(self) -> None:
        self._act(self.console.reload_catalog, lambda count: self.words("staff.catalog_reloaded", count=count))

    def out_of_service(self) -> None:
        message = self.message.text().strip() or self.words(PRESET_MESSAGE_KEYS[0])
        self._act(lambda: self.console.set_out_of_service(message), lambda mode: self.words("staff.paused"))

    def in_service(self) -> None:
        self._act(self.console.set_in_service, lambda mode: self.words("staff.resumed"))

    def restart(self) -> None:
        self.console.note_restart()
        self.restart_requested.emit()

    def _close(self) -> None:
        self.console.closed()
        self.closed.emit()
