"""A grid of item tiles: each tile names an item and, when it cannot be done now, says why.

Disabled tiles keep their text readable and add the reason in words (colour is never the only cue)."""
from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.central.models import CatalogItem
from kiosk.ui.category_icons import category_icon
from kiosk.ui.theme import PALETTE
from kiosk.ui.widgets import ButtonGrid, Tile, button


class ItemTiles(QWidget):
    """Tiles for a list of items; emits `chosen(item_id)`."""

    chosen = Signal(str)

    def __init__(self, columns: int = 2):
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.grid = ButtonGrid(columns, spacing=16)
        layout.addWidget(self.grid)
        layout.addStretch(1)
        self.tiles: dict[str, Tile] = {}        # the tiles shown now, by item id
        self._made: dict[str, Tile] = {}        # every tile made so far, reused (the catalogue is small)

    @property
    def columns(self) -> int:
        return self.grid.columns

    def set_columns(self, columns: int) -> None:
        self.grid.set_columns(columns)

    def show_items(self, entries: list[tuple[CatalogItem, str]], en: bool) -> None:
        """`entries` are (item, reason it is unavailable or "")."""
        self.tiles = {}
        buttons: list[QWidget] = []
        for item, reason in entries:
            name = item.name_en if en and item.name_en else item.name_zh
            tile = self._made.get(item.id)
            if tile is None:
                tile = self._made[item.id] = Tile(name, reason)
                tile.clicked.connect(lambda _=False, item_id=item.id: self.chosen.emit(item_id))
                tile.setObjectName(f"tile_{item.id}")
            else:
                tile.set_texts(name, reason)
            self.tiles[item.id] = tile
            buttons.append(tile)
        self.grid.set_buttons(buttons)


class CategoryButtons:
    """The category buttons of one screen, "all" first; made once, their words and tick updated in place."""

    def __init__(self, on_choose, prefix: str = "category_"):
        self.on_choose = on_choose
        self.prefix = prefix
        self._made: dict[str, QPushButton] = {}
        self._icons: dict[str, tuple[str, bool]] = {}   # category id → (Chinese name, chosen)

    def _set_icon(self, cid: str) -> None:
        name_zh, chosen = self._icons[cid]
        # white on the chosen (blue) button, blue on the others
        self._made[cid].setIcon(category_icon(name_zh, PALETTE.primary_text if chosen else PALETTE.primary))

    def refresh_icons(self) -> None:
        """Draw the icons again (they become available after the first paint)."""
        for cid in self._icons:
            self._set_icon(cid)

    def buttons(self, categories, en: bool, all_text: str, selected: str | None) -> list:
        """The buttons for `categories`; the selected one is marked by a tick as well as by colour."""
        out = []
        chinese = {c.id: c.name_zh for c in categories}
        for cid, name in [("", all_text), *((c.id, c.name_en if en and c.name_en else c.name_zh)
                                            for c in categories)]:
            b = self._made.get(cid)
            if b is None:
                b = self._made[cid] = button(on_click=lambda _=False, c=cid: self.on_choose(c))
                b.setProperty("role", "category")
                b.setObjectName(f"{self.prefix}{cid or 'all'}")
                b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                b.setIconSize(QSize(28, 28))
            chosen = selected is not None and cid == selected
            text = ("✓ " + name) if chosen else name
            if b.text() != text:
                b.setText(text)
            if b.property("selected") != ("true" if chosen else "false"):
                self._icons[cid] = (chinese.get(cid, ""), chosen)
                self._set_icon(cid)
                b.setProperty("selected", "true" if chosen else "false")
                b.style().unpolish(b)
                b.style().polish(b)
            out.append(b)
        return out
