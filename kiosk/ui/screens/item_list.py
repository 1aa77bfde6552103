"""The catalogue's item list as Qt model/view: one painted row per item, so 2,100 items cost no widgets.

Rows are finger-sized, scroll kinetically under touch, and an item that cannot be done now says why in words."""
from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QListView, QScroller, QStyle, QStyledItemDelegate,
                               QStyleOptionViewItem)

from kiosk.central.models import CatalogItem
from kiosk.ui.theme import PALETTE, Sizes

ItemIdRole = Qt.ItemDataRole.UserRole + 1
ReasonRole = Qt.ItemDataRole.UserRole + 2
AnyIndex = QModelIndex | QPersistentModelIndex


class ItemListModel(QAbstractListModel):
    """(item, why it cannot be done now or "") rows, named in the screen's language."""

    def __init__(self) -> None:
        super().__init__()
        self._entries: list[tuple[CatalogItem, str]] = []
        self._rows: dict[str, int] = {}
        self._en = False
        self._chinese_only = ""

    def set_entries(self, entries: list[tuple[CatalogItem, str]], en: bool, chinese_only: str = "") -> None:
        """Show `entries`; in English, an item without an English name shows its Chinese one and `chinese_only`."""
        self.beginResetModel()
        self._entries = list(entries)
        self._rows = {item.id: row for row, (item, _) in enumerate(self._entries)}
        self._en, self._chinese_only = en, chinese_only
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def row_of(self, item_id: str) -> int | None:
        return self._rows.get(item_id)

    def name(self, item: CatalogItem) -> str:
        if not self._en:
            return item.name_zh
        if item.name_en:
            return item.name_en
        return f"{item.name_zh}  {self._chinese_only}".rstrip()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        item, reason = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.name(item)
        if role == ReasonRole:
            return reason
        if role == ItemIdRole:
            return item.id
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.name(item)} {reason}".strip()
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        _, reason = self._entries[index.row()]
        return Qt.ItemFlag.NoItemFlags if reason else Qt.ItemFlag.ItemIsEnabled


class ItemDelegate(QStyledItemDelegate):
    """Paints a row as a tile: the name in large type, and under it, when the item is off, the reason in words."""

    def __init__(self, sizes: Sizes, parent=None):
        super().__init__(parent)
        self.set_sizes(sizes)

    def set_sizes(self, sizes: Sizes) -> None:
        self.sizes = sizes
        self.name_font = QFont()
        self.name_font.setPixelSize(sizes.button_text)
        self.name_font.setWeight(QFont.Weight.DemiBold)
        self.reason_font = QFont()
        self.reason_font.setPixelSize(sizes.body)
        self.padding = sizes.spacing
        name_height = QFontMetrics(self.name_font).lineSpacing()
        reason_height = QFontMetrics(self.reason_font).lineSpacing()
        self.row_height = max(sizes.touch_min, 2 * self.padding + name_height + reason_height)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return QSize(max(option.rect.width(), 200), self.row_height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        palette = PALETTE
        rect = option.rect.adjusted(2, 2, -2, -2) 
        reason = index.data(ReasonRole) or ""
        enabled = not reason
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pressed = bool(option.state & QStyle.StateFlag.State_Sunken)
        painter.setBrush(QColor(palette.surface if enabled else palette.disabled_bg))
        pen = QPen(QColor(palette.primary if pressed else palette.border), 2)
        if not enabled:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawRoundedRect(rect, 10, 10)
        inner = rect.adjusted(self.padding, 0, -self.padding, 0)
        painter.setFont(self.name_font)
        painter.setPen(QColor(palette.text if enabled else palette.disabled_text))
        metrics = QFontMetrics(self.name_font)
        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        if reason:
            top = QRect(inner.left(), inner.top() + self.padding, inner.width(), metrics.lineSpacing())
            painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(name, Qt.TextElideMode.ElideRight, inner.width()))
            painter.setFont(self.reason_font)
            painter.setPen(QColor(palette.error_text))
            below = QRect(inner.left(), top.bottom() + 1, inner.width(), inner.bottom() - top.bottom())
            painter.drawText(below, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                             QFontMetrics(self.reason_font).elidedText("⚠ " + reason, Qt.TextElideMode.ElideRight,
                                                                       inner.width()))
        else:   # a long name may take both lines
            painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter |
                             Qt.TextFlag.TextWordWrap, name)
        painter.restore()


class ItemListView(QListView):
    """The list itself: touch scrolling with momentum, a scroll bar a finger can hold; emits `chosen(item_id)`."""

    chosen = Signal(str)

    def __init__(self, sizes: Sizes):
        super().__init__()
        self.setObjectName("item_list")
        self.list_model = ItemListModel()
        self.delegate = ItemDelegate(sizes, self)
        self.setModel(self.list_model)
        self.setItemDelegate(self.delegate)
        self.setUniformItemSizes(True)
        self.setSpacing(6)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.verticalScrollBar().setSingleStep(self.delegate.row_height // 2)
        # A finger flicks the list; a mouse (technicians, tests) still clicks and drags the scroll bar.
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.clicked.connect(self._clicked)

    def set_sizes(self, sizes: Sizes) -> None:
        self.delegate.set_sizes(sizes)
        self.verticalScrollBar().setSingleStep(self.delegate.row_height // 2)
        self.scheduleDelayedItemsLayout()

    def show_items(self, entries: list[tuple[CatalogItem, str]], en: bool, chinese_only: str = "") -> None:
        self.list_model.set_entries(entries, en, chinese_only)
        self.scrollToTop()

    def item_ids(self) -> list[str]:
        """The ids of the rows, in order (for tests and the demo)."""
        return [self.list_model.index(row).data(ItemIdRole) for row in range(self.list_model.rowCount())]

    def item_rect(self, item_id: str) -> QRect | None:
        """Where the item's row is on the viewport, after scrolling it into view; None when it is not listed."""
        row = self.list_model.row_of(item_id)
        if row is None:
            return None
        index = self.list_model.index(row)
        self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return self.visualRect(index)

    def _clicked(self, index: QModelIndex) -> None:
        if self.list_model.flags(index) & Qt.ItemFlag.ItemIsEnabled:
            self.chosen.emit(index.data(ItemIdRole))
