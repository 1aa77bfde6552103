"""Lockdown: keys that close or escape do nothing, no context menus, the hidden staff gesture, the frameless window.

Events are sent to the window's QWindow, where real input arrives."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from kiosk.core.session import Stage
from tests.ui.conftest import settle, wait_until


def press(window, key, modifiers=Qt.NoModifier, text=""):
    handle = window.windowHandle()
    for kind in (QEvent.ShortcutOverride, QEvent.KeyPress, QEvent.KeyRelease):
        QApplication.sendEvent(handle, QKeyEvent(kind, key, modifiers, text))


def tap(window, x, y):
    handle = window.windowHandle()
    pos = QPointF(x, y)
    for kind in (QEvent.MouseButtonPress, QEvent.MouseButtonRelease):
        QApplication.sendEvent(handle, QMouseEvent(kind, pos, window.mapToGlobal(pos.toPoint()).toPointF(),
                                                   Qt.LeftButton, Qt.LeftButton if kind == QEvent.MouseButtonPress
                                                   else Qt.NoButton, Qt.NoModifier))


BLOCKED = [(Qt.Key_F4, Qt.AltModifier), (Qt.Key_Q, Qt.ControlModifier), (Qt.Key_Escape, Qt.NoModifier),
           (Qt.Key_W, Qt.ControlModifier), (Qt.Key_Tab, Qt.AltModifier)]


def test_keys_that_would_close_or_escape_do_nothing(kiosk):
    w = kiosk.w
    kiosk.log_in()
    w.catalog.search.setFocus()
    for key, modifiers in BLOCKED:
        blocked = w.lockdown.blocked
        press(w, key, modifiers)
        settle()
        assert w.lockdown.blocked == blocked + 1, (key, modifiers)
        assert w.isVisible() and kiosk.stage == Stage.CATALOG
    assert not w.close(), "the window refuses to close"
    assert w.isVisible()


def test_ordinary_typing_still_reaches_a_text_field(kiosk):
    w = kiosk.w
    kiosk.log_in()
    w.activateWindow()
    w.catalog.search.setFocus()
    wait_until(lambda: QApplication.focusWidget() is w.catalog.search, what="search focused")
    press(w, Qt.Key_S, text="s")
    press(w, Qt.Key_B, text="b")
    settle()
    assert w.catalog.search.text() == "sb"


def test_no_context_menu_opens_anywhere(kiosk):
    w = kiosk.w
    kiosk.log_in()
    field = w.catalog.search
    at = QPointF(field.mapTo(w, QPoint(10, field.height() // 2)))
    handle = w.windowHandle()
    for kind in (QEvent.MouseButtonPress, QEvent.MouseButtonRelease):
        QApplication.sendEvent(handle, QMouseEvent(kind, at, w.mapToGlobal(at.toPoint()).toPointF(), Qt.RightButton,
                                                   Qt.RightButton if kind == QEvent.MouseButtonPress else Qt.NoButton,
                                                   Qt.NoModifier))
    press(w, Qt.Key_Menu)
    settle()
    assert not [m for m in QApplication.topLevelWidgets() if m.isVisible() and m.inherits("QMenu")]
    assert field.contextMenuPolicy() == Qt.NoContextMenu
    assert w.windowFlags() & Qt.FramelessWindowHint


def test_five_quick_taps_in_the_top_left_corner_ask_for_staff(kiosk):
    w = kiosk.w
    asked = []
    w.staff_requested.connect(lambda: asked.append(True))
    now = [100.0]
    w.lockdown.clock = lambda: now[0]
    for _ in range(4):
        tap(w, 20, 20)
        now[0] += 0.4
    assert asked == []
    tap(w, 20, 20)
    assert asked == [True]
    assert kiosk.stage == Stage.HOME


def test_slow_or_scattered_taps_do_not_ask_for_staff(kiosk):
    w = kiosk.w
    asked = []
    w.staff_requested.connect(lambda: asked.append(True))
    now = [100.0]
    w.lockdown.clock = lambda: now[0]
    for _ in range(6):
        tap(w, 20, 20)
        now[0] += 1.0                    # five taps take 4 s
    for i in range(5):
        tap(w, 20, 20) if i != 2 else tap(w, 900, 600)
        now[0] += 0.1
    assert asked == []


def test_the_window_is_frameless_and_can_hide_the_cursor(qapp, tmp_path):
    from kiosk.app import build_kiosk, shutdown
    from tests.ui.conftest import kiosk_config

    parts = build_kiosk(kiosk_config(tmp_path / "data", show_cursor=False))
    try:
        assert parts.window.windowFlags() & Qt.FramelessWindowHint
        assert QApplication.overrideCursor() is not None
        assert QApplication.overrideCursor().shape() == Qt.BlankCursor
    finally:
        while QApplication.overrideCursor() is not None:
            QApplication.restoreOverrideCursor()
        shutdown(parts)
