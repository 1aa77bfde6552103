"""The kiosk window: header, one stacked screen per stage, idle overlay, and the lockdown rules.

It displays; kiosk.ui.controller decides. No window frame, no context menus, no way out by keyboard. Home is made at
once; every other screen (and its module) when it is first shown or used, so the first paint waits for home only."""
from __future__ import annotations

import importlib
from typing import Any, Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication, QScrollArea, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from kiosk.config import Config
from kiosk.core.session import Stage, Visit
from kiosk.ui.header import Header
from kiosk.ui.idle import IdleWarning
from kiosk.ui.category_icons import load_icons
from kiosk.ui.input_method import KeyboardOnFocus, hide_keyboard
from kiosk.ui.lockdown import Lockdown, is_blocked_key
from kiosk.ui.qt_compat import immortalize_singletons
from kiosk.ui.scanner_input import ScannerInput
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.theme import PALETTE, stylesheet
from kiosk.ui.widgets import label

# Each stage's screen: (module in kiosk.ui.screens, class).
SCREENS = {
    Stage.HOME: ("home", "HomeScreen"),
    Stage.LOGIN: ("login", "LoginScreen"),
    Stage.CATALOG: ("catalog", "CatalogScreen"),
    Stage.ITEM: ("item", "ItemScreen"),
    Stage.CONFIRM: ("confirm", "ConfirmScreen"),
    Stage.SUBMITTING: ("progress", "SubmittingScreen"),
    Stage.PRINTING: ("progress", "PrintingScreen"),
    Stage.RATING: ("rating", "RatingScreen"),
    Stage.DONE: ("done", "DoneScreen"),
    Stage.OUT_OF_SERVICE: ("out_of_service", "OutOfServiceScreen"),
}


class KioskWindow(QWidget):
    """Fullscreen, frameless window holding every screen."""

    first_paint = Signal()
    staff_requested = Signal()     # the hidden gesture: five taps in the top-left corner within 3 s
    orientation_changed = Signal(bool)   # True for portrait
    closing = Signal()             # the kiosk is shutting down (close allowed): stop timers and traffic

    def __init__(self, config: Config, ctx: UiContext):
        immortalize_singletons()
        super().__init__()
        self.config = config
        self.ctx = ctx
        self.allow_close = False
        self._painted = False
        self.setObjectName("KioskRoot")
        self.setWindowTitle("kiosk")
        self.setWindowFlags(Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = Header(ctx, config.terminal.hall, config.terminal.name, zone=config.terminal.time_zone)
        layout.addWidget(self.header)
        self.notice = label(role="notice", align=Qt.AlignmentFlag.AlignCenter)
        self.notice.setObjectName("window_notice")
        self.notice.hide()
        layout.addWidget(self.notice)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.screens: dict[Stage, Screen] = {}      # the screens made so far (see `screen`)
        self._when_made: dict[Stage, list[Callable[[Any], None]]] = {}
        self.portrait = False
        self.current: Screen = self.screen_for(Stage.HOME)
        self.idle_warning = IdleWarning(ctx, self)
        self.notice_timer = QTimer(self)
        self.notice_timer.setSingleShot(True)
        self.notice_timer.timeout.connect(self.notice.hide)
        self.lockdown = Lockdown(self)
        self.lockdown.staff_gesture.connect(self.staff_requested.emit)
        self.scanner = ScannerInput(self)
        self.keyboard = KeyboardOnFocus(self)
        self.keyboard.room_needed.connect(self.make_room_for_keyboard)
        # after whatever else waits for the first paint: the icons' fonts take a third of a second to load
        self.first_paint.connect(lambda: QTimer.singleShot(0, self._load_icons))
        self.first_paint.connect(lambda: QTimer.singleShot(0, self._make_next_screen))
        self._filtered_handle: QWindow | None = None
        self.apply_theme()

    def _load_icons(self) -> None:
        load_icons()
        self.header.show_icons(PALETTE.primary_text)
        for stage in (Stage.HOME, Stage.CATALOG):    # a screen made later draws its icons itself
            screen = self.made(stage)
            if screen is not None:
                screen.category_buttons.refresh_icons()

    def screen_for(self, stage: Stage) -> Screen:
        """The screen for `stage`, made (in the current language, mode and orientation) on first use."""
        screen = self.screens.get(stage)
        if screen is None:
            module, name = SCREENS[stage]
            made = getattr(importlib.import_module(f"kiosk.ui.screens.{module}"), name)
            screen = made(self.ctx, self.config.terminal.contact) if stage is Stage.OUT_OF_SERVICE else made(self.ctx)
            self.screens[stage] = screen
            ignored = QSizePolicy.Policy.Ignored      # only the shown screen's size counts (see show_stage)
            screen.setSizePolicy(ignored, ignored)
            self.stack.addWidget(screen)
            screen.refresh(None)
            screen.set_portrait(self.portrait)
            for setup in self._when_made.pop(stage, []):
                setup(screen)
        return screen

    def _make_next_screen(self) -> None:
        """After the first paint, one screen not made yet per turn of the event loop: a citizen's first tap finds
        its screen ready, and no turn is held for long."""
        missing = [stage for stage in SCREENS if stage not in self.screens]
        if missing:
            self.screen_for(missing[0])
            QTimer.singleShot(0, self._make_next_screen)

    def when_made(self, stage: Stage, setup: Callable[[Any], None]) -> None:
        """Call `setup(screen)` for the screen of `stage` once it is made (at once if it is): signals, settings."""
        if stage in self.screens:
            setup(self.screens[stage])
        else:
            self._when_made.setdefault(stage, []).append(setup)

    def made(self, stage: Stage) -> Any:
        """The screen for `stage` if it was made, else None (for what only matters to a screen already made)."""
        return self.screens.get(stage)

    def make_room_for_keyboard(self, covered: int) -> None:
        """Lift the screen above the on-screen keyboard (`covered` pixels of the bottom), so that the focused field
        and what it fills (search results, the form) stay in sight; 0 when the keyboard closes."""
        layout = self.layout()
        if layout is None:
            return
        margins = layout.contentsMargins()
        self.current.keyboard_open(covered > 0)
        layout.setContentsMargins(margins.left(), margins.top(), margins.right(), 0)
        layout.activate()
        # Never more room than the screen can give without growing the window past the screen's edge.
        room = min(covered, max(0, self.height() - layout.minimumSize().height()))
        layout.setContentsMargins(margins.left(), margins.top(), margins.right(), room)
        focused = QApplication.focusWidget()
        scroller = focused.parentWidget() if focused is not None else None
        while scroller is not None and not isinstance(scroller, QScrollArea):
            scroller = scroller.parentWidget()
        if covered and isinstance(scroller, QScrollArea) and focused is not None:
            scroller.ensureWidgetVisible(focused, 0, 40)

    # Access for the controller and tests (a screen is made on first access)
    home = property(lambda self: self.screen_for(Stage.HOME))
    login = property(lambda self: self.screen_for(Stage.LOGIN))
    catalog = property(lambda self: self.screen_for(Stage.CATALOG))
    item = property(lambda self: self.screen_for(Stage.ITEM))
    confirm = property(lambda self: self.screen_for(Stage.CONFIRM))
    submitting = property(lambda self: self.screen_for(Stage.SUBMITTING))
    printing = property(lambda self: self.screen_for(Stage.PRINTING))
    rating = property(lambda self: self.screen_for(Stage.RATING))
    done = property(lambda self: self.screen_for(Stage.DONE))
    out_of_service = property(lambda self: self.screen_for(Stage.OUT_OF_SERVICE))

    def show_stage(self, stage: Stage, visit: Visit) -> None:
        screen = self.screen_for(stage)
        if screen is not self.current:
            hide_keyboard()
            self.current.leave()
        self.current = screen
        screen.enter(visit)
        # Only the shown screen's minimum size counts (the stack takes the largest of all otherwise), so that
        # the screen can shrink above the on-screen keyboard.
        for other in self.screens.values():
            policy = QSizePolicy.Policy.Preferred if other is screen else QSizePolicy.Policy.Ignored
            other.setSizePolicy(policy, policy)
        self.stack.setCurrentWidget(screen)
        self.header.show_home_button(stage not in (Stage.HOME, Stage.OUT_OF_SERVICE, Stage.SUBMITTING,
                                                  Stage.PRINTING))

    def apply_theme(self) -> None:
        """Restyle for the context's mode and retranslate every screen."""
        self.setStyleSheet(stylesheet(self.ctx.elderly))
        self.retranslate()

    def retranslate(self) -> None:
        """Set every text in the context's language (no restyling: sizes do not change)."""
        self.header.refresh()
        for screen in self.screens.values():
            screen.refresh(None)
            screen.set_portrait(self.portrait)
        self.idle_warning.refresh()

    def show_notice(self, text: str, seconds: int = 8) -> None:
        """A line under the header; `seconds=0` keeps it until it is cleared."""
        self.notice.setText(text)
        self.notice.show()
        if seconds:
            self.notice_timer.start(seconds * 1000)
        else:
            self.notice_timer.stop()

    def clear_notice(self) -> None:
        self.notice.hide()
        self.notice.clear()

    # Lockdown

    def keyPressEvent(self, event) -> None:
        if is_blocked_key(event.key(), event.modifiers()):
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        if self.allow_close:
            self.closing.emit()
            app = QApplication.instance()
            if isinstance(app, QApplication):
                app.focusChanged.disconnect(self.keyboard._focus_changed)
            event.accept()
        else:
            event.ignore()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.ActivationChange and not self.isActiveWindow() and not self.allow_close \
                and self.config.ui.fullscreen and QApplication.platformName() not in ("offscreen", "minimal"):
            QTimer.singleShot(300, self._reclaim_focus)

    def _reclaim_focus(self) -> None:
        if not self.allow_close:
            self.raise_()
            self.activateWindow()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        handle = self.windowHandle()
        if handle is not None and handle is not self._filtered_handle:
            # keys and taps enter at the QWindow, before any widget: lockdown first, then the card scanner
            handle.installEventFilter(self.scanner)
            handle.installEventFilter(self.lockdown)
            self._filtered_handle = handle
        if self.config.ui.fullscreen and self.screen() is not None:
            # Without a window manager (bare X) a full-screen request is not honoured: cover the screen ourselves.
            geometry = self.screen().geometry()
            self.set_portrait(geometry.height() > geometry.width())
            self.setGeometry(geometry)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.first_paint.emit)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.set_portrait(self.height() > self.width())
        if self.idle_warning.isVisible():
            self.idle_warning.setGeometry(self.rect())

    def set_screen_size(self, width: int, height: int) -> None:
        """Take this size, arranged for its orientation first (so a tall layout never blocks a wide size)."""
        self.set_portrait(height > width)
        for _ in range(3):          # nested layouts settle over a few event-loop turns
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            layout = self.layout()
            if layout is not None:
                layout.activate()
            self.resize(width, height)
            if (self.width(), self.height()) == (width, height):
                break

    def set_portrait(self, portrait: bool) -> None:
        """Arrange every screen in a column (portrait) or in rows (landscape)."""
        if portrait == self.portrait:
            return
        self.portrait = portrait
        self.header.set_portrait(portrait)
        for screen in self.screens.values():
            screen.set_portrait(portrait)
        self.orientation_changed.emit(portrait)
