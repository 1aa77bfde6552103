"""The bar across the top of every screen: hall and terminal, clock, language, elderly mode, help, home.

Help (呼叫帮办) is always visible; home appears only during a visit."""
from __future__ import annotations

import datetime as _dt

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QVBoxLayout

from kiosk.receipt.dates import format_when, time_zone
from kiosk.ui.screens.base import UiContext
from kiosk.ui.widgets import button, label

VOICE_ICON = "fa5s.volume-up"
COMPACT_BELOW = 1800      # px of width under which the elderly header is compact


class Header(QFrame):
    language_toggled = Signal()
    elderly_toggled = Signal()
    help_requested = Signal()
    home_requested = Signal()
    voice_requested = Signal()

    def __init__(self, ctx: UiContext, hall: str, terminal_name: str, clock=None, zone: str = ""):
        super().__init__()
        self.setObjectName("Header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.ctx = ctx
        self.zone = time_zone(zone)        # the terminal's configured zone, the same one its slips use
        self.clock = clock or (lambda: _dt.datetime.now(_dt.timezone.utc))
        self.layout_box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.layout_box.setContentsMargins(32, 12, 32, 12)
        self.layout_box.setSpacing(16)
        info = QHBoxLayout()
        info.setSpacing(16)
        names = QVBoxLayout()
        names.setSpacing(2)
        self.hall = label(hall, role="header_title")
        self.hall.setObjectName("hall_name")
        self.terminal = label(terminal_name, wrap=False)
        self.terminal.setObjectName("terminal_name")
        names.addWidget(self.hall)
        names.addWidget(self.terminal)
        info.addLayout(names, 1)
        self.time = label(role="header_title", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        self.time.setObjectName("clock")
        info.addWidget(self.time)
        self.layout_box.addLayout(info, 1)
        layout = QHBoxLayout()
        layout.setSpacing(12)
        self.buttons_row = layout
        self.layout_box.addLayout(layout)
        self.home_button = button(role="header", on_click=self.home_requested.emit)
        self.home_button.setObjectName("header_home")
        self.voice_button = button(role="header", on_click=self.voice_requested.emit)
        self.voice_button.setObjectName("header_voice")
        self.language_button = button(role="header", on_click=self.language_toggled.emit)
        self.language_button.setObjectName("header_language")
        self.elderly_button = button(role="header", on_click=self.elderly_toggled.emit)
        self.elderly_button.setObjectName("header_elderly")
        self.help_button = button(role="help", on_click=self.help_requested.emit)
        self.help_button.setObjectName("header_help")
        for b in (self.home_button, self.voice_button, self.language_button, self.elderly_button, self.help_button):
            layout.addWidget(b)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.timer.start(1000)
        self.show_home_button(False)
        self.refresh()

    @property
    def compact(self) -> bool:
        """Large text on a narrow screen (1600×900 in elderly mode): the clock drops the date and the terminal's
        name is left out, so the hall's name keeps to two lines and the screen below keeps its room."""
        return self.ctx.elderly and self.width() < COMPACT_BELOW

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._apply_compact()

    def _apply_compact(self) -> None:
        self.terminal.setVisible(not self.compact)
        self.tick()

    def tick(self) -> None:
        now = self.clock()
        if now.tzinfo is not None:
            now = now.astimezone(self.zone)
        self.time.setText(self.ctx.tr("header.clock_short" if self.compact else "header.clock", date=format_when(now, self.ctx.locale, self.zone, with_time=False),
                                      weekday=self.ctx.tr(f"header.weekday.{now.weekday()}"), time=f"{now:%H:%M}"))

    def show_icons(self, colour: str) -> None:
        """The loudspeaker on 再听一遍 (after the first paint, when the icon font is loaded)."""
        from kiosk.ui.category_icons import named_icon

        self.voice_button.setIcon(named_icon(VOICE_ICON, colour))

    def set_portrait(self, portrait: bool) -> None:
        """Portrait: names and clock on one line, the buttons on the next."""
        self.layout_box.setDirection(QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight)

    def show_home_button(self, visible: bool) -> None:
        self.home_button.setVisible(visible)

    def refresh(self) -> None:
        tr = self.ctx.tr
        self.home_button.setText(tr("header.home"))
        self.voice_button.setText(tr("header.voice"))
        self.language_button.setText(tr("header.language"))
        self.elderly_button.setText(tr("header.elderly_off") if self.ctx.elderly else tr("header.elderly_on"))
        self.help_button.setText(tr("header.help"))
        self._apply_compact()
