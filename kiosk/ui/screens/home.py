"""Home: hall and welcome, the live login QR with 扫码登录, most-used items and categories.

Shown between visits; holds nothing about any citizen (the QR is a fresh, unused login code)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.central.models import CatalogItem, Category
from kiosk.core.session import Stage, Visit
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.screens.tiles import CategoryButtons, ItemTiles
from kiosk.ui.widgets import ButtonGrid, QrView, button, card, label, touch_scroll_area


HOME_CATEGORIES = 6   # with the 全部事项 button: seven, what the landscape column holds in elderly mode too

class HomeScreen(Screen):
    stage = Stage.HOME
    voice_key = "voice.home"
    login_requested = Signal()
    item_chosen = Signal(str)
    browse_requested = Signal(str)   # category id, "" for all

    def __init__(self, ctx: UiContext):
        super().__init__(ctx)
        self.welcome = label(role="title", align=Qt.AlignmentFlag.AlignCenter)
        self.welcome.setObjectName("home_welcome")
        self.root.addWidget(self.welcome)
        row = self.flip_row()
        login_card, login_layout = card()
        self.login_title = label(role="heading", align=Qt.AlignmentFlag.AlignCenter)
        self.qr = QrView(260)
        self.qr.setObjectName("home_qr")
        self.user_code = label(role="muted", align=Qt.AlignmentFlag.AlignCenter)
        self.user_code.setObjectName("home_user_code")
        self.login_button = button(role="primary", on_click=self.login_requested.emit)
        self.login_button.setObjectName("home_login")
        self.login_hint = label(role="muted", align=Qt.AlignmentFlag.AlignCenter)
        login_layout.addWidget(self.login_title)
        login_layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignCenter)
        login_layout.addWidget(self.user_code)
        login_layout.addStretch(1)
        login_layout.addWidget(self.login_button)
        login_layout.addWidget(self.login_hint)
        self.card_hint = label(role="muted", align=Qt.AlignmentFlag.AlignCenter)
        self.card_hint.setObjectName("home_card_hint")
        self.card_hint.hide()
        login_layout.addWidget(self.card_hint)
        row.addWidget(login_card, 2)
        popular_card, popular_layout = card()
        self.popular_title = label(role="heading")
        self.tiles = ItemTiles(columns=2)
        self.tiles.chosen.connect(self.item_chosen.emit)
        popular_layout.addWidget(self.popular_title)
        self.popular_scroll = touch_scroll_area(self.tiles)   # scrolls only where the screen is too small
        popular_layout.addWidget(self.popular_scroll, 1)
        row.addWidget(popular_card, 3)
        categories_card, categories_layout = card()
        self.categories_title = label(role="heading")
        self.categories = ButtonGrid(columns=1)
        self.category_buttons = CategoryButtons(self.browse_requested.emit)
        categories_layout.addWidget(self.categories_title)
        categories_inside = QWidget()
        inside_layout = QVBoxLayout(categories_inside)
        inside_layout.setContentsMargins(0, 0, 0, 0)
        inside_layout.addWidget(self.categories)
        inside_layout.addStretch(1)
        # 全部事项 comes first, so on a short screen (1600×900 in elderly mode) every category stays in reach
        self.categories_scroll = touch_scroll_area(categories_inside, "home_categories")
        categories_layout.addWidget(self.categories_scroll, 1)
        row.addWidget(categories_card, 1)
        self.row = row
        self.root.addLayout(row, 1)
        self._entries: list[tuple[CatalogItem, str]] = []
        self._categories: tuple[Category, ...] = ()
        self._code = ""

    def show_catalog(self, entries: list[tuple[CatalogItem, str]], categories: tuple[Category, ...]) -> None:
        self._entries = entries
        # A province lists some 21 categories: home shows the first few, "全部事项" leads to all of them.
        self._categories = categories[:HOME_CATEGORIES]
        self.refresh(None)

    def show_login_code(self, verification_uri_complete: str, user_code: str) -> None:
        """Show a live login code on home (or clear it with empty strings)."""
        self._code = user_code
        if verification_uri_complete:
            self.qr.show_data(verification_uri_complete)
        else:
            self.qr.clear_code()
        self.refresh(None)

    def set_card_reader(self, present: bool) -> None:
        """Offer the ID card reader on home too (in elderly mode as well: those citizens need it most)."""
        self.card_hint.setVisible(present)

    def arrange(self, portrait: bool) -> None:
        self.qr.set_size(240 if self.ctx.elderly or not portrait else 300)
        self.login_hint.setVisible(not self.ctx.elderly)     # large text: the card's title says the same
        # elderly mode needs the height for its large buttons; the header already names the hall
        self.welcome.setVisible(not self.ctx.elderly)
        self.tiles.show_items(self._shown_entries(), self.ctx.en)
        self._set_category_columns()
        # landscape: login | most used | categories side by side; portrait: stacked, categories last
        for index, stretch in enumerate((0, 1, 0) if portrait else (2, 3, 2)):
            self.row.setStretch(index, stretch)

    def _set_category_columns(self) -> None:
        self.categories.set_columns((2 if self.ctx.en else 4) if self.portrait else 1)

    def _shown_entries(self) -> list[tuple[CatalogItem, str]]:
        """Six most-used items; four in elderly portrait, where each tile takes two or three lines."""
        return self._entries[:4] if self.portrait and self.ctx.elderly else self._entries

    def refresh(self, visit: Visit | None) -> None:
        tr = self.ctx.tr
        self.welcome.setText(tr("home.welcome"))
        self.login_title.setText(tr("home.login_title"))
        self.login_button.setText(tr("home.login"))
        self.login_hint.setText(tr("home.login_hint"))
        self.card_hint.setText(tr("home.card_hint"))
        self.user_code.setText(tr("login.user_code", code=self._code) if self._code else tr("login.waiting"))
        self.qr.setVisible(bool(self.qr.data))
        self.popular_title.setText(tr("home.popular"))
        self.categories_title.setText(tr("home.categories"))
        self.tiles.show_items(self._shown_entries(), self.ctx.en)
        self.categories.set_buttons(self.category_buttons.buttons(self._categories, self.ctx.en,
                                                                  tr("home.all_items"), None))
        self._set_category_columns()
