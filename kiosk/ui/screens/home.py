"""Home: welcome, the way to log in, most-used items and categories.

Shown between visits; holds nothing about any citizen."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout

from kiosk.central.models import CatalogItem, Category
from kiosk.core.session import Stage, Visit
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.screens.tiles import ItemTiles
from kiosk.ui.widgets import clear_layout, button, card, label


class HomeScreen(Screen):
    stage = Stage.HOME
    voice_key = "voice.home"
    login_requested = Signal()
    item_chosen = Signal(str)
    browse_requested = Signal(str)   # category id, "" for all

    def __init__(self, ctx: UiContext):
        super().__init__(ctx)
        self.welcome = label(role="title", align=Qt.AlignCenter)
        self.root.addWidget(self.welcome)
        row = QHBoxLayout()
        row.setSpacing(24)
        login_card, login_layout = card()
        self.login_hint = label(role="muted", align=Qt.AlignCenter)
        self.login_button = button(role="primary", on_click=self.login_requested.emit)
        self.login_button.setObjectName("home_login")
        self.login_button.setMinimumHeight(160)
        login_layout.addStretch(1)
        login_layout.addWidget(self.login_button)
        login_layout.addWidget(self.login_hint)
        login_layout.addStretch(1)
        row.addWidget(login_card, 2)
        popular_card, popular_layout = card()
        self.popular_title = label(role="heading")
        self.tiles = ItemTiles(columns=2)
        self.tiles.chosen.connect(self.item_chosen.emit)
        popular_layout.addWidget(self.popular_title)
        popular_layout.addWidget(self.tiles)
        popular_layout.addStretch(1)
        row.addWidget(popular_card, 3)
        self.root.addLayout(row, 1)
        self.categories_title = label(role="heading")
        self.root.addWidget(self.categories_title)
        self.category_row = QHBoxLayout()
        self.category_row.setSpacing(12)
        self.root.addLayout(self.category_row)
        self._entries: list[tuple[CatalogItem, str]] = []
        self._categories: tuple[Category, ...] = ()

    def show_catalog(self, entries: list[tuple[CatalogItem, str]], categories: tuple[Category, ...]) -> None:
        self._entries = entries
        self._categories = categories
        self.refresh(None)

    def refresh(self, visit: Visit | None) -> None:
        tr = self.ctx.tr
        self.welcome.setText(tr("home.welcome"))
        self.login_button.setText(tr("home.login"))
        self.login_hint.setText(tr("home.login_hint"))
        self.popular_title.setText(tr("home.popular"))
        self.categories_title.setText(tr("home.categories"))
        self.tiles.show_items(self._entries, self.ctx.en)
        clear_layout(self.category_row)
        all_button = button(tr("home.all_items"), on_click=lambda: self.browse_requested.emit(""))
        all_button.setObjectName("category_all")
        self.category_row.addWidget(all_button)
        for category in self._categories:
            name = category.name_en if self.ctx.en and category.name_en else category.name_zh
            b = button(name, on_click=lambda _=False, cid=category.id: self.browse_requested.emit(cid))
            b.setObjectName(f"category_{category.id}")
            self.category_row.addWidget(b)
