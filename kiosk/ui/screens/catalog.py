"""Catalogue: every item by category, most-used first, with search by name, pinyin or initials.

The list is model/view (item_list.py) and the search waits for a pause in typing; items that cannot be done now
are shown disabled with the reason in words."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.central.models import CatalogItem, Category
from kiosk.shared.masking import mask_name
from kiosk.core.session import Stage, Visit
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.screens.item_list import ItemListView
from kiosk.ui.screens.tiles import CategoryButtons
from kiosk.ui.theme import sizes_for
from kiosk.ui.widgets import ButtonGrid, button, label, touch_scroll_area


SEARCH_PAUSE_MS = 150


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
        # Typing restarts a short wait; the list is searched once the citizen pauses, not at every letter.
        self.search_pause = QTimer(self)
        self.search_pause.setSingleShot(True)
        self.search_pause.setInterval(SEARCH_PAUSE_MS)
        self.search_pause.timeout.connect(self.search_now)
        self.search.textChanged.connect(lambda _text: self.search_pause.start())
        self.root.addWidget(self.search)
        # Categories on a rail at the left (a province has some 21), the items beside them.
        body = QHBoxLayout()
        self.categories = ButtonGrid(columns=1, spacing=8)
        self.category_buttons = CategoryButtons(self.choose_category, "catalog_category_")
        rail_inside = QWidget()
        rail_layout = QVBoxLayout(rail_inside)
        rail_layout.setContentsMargins(0, 0, 8, 0)
        rail_layout.addWidget(self.categories)
        rail_layout.addStretch(1)
        self.rail = touch_scroll_area(rail_inside, "category_rail")
        body.addWidget(self.rail)
        column = QVBoxLayout()
        self.items = ItemListView(sizes_for(ctx.elderly))
        self.items.chosen.connect(self.item_chosen.emit)
        column.addWidget(self.items, 1)
        self.empty = label(role="muted")
        self.empty.setObjectName("catalog_empty")
        column.addWidget(self.empty)
        body.addLayout(column, 1)
        self.root.addLayout(body, 1)
        self._categories: tuple[Category, ...] = ()
        self._entries: list[tuple[CatalogItem, str]] = []
        self._visit: Visit | None = None

    def set_categories(self, categories: tuple[Category, ...]) -> None:
        self._categories = categories
        self._show_categories()

    def choose_category(self, category_id: str) -> None:
        self.category = category_id
        self._show_categories()
        self.search_now()

    def search_now(self) -> None:
        """Ask for the items matching the search box and category now (a pause in typing, or a category tap)."""
        self.search_pause.stop()
        self.query_changed.emit(self.search.text(), self.category)

    def show_items(self, entries: list[tuple[CatalogItem, str]]) -> None:
        self._entries = entries
        self.items.show_items(entries, self.ctx.en, self.ctx.tr("catalog.chinese_only"))
        letters = "".join(self.search.text().split())
        one_letter = len(letters) == 1 and letters.isascii() and letters.isalpha()
        self.empty.setText("" if entries else self.ctx.tr("catalog.more_letters" if one_letter else "catalog.no_match"))
        self.empty.setVisible(not entries)

    def enter(self, visit: Visit) -> None:
        self._visit = visit
        super().enter(visit)

    def arrange(self, portrait: bool) -> None:
        self._show_categories()

    def _show_categories(self) -> None:
        tr = self.ctx.tr
        buttons = self.category_buttons.buttons(self._categories, self.ctx.en, tr("home.all_items"), self.category)
        self.categories.set_buttons(buttons)
        # As wide as the longest name (with its tick), never more than a third of the screen.
        widest = max((b.sizeHint().width() for b in buttons), default=0)
        limit = max(240, self.width() // 3) if self.width() > 0 else 600
        narrowest = 8 * sizes_for(self.ctx.elderly).button_text + 64     # room for a six-character name and ✓
        wanted = max(widest, narrowest) + self.rail.verticalScrollBar().sizeHint().width() + 24
        self.rail.setFixedWidth(min(wanted, limit))

    def refresh(self, visit: Visit | None) -> None:
        visit = visit or self._visit
        tr = self.ctx.tr
        self.title.setText(tr("catalog.title"))
        self.search.setPlaceholderText(tr("catalog.search"))
        profile = visit.profile if visit else None
        self.greeting.setText(tr("catalog.greeting", name=mask_name(profile.name)) if profile else "")
        self.logout_button.setText(tr("catalog.logout"))
        self.logout_button.setVisible(profile is not None)
        if self.items.delegate.sizes != sizes_for(self.ctx.elderly):
            self.items.set_sizes(sizes_for(self.ctx.elderly))
        self._show_categories()
        self.show_items(self._entries)

    def keyboard_open(self, is_open: bool) -> None:
        # The title row gives its height to the results; the search field stays where the finger left it.
        for widget in (self.title, self.greeting, self.logout_button):
            widget.setVisible(not is_open and (widget is not self.logout_button or self._visit is not None
                                                and self._visit.profile is not None))

    def hideEvent(self, event) -> None:
        self.search_pause.stop()        # a search due after the screen (or the window) went away is not run
        super().hideEvent(event)

    def leave(self) -> None:
        self.search_pause.stop()
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.greeting.clear()
        self._visit = None
