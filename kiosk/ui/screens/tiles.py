"""A grid of item tiles: each tile names an item and, when it cannot be done now, says why.

Disabled tiles keep their text readable and add the reason in words (colour is never the only cue)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from kiosk.central.models import CatalogItem
from kiosk.ui.widgets import clear_layout, button


class ItemTiles(QWidget):
    """Tiles for a list of items; emits `chosen(item_id)`."""

    chosen = Signal(str)

    def __init__(self, columns: int = 2):
        super().__init__()
        self.columns = columns
        self.grid = QGridLayout(self)
        self.grid.setSpacing(16)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.tiles = {}

    def show_items(self, entries: list[tuple[CatalogItem, str]], en: bool) -> None:
        """`entries` are (item, reason it is unavailable or "")."""
        clear_layout(self.grid)
        self.tiles = {}
        for i, (item, reason) in enumerate(entries):
            name = item.name_en if en and item.name_en else item.name_zh
            text = f"{name}\n{reason}" if reason else name
            tile = button(text, role="tile", on_click=lambda _=False, item_id=item.id: self.chosen.emit(item_id))
            tile.setObjectName(f"tile_{item.id}")
            tile.setEnabled(not reason)
            self.tiles[item.id] = tile
            self.grid.addWidget(tile, i // self.columns, i % self.columns)
