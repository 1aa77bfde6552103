"""Catalogue: every item by category, most-used first, with search by name or pinyin initials.

Items that cannot be done now are shown disabled with the reason in words."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QScrollArea

from kiosk.central.models import CatalogItem, Category
from kiosk.core.masking import mask_name
from kiosk.core.session import Stage, Visit
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.screens.tiles import ItemTiles
from kiosk.ui.widgets import clear_layout, button, label


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
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.textChanged.connect(lambda text: self.query_changed.emit(text, self.category))
        self.root.addWidget(self.search)
        self.category_row = QHBoxLayout()
        self.category_row.setSpacing(12)
        self.root.addLayout(self.category_row)
        self.tiles = ItemTiles(columns=2)
        self.tiles.chosen.connect(self.item_chosen.emit)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.tiles)
        self.root.addWidget(scroll, 1)
        self.empty = label(role="muted")
        self.root.addWidget(self.empty)
        self.category = ""
        self._categories: tuple[Category, ...] = ()
        self._entries: list[tuple[CatalogItem, str]] = []
        self._visit: Visit | None = None

    def set_categories(self, categories: tuple[Category, ...]) -> None:
        self._categories = categories

    def choose_category(self, category_id: str) -> None:
        self.category = category_id
        self.query_changed.emit(self.search.text(), category_id)

    def show_items(self, entries: list[tuple[CatalogItem, str]]) -> None:
        self._entries = entries
        self.tiles.show_items(entries, self.ctx.en)
        self.empty.setText("" if entries else self.ctx.tr("catalog.no_match"))

    def enter(self, visit: Visit) -> None:
        self._visit = visit
        super().enter(visit)

    def refresh(self, visit: Visit | None) -> None:
        visit = visit or self._visit
        tr = self.ctx.tr
        self.title.setText(tr("catalog.title"))
        self.search.setPlaceholderText(tr("catalog.search"))
        profile = visit.profile if visit else None
        self.greeting.setText(tr("catalog.greeting", name=mask_name(profile.name)) if profile else "")
        self.logout_button.setText(tr("catalog.logout"))
        self.logout_button.setVisible(profile is not None)
        clear_layout(self.category_row)
        all_button = button(tr("home.all_items"), role="primary" if not self.category else "",
                            on_click=lambda: self.choose_category(""))
        self.category_row.addWidget(all_button)
        for category in self._categories:
            name = category.name_en if self.ctx.en and category.name_en else category.name_zh
            b = button(name, role="primary" if category.id == self.category else "",
                       on_click=lambda _=False, cid=category.id: self.choose_category(cid))
            b.setObjectName(f"catalog_category_{category.id}")
            self.category_row.addWidget(b)
        self.tiles.show_items(self._entries, self.ctx.en)
        self.empty.setText("" if self._entries else tr("catalog.no_match"))

    def leave(self) -> None:
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.greeting.clear()
        self._visit = None
