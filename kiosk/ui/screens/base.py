"""What every screen shares: the UI context (language, elderly mode) and the Screen base class.

A screen's `refresh()` sets every text from the context and the visit, so a language switch is instant."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QVBoxLayout, QWidget

from kiosk.core.session import Stage, Visit
from kiosk.i18n import DEFAULT_LOCALE, tr
from kiosk.ui.theme import Sizes, sizes_for


@dataclass
class UiContext:
    """Per-visit presentation settings; reset to the terminal's defaults when a visit ends."""
    locale: str = DEFAULT_LOCALE
    elderly: bool = False

    def tr(self, key: str, **params: object) -> str:
        return tr(key, self.locale, **params)

    @property
    def sizes(self) -> Sizes:
        return sizes_for(self.elderly)

    @property
    def en(self) -> bool:
        return self.locale == "en"


class Screen(QWidget):
    """One full screen of the kiosk; subclasses build widgets once and fill them in `refresh`."""

    stage: Stage
    voice_key = ""

    def __init__(self, ctx: UiContext):
        super().__init__()
        self.ctx = ctx
        self.setObjectName("Screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.root = QVBoxLayout(self)
        self.root.setContentsMargins(48, 24, 48, 24)
        self.root.setSpacing(20)
        self.portrait = False
        self._flip_rows: list[QBoxLayout] = []

    def flip_row(self, spacing: int = 24) -> QBoxLayout:
        """A row in landscape that becomes a column in portrait."""
        row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        row.setSpacing(spacing)
        self._flip_rows.append(row)
        return row

    def set_portrait(self, portrait: bool) -> None:
        """Re-arrange for a tall screen (columns) or a wide one (rows)."""
        self.portrait = portrait
        for row in self._flip_rows:
            row.setDirection(QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight)
        self.root.setContentsMargins(*((32, 20, 32, 20) if portrait else (48, 24, 48, 24)))
        self.arrange(portrait)
        self.root.invalidate()          # the cached minimum of the whole screen depends on the rows' direction
        self.updateGeometry()

    def keyboard_open(self, is_open: bool) -> None:
        """The on-screen keyboard opened or closed over the lower part of this screen (it has less height)."""

    def arrange(self, portrait: bool) -> None:
        """Screen-specific changes beyond flipping rows (e.g. how many tile columns)."""

    def enter(self, visit: Visit) -> None:
        """Called when the screen becomes current."""
        self.refresh(visit)

    def refresh(self, visit: Visit | None) -> None:
        """Set every text and value from the context and the visit (None: only the texts, for a language change)."""

    def leave(self) -> None:
        """Called when another screen becomes current: drop anything about the citizen."""
