"""Composition root: config → terminal services → Qt window and controller → event loop.

`build_kiosk` is shared by `kiosk run`, `kiosk demo`, the headless demo, the tests and the benchmarks."""
from __future__ import annotations

import logging
import logging.handlers
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config import Config

if TYPE_CHECKING:     # Qt is imported when a kiosk is built, not when this module is
    from PySide6.QtWidgets import QApplication

    from kiosk.terminal import Terminal
    from kiosk.ui.controller import KioskController
    from kiosk.ui.operations import Operations
    from kiosk.ui.staff.screen import StaffScreen
    from kiosk.ui.window import KioskWindow

log = logging.getLogger(__name__)


RESTART_EXIT_CODE = 75  # the event loop ends with this when central asked for a restart


@dataclass
class KioskParts:
    """Everything `build_kiosk` made, for `show`, `run`, `shutdown`, the demo and the tests."""
    app: QApplication
    terminal: Terminal
    window: KioskWindow
    controller: KioskController
    operations: Operations
    staff: StaffScreen


def setup_logging(data_dir: Path, verbose: bool = False) -> Path:
    """Log to data_dir/logs/kiosk.log (rotated, 5 × 2 MB) and to stderr; records carry no personal data."""
    log_dir = data_dir / "logs"
    log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = log_dir / "kiosk.log"
    root = logging.getLogger()
    if any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        return path
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    from kiosk.ops.logs import LogFileHandler, PersonalDataFilter

    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = LogFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    file_handler.setFormatter(formatter)
    file_handler.addFilter(PersonalDataFilter())
    root.addHandler(file_handler)
    if not any(isinstance(h, logging.StreamHandler) and not hasattr(h, "baseFilename") for h in root.handlers):
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(logging.WARNING)
        stream.setFormatter(formatter)
        root.addHandler(stream)
    return path


def qt_application():
    """The process's QApplication (created once), with kiosk-wide settings."""
    from PySide6.QtWidgets import QApplication

    from kiosk.ui.input_method import prepare_environment
    from kiosk.ui.qt_compat import immortalize_singletons

    immortalize_singletons()
    app = QApplication.instance()
    if app is None:
        prepare_environment()
        app = QApplication(sys.argv[:1])
        app.setApplicationName("kiosk")
    return app


def build_kiosk(config: Config, *, clock=None) -> KioskParts:
    """Create the window (home painted at once) and the controller; services start when `start()` is called.

    `clock` (monotonic seconds) drives the visit's timers; tests pass one they can move on."""
    from PySide6.QtCore import Qt

    from kiosk.terminal import Terminal
    from kiosk.ui.controller import KioskController
    from kiosk.ui.operations import Operations
    from kiosk.ui.screens.base import UiContext
    from kiosk.ui.window import KioskWindow

    app = qt_application()
    if not config.ui.show_cursor:
        app.setOverrideCursor(Qt.CursorShape.BlankCursor)
    ctx = UiContext(locale=config.ui.locale, elderly=config.ui.elderly_mode)
    terminal = Terminal(config)
    window = KioskWindow(config, ctx)
    controller = KioskController(terminal, window, ctx, app, **({"clock": clock} if clock else {}))
    operations = Operations(controller)
    window.first_paint.connect(operations.first_paint)
    operations.restart_requested.connect(lambda: app.exit(RESTART_EXIT_CODE))
    staff = build_staff_screen(config, window, controller, operations)
    staff.restart_requested.connect(lambda: app.exit(RESTART_EXIT_CODE))
    return KioskParts(app=app, terminal=terminal, window=window, controller=controller, operations=operations,
                      staff=staff)


def build_staff_screen(config: Config, window, controller, operations):
    """The PIN-protected staff screen over the window, opened by the window's hidden gesture."""
    from kiosk.core.session import EndReason
    from kiosk.ops.pin import PinGate
    from kiosk.ops.staff_console import StaffConsole
    from kiosk.ui.staff.screen import StaffScreen

    terminal = controller.terminal
    console = StaffConsole(terminal, operations.audit, operations.service, operations.heartbeat_state,
                           config.data_dir / "logs" / "kiosk.log")
    gate = PinGate(terminal.db, config.ui.staff_pin_hash, audit=operations.audit)
    staff = StaffScreen(window, console, gate)

    def open_staff() -> None:
        if controller.session.active:
            controller.end_visit(EndReason.STAFF)
        staff.open()

    def staff_closed() -> None:
        operations.refresh_service_mode()
        controller.refresh_catalog_views()

    window.staff_requested.connect(open_staff)
    staff.closed.connect(staff_closed)
    return staff


def show(parts: KioskParts, fullscreen: bool, size: tuple[int, int] = (1920, 1080)) -> None:
    if fullscreen:
        parts.window.showFullScreen()
    else:
        parts.window.resize(*size)
        parts.window.show()


def shutdown(parts: KioskParts) -> None:
    from kiosk.ui.workers import wait_for_workers

    parts.operations.stop()
    parts.window.allow_close = True
    parts.window.close()
    wait_for_workers(10_000)
    parts.terminal.stop()


def stop_on_signals(app) -> None:
    """SIGTERM and SIGINT end the event loop cleanly (systemd stop, Ctrl+C on a technician's console).

    Python runs signal handlers only between bytecodes, so a timer wakes the interpreter twice a second."""
    import signal

    from PySide6.QtCore import QTimer

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: app.exit(0))
    waker = QTimer(app)
    waker.timeout.connect(lambda: None)
    waker.start(500)


def run(config: Config, *, exit_after_paint: bool = False) -> int:
    """Run the kiosk until the application quits; returns the exit code."""
    setup_logging(config.data_dir)
    parts = build_kiosk(config)
    if exit_after_paint:
        import time

        def report_and_quit():
            print(f"first-paint {time.time():.6f}", flush=True)
            parts.app.exit(0)  # quit() would ask the locked-down window, which refuses

        parts.window.first_paint.connect(report_and_quit)
    else:
        # The services start once home is on the glass: their imports and the catalogue's parsing on a worker
        # thread would otherwise hold the interpreter while the first screen is laid out and painted.
        parts.window.first_paint.connect(parts.controller.start)
    stop_on_signals(parts.app)
    show(parts, config.ui.fullscreen)
    code = parts.app.exec()
    shutdown(parts)
    return code
