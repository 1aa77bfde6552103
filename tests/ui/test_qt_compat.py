"""A kiosk survives a lifetime of signal emissions (PySide6 6.12 takes a reference from True on each emit).

Runs in a child process: if the leak were live the interpreter would abort, which must not take pytest down."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROGRAM = """
import sys
from PySide6.QtCore import QCoreApplication, QObject, Signal
from kiosk.ui.qt_compat import immortalize_singletons
app = QCoreApplication([])
immortalize_singletons()
class Source(QObject):
    tick = Signal(object)
source = Source()
source.tick.connect(lambda value: None)
for _ in range(200_000):
    source.tick.emit(None)
print("survived")
"""


def test_two_hundred_thousand_emits_do_not_crash_the_kiosk_process():
    result = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, cwd=REPO,
                            timeout=120, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "survived"


def test_the_installed_pyside_is_unaffected_or_the_kiosk_window_applies_the_workaround(qapp, tmp_path):
    from kiosk.config import embedded_defaults
    from kiosk.ui.qt_compat import affected, immortalize_singletons
    from kiosk.ui.screens.base import UiContext
    from kiosk.ui.window import KioskWindow

    window = KioskWindow(embedded_defaults(tmp_path), UiContext())
    assert not affected() or (getattr(immortalize_singletons, "done", False) and sys.getrefcount(True) > 1 << 40)
    window.deleteLater()
