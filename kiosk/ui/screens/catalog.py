"""Catalogue: every item by category, most-used first, with search by name or pinyin initials.

Items that cannot be done now are shown disabled with the reason in words."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QScrollArea

from kiosk.central.models import CatalogItem, Category
from kiosk.shared.masking import mask_name
from kiosk.core.session import Stage, Visit
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.screens.tiles import CategoryButtons, ItemTiles
from kiosk.ui.widgets import ButtonGrid, button, label


class CatalogScreen(Screen):
    stage = Stage.CATALOG
    voice_key = "voice.catalog"
    item_chosen = Signal(str)
    query_changed = Signal(str, str)   # text, category id
    logout_requested = Signal()

    def __init__(self, ctx: UiContext):
        super().__init__(ctx)
        top = QHBoxLayout()
        self.title = label(role="title")
        self.greeting = label(role="muted")
        self.greeting.setObjectName("greeting")
        self.logout_button = button(on_click=self.logout_requested.emit)
        self.logout_button.setObjectName("logout")
        top.addWidget(self.title, 1)
        top.addWidget(self.greeting)
        top.addWidget(self.logout_button)
        self.root.addLayout(top)
        self.category = ""
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.search.textChanged.connect(lambda text: self.query_changed.emit(text, self.category))
        self.root.addWidget(self.search)
        self.categories = ButtonGrid(columns=7)
        self.category_buttons = CategoryButtons(self.choose_category, "catalog_category_")
        self.root.addWidget(self.categories)
        self.tiles = ItemTiles(columns=2)
        self.tiles.chosen.connect(self.item_chosen.emit)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.tiles)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.root.addWidget(self.scroll_area, 1)
        self.empty = label(role="muted")
        self.empty.setObjectName("catalog_empty")
        self.root.addWidget(self.empty)
        self._categories: tuple[Category, ...] = ()
        self._entries: list[tuple[CatalogItem, str]] = []
        self._visit: Visit | None = None

    def set_categories(self, categories: tuple[Category, ...]) -> None:
        self._categories = categories
        self._show_categories()

    def choose_category(self, category_id: str) -> None:
        self.category = category_id
        self._show_categories()
        self.query_changed.emit(self.search.text(), category_id)

    def show_items(self, entries: list[tuple[CatalogItem, str]]) -> None:
        self._entries = entries
        self.tiles.show_items(entries, self.ctx.en)
        self.empty.setText("" if entries else self.ctx.tr("catalog.no_match"))
        self.empty.setVisible(not entries)

    def enter(self, visit: Visit) -> None:
        self._visit = visit
        super().enter(visit)

    def arrange(self, portrait: bool) -> None:
        self._show_categories()

    def _show_categories(self) -> None:
        tr = self.ctx.tr
        self.categories.set_buttons(self.category_buttons.buttons(self._categories, self.ctx.en,
                                                                  tr("home.all_items"), self.category))
        if self.portrait:
            self.categories.set_columns(2 if self.ctx.en else 4)
        else:
            self.categories.set_columns(4 if self.ctx.en or self.ctx.elderly else 7)

    def refresh(self, visit: Visit | None) -> None:
        visit = visit or self._visit
        tr = self.ctx.tr
        self.title.setText(tr("catalog.title"))
        self.search.setPlaceholderText(tr("catalog.search"))
        profile = visit.profile if visit else None
        self.greeting.setText(tr("catalog.greeting", name=mask_name(profile.name)) if profile else "")
        self.logout_button.setText(tr("catalog.logout"))
        self.logout_button.setVisible(profile is not None)
        self._show_categories()
        self.show_items(self._entries)

    def leave(self) -> None:
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.greeting.clear()
        self._visit = None
