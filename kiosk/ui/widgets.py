"""Small reusable widgets: role-styled labels and buttons, item tiles, button grids, a QR image, a keypad.

Styling comes from theme.py through the `role` property; nothing here knows about sessions."""
from __future__ import annotations
from collections.abc import Sequence

import io

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import (QFrame, QGridLayout, QLabel, QPushButton, QScrollArea, QScroller, QSizePolicy,
                               QVBoxLayout, QWidget)


def label(text: str = "", role: str = "", wrap: bool = True, align=None) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    if align is not None:
        widget.setAlignment(align)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return widget


def button(text: str = "", role: str = "", on_click=None) -> QPushButton:
    widget = QPushButton(text)
    if role:
        widget.setProperty("role", role)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    if on_click is not None:
        widget.clicked.connect(on_click)
    return widget


def touch_scroll_area(inside: QWidget, name: str = "") -> QScrollArea:
    """A frameless area that scrolls `inside` up and down by finger (kinetic), only when it does not fit."""
    area = QScrollArea()
    if name:
        area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setWidget(inside)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.TouchGesture)
    return area


WORD_JOINER = "\u2060"     # invisible; no line break may fall here


def keep_ending_together(name: str) -> str:
    """A Chinese name whose last two characters stay on one line: 社保参保缴费|证明, never 社保参保缴费证|明."""
    if len(name) >= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in name[-2:]):
        return name[:-1] + WORD_JOINER + name[-1]
    return name


class Tile(QPushButton):
    """A large button whose name wraps onto several lines, with an optional second line saying why it is off."""

    def __init__(self, name: str, reason: str = ""):
        super().__init__()
        self.setProperty("role", "tile")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 12)
        layout.setSpacing(4)
        self.name_label = label(name, role="tile_name")
        self.reason_label = label(("⚠ " + reason) if reason else "", role="tile_reason")
        self.reason_label.setVisible(bool(reason))
        for part in (self.name_label, self.reason_label):
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            layout.addWidget(part)
        self.set_texts(name, reason)

    def set_texts(self, name: str, reason: str) -> None:
        """Change the tile's words in place (a language switch, or the item became (un)available)."""
        shown_name = keep_ending_together(name)
        if self.name_label.text() != shown_name:
            self.name_label.setText(shown_name)
        shown_reason = ("⚠ " + reason) if reason else ""
        if self.reason_label.text() != shown_reason:
            self.reason_label.setText(shown_reason)
        self.reason_label.setVisible(bool(reason))
        self.setAccessibleName(f"{name} {reason}".strip())
        self.setEnabled(not reason)

    def sizeHint(self):
        return self.layout().sizeHint().expandedTo(self.minimumSizeHint())

    def minimumSizeHint(self):
        # Wrapped labels report a tall minimum for a narrow guess; the real height comes from heightForWidth.
        margins = self.layout().contentsMargins()
        lines = 1 + (1 if self.reason_label.text() else 0)
        height = lines * self.name_label.fontMetrics().height() + margins.top() + margins.bottom() + 8
        return QSize(min(self.layout().minimumSize().width(), 240), max(height, self.minimumHeight()))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        return max(layout.totalHeightForWidth(width) if layout else 0, self.minimumHeight())


class ButtonGrid(QWidget):
    """Buttons laid out in rows of `columns`; re-flows when the column count changes."""

    def __init__(self, columns: int = 4, spacing: int = 12):
        super().__init__()
        self.columns = columns
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(spacing)
        self.buttons: list[QWidget] = []

    def set_buttons(self, buttons: Sequence[QWidget]) -> None:
        """Show exactly `buttons`, in order; buttons no longer listed are hidden, not deleted (callers reuse them)."""
        buttons = list(buttons)
        if buttons == self.buttons:
            return
        for b in self.buttons:
            self.grid.removeWidget(b)
            if b not in buttons:
                b.hide()
        self.buttons = buttons
        self._place()
        for b in buttons:
            b.show()

    def set_columns(self, columns: int) -> None:
        if columns != self.columns:
            self.columns = columns
            for b in self.buttons:
                self.grid.removeWidget(b)
            self._place()

    def _place(self) -> None:
        for i, b in enumerate(self.buttons):
            self.grid.addWidget(b, i // self.columns, i % self.columns)
        for c in range(self.grid.columnCount()):
            self.grid.setColumnStretch(c, 1 if c < self.columns else 0)


def clear_layout(layout) -> None:
    """Remove every widget from `layout` at once (not at the next event-loop turn)."""
    while layout.count():
        widget = layout.takeAt(0).widget()
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()


def card() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("Card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(24, 20, 24, 20)
    layout.setSpacing(12)
    return frame, layout


def qr_pixmap(data: str, size_px: int) -> QPixmap:
    """A crisp QR code of `data`, scaled to `size_px` without smoothing."""
    import qrcode    # home shows a code only once the services are up: not on the way to the first paint

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=8)
    qr.add_data(data)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap.scaled(size_px, size_px, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)


class QrView(QLabel):
    """Shows a QR code; empty until `show_data` is called."""

    def __init__(self, size_px: int = 360):
        super().__init__()
        self.size_px = size_px
        self.data = ""
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFixedSize(size_px + 16, size_px + 16)
        self.setStyleSheet("background: white; border-radius: 8px;")

    def set_size(self, size_px: int) -> None:
        """Change the QR's size (e.g. for portrait) and redraw what it shows."""
        self.size_px = size_px
        self.setFixedSize(size_px + 16, size_px + 16)
        if self.data:
            self.setPixmap(qr_pixmap(self.data, size_px))

    def show_data(self, data: str) -> None:
        self.data = data
        self.setPixmap(qr_pixmap(data, self.size_px))

    def clear_code(self) -> None:
        self.data = ""
        self.clear()


class NumericKeypad(QWidget):
    """A large on-screen keypad for digits (and X for ID numbers); emits key presses."""

    key_pressed = Signal(str)   # a digit or "X"
    delete_pressed = Signal()
    clear_pressed = Signal()

    def __init__(self, delete_text: str, clear_text: str):
        super().__init__()
        grid = QGridLayout(self)
        grid.setSpacing(10)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0"]
        self.keys: dict[str, QPushButton] = {}
        for i, key in enumerate(keys):
            b = button(key, on_click=lambda _=False, k=key: self.key_pressed.emit(k))
            b.setObjectName(f"key_{key}")
            grid.addWidget(b, i // 3, i % 3)
            self.keys[key] = b
        self.delete_button = button(delete_text, on_click=lambda: self.delete_pressed.emit())
        self.clear_button = button(clear_text, on_click=lambda: self.clear_pressed.emit())
        grid.addWidget(self.delete_button, 3, 2)
        grid.addWidget(self.clear_button, 4, 0, 1, 3)

    def key(self, name: str) -> QPushButton:
        """The button of one key ("0"-"9" or "X")."""
        return self.keys[name]

    def retranslate(self, delete_text: str, clear_text: str) -> None:
        self.delete_button.setText(delete_text)
        self.clear_button.setText(clear_text)


def no_entry_icon(size: int, colour: str) -> QPixmap:
    """A 'no entry' sign (a filled circle with a white bar), drawn: the installed fonts lack the emoji."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(2, 2, size - 4, size - 4)
    painter.setBrush(QColor("#FFFFFF"))
    bar = size // 6
    painter.drawRoundedRect(size // 5, size // 2 - bar // 2, size - 2 * (size // 5), bar, bar // 3, bar // 3)
    painter.end()
    return pixmap
