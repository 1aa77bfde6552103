"""The staff panel: printer status with advice, slips and reprints, spool, outbox, central, service mode, logs.

Every button runs a StaffConsole action on a worker thread and shows what came of it in words."""
from __future__ import annotations

import datetime as _dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from kiosk.ops.staff_console import StaffConsole
from kiosk.ui.widgets import button, card, clear_layout, label
from kiosk.ui.workers import run_async

PRESET_MESSAGES = ("设备维护中，请到窗口办理", "打印机维护中，请稍后再来")


def button_row(specs) -> QHBoxLayout:
    """A row of buttons from (text, object name, action) triples."""
    row = QHBoxLayout()
    for text, name, action in specs:
        b = button(text, on_click=action)
        b.setObjectName(name)
        row.addWidget(b)
    return row


def _time(ts: float | None) -> str:
    return _dt.datetime.fromtimestamp(ts).strftime("%m-%d %H:%M:%S") if ts else "—"


class StaffPanel(QWidget):
    """Emits `closed` when staff leave and `restart_requested` for an application restart."""

    closed = Signal()
    restart_requested = Signal()

    def __init__(self, console: StaffConsole):
        super().__init__()
        self.console = console
        root = QVBoxLayout(self)
        root.setContentsMargins(32, 24, 32, 24)
        top = QHBoxLayout()
        top.addWidget(label("工作人员维护", role="title"), 1)
        self.result = label("", role="notice")
        self.result.setObjectName("staff_result")
        self.result.hide()
        close = button("退出维护", role="primary", on_click=self._close)
        close.setObjectName("staff_close")
        top.addWidget(close)
        root.addLayout(top)
        root.addWidget(self.result)
        grid = QGridLayout()
        grid.setSpacing(16)
        root.addLayout(grid, 1)

        printer_card, printer = card()
        printer.addWidget(label("打印机", role="heading"))
        self.printer_state = label("", role="heading")
        self.printer_state.setObjectName("staff_printer_state")
        self.printer_advice = label("")
        self.printer_advice.setObjectName("staff_printer_advice")
        printer.addWidget(self.printer_state)
        printer.addWidget(self.printer_advice)
        printer.addLayout(button_row((("刷新状态", "staff_printer_refresh", self.refresh_printer),
                                   ("测试打印", "staff_test_print", self.test_print),
                                   ("重试未完成打印", "staff_retry_spool", self.retry_spool))))
        self.spool_label = label("", role="muted")
        printer.addWidget(self.spool_label)
        grid.addWidget(printer_card, 0, 0)

        slips_card, slips = card()
        slips.addWidget(label("最近的凭证（可重印）", role="heading"))
        self.slips_box = QVBoxLayout()
        slips.addLayout(self.slips_box)
        slips.addStretch(1)
        grid.addWidget(slips_card, 0, 1)

        central_card, central = card()
        central.addWidget(label("服务中心与上传", role="heading"))
        self.central_state = label("")
        self.central_state.setObjectName("staff_central_state")
        self.outbox_label = label("")
        self.outbox_label.setObjectName("staff_outbox")
        central.addWidget(self.central_state)
        central.addWidget(self.outbox_label)
        central.addLayout(button_row((("立即上传", "staff_retry_outbox", self.retry_outbox),
                                   ("重新加载事项", "staff_reload_catalog", self.reload_catalog))))
        grid.addWidget(central_card, 1, 0)

        service_card, service = card()
        service.addWidget(label("服务状态", role="heading"))
        self.service_state = label("")
        self.service_state.setObjectName("staff_service_state")
        service.addWidget(self.service_state)
        self.message = QLineEdit()
        self.message.setObjectName("staff_oos_message")
        self.message.setPlaceholderText("暂停服务时向群众显示的说明")
        service.addWidget(self.message)
        presets = QHBoxLayout()
        for text in PRESET_MESSAGES:
            presets.addWidget(button(text, on_click=lambda _=False, t=text: self.message.setText(t)))
        service.addLayout(presets)
        service.addLayout(button_row((("暂停服务", "staff_out_of_service", self.out_of_service),
                                   ("恢复服务", "staff_in_service", self.in_service),
                                   ("重启程序", "staff_restart", self.restart))))
        grid.addWidget(service_card, 1, 1)

        logs_card, logs = card()
        logs.addWidget(label("最近日志（不含个人信息）", role="heading"))
        self.logs = QPlainTextEdit()
        self.logs.setObjectName("staff_logs")
        self.logs.setReadOnly(True)
        self.logs.setMinimumHeight(160)
        logs.addWidget(self.logs)
        grid.addWidget(logs_card, 2, 0, 1, 2)

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
        run_async(fn, on_done, lambda exc: self.say(f"读取失败：{exc}"))

    def say(self, text: str) -> None:
        self.result.setText(text)
        self.result.show()

    def refresh_printer(self) -> None:
        self._load(self.console.printer_status, self._show_printer)

    def _show_printer(self, status) -> None:
        self.printer_state.setText(status.describe("zh_CN"))
        self.printer_advice.setText(status.advice("zh_CN"))

    def _show_central(self, report) -> None:
        reachable = {True: "可以连接", False: "无法连接", None: "尚未联系"}[report.reachable]
        offset = "—" if report.clock_offset is None else f"{report.clock_offset:+.1f} 秒"
        self.central_state.setText(f"服务中心：{reachable}\n时钟偏差：{offset}\n"
                                   f"最近心跳：{_time(report.last_heartbeat)}")

    def _show_queues(self, queues) -> None:
        outbox, spool, slips = queues
        self.outbox_label.setText(f"待上传：{len(outbox)} 项" +
                                  (f"（最早 {_time(outbox[0].created_at)}）" if outbox else ""))
        self.spool_label.setText(f"未完成打印：{len(spool)} 张")
        clear_layout(self.slips_box)
        if not slips:
            self.slips_box.addWidget(label("暂无", role="muted"))
        for job in slips:
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            state = "已打印" if job.finished else "未完成"
            line.addWidget(label(f"{_time(job.created_at)}  {job.title}  {state}"), 1)
            b = button("重印", on_click=lambda _=False, job_id=job.id: self.reprint(job_id))
            b.setObjectName(f"staff_reprint_{job.id}")
            line.addWidget(b)
            self.slips_box.addWidget(row)

    def _show_service(self, mode) -> None:
        text = f"暂停服务中：{mode.message}" if mode.out_of_service else "正常服务"
        self.service_state.setText(text)

    # Actions

    def _act(self, fn, describe) -> None:
        run_async(fn, lambda value: (self.say(describe(value)), self.refresh_all()),
                  lambda exc: self.say(f"操作未完成：{exc}"))

    def test_print(self) -> None:
        self._act(self.console.test_print,
                  lambda o: "测试页已打印" if o.ok else f"测试页未打印：{o.status.describe('zh_CN')}")

    def reprint(self, job_id: int) -> None:
        self._act(lambda: self.console.reprint(job_id),
                  lambda o: "已重印（凭证上标有“重印”）" if o.ok else f"重印未完成：{o.status.describe('zh_CN')}")

    def retry_spool(self) -> None:
        self._act(self.console.retry_print_jobs, lambda outcomes: f"已重试 {len(outcomes)} 张，"
                                                                  f"打印成功 {sum(o.ok for o in outcomes)} 张")

    def retry_outbox(self) -> None:
        self._act(self.console.retry_outbox, lambda left: f"上传完成，仍待上传 {left} 项")

    def reload_catalog(self) -> None:
        self._act(self.console.reload_catalog, lambda count: f"事项已重新加载：共 {count} 项")

    def out_of_service(self) -> None:
        message = self.message.text().strip() or PRESET_MESSAGES[0]
        self._act(lambda: self.console.set_out_of_service(message), lambda mode: "终端已暂停服务")

    def in_service(self) -> None:
        self._act(self.console.set_in_service, lambda mode: "终端已恢复服务")

    def restart(self) -> None:
        self.console.note_restart()
        self.restart_requested.emit()

    def _close(self) -> None:
        self.console.closed()
        self.closed.emit()
