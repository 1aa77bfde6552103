"""A row of the kiosk's item list, tapped the way a finger taps it: a press and release where the row is drawn.

For the demo, the tests and the benchmarks, which were written against buttons; the kiosk never imports it."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


class ListRow:
    """The row of `item_id` in an ItemListView, with a button's isEnabled / isVisible / click."""

    def __init__(self, view, item_id: str):
        self.view = view
        self.item_id = item_id

    def _row(self) -> int | None:
        return self.view.list_model.row_of(self.item_id)

    def isVisible(self) -> bool:
        return self.view.isVisible() and self._row() is not None

    def isEnabled(self) -> bool:
        row = self._row()
        return row is not None and bool(self.view.list_model.flags(self.view.list_model.index(row))
                                        & Qt.ItemFlag.ItemIsEnabled)

    def click(self) -> None:
        rect = self.view.item_rect(self.item_id)
        if rect is None:
            raise LookupError(f"item {self.item_id!r} is not in the list")
        QTest.mouseClick(self.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         rect.center())
