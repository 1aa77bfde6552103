"""Confirm: the values about to be submitted, personal ones masked, with submit and change.

Nothing is sent until the citizen taps submit."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout

from kiosk.shared.masking import mask_value
from kiosk.core.session import Stage, Visit
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.widgets import button, card, label


class ConfirmScreen(Screen):
    stage = Stage.CONFIRM
    voice_key = "voice.confirm"
    submit_requested = Signal()
    edit_requested = Signal()

    def __init__(self, ctx: UiContext):
        super().__init__(ctx)
        self.title = label(role="title")
        self.root.addWidget(self.title)
        body_card, body_layout = card()
        self.item_name = label(role="heading")
        self.summary = label()
        self.summary.setObjectName("confirm_summary")
        self.error = label(role="error")
        self.error.setObjectName("confirm_error")
        body_layout.addWidget(self.item_name)
        body_layout.addWidget(self.summary)
        body_layout.addWidget(self.error)
        body_layout.addStretch(1)
        self.root.addWidget(body_card, 1)
        nav = QHBoxLayout()
        self.edit_button = button(on_click=self.edit_requested.emit)
        self.edit_button.setObjectName("confirm_edit")
        self.submit_button = button(role="primary", on_click=self.submit_requested.emit)
        self.submit_button.setObjectName("confirm_submit")
        nav.addWidget(self.edit_button)
        nav.addStretch(1)
        nav.addWidget(self.submit_button)
        self.root.addLayout(nav)
        self._visit: Visit | None = None

    def enter(self, visit: Visit) -> None:
        self._visit = visit
        super().enter(visit)

    def refresh(self, visit: Visit | None) -> None:
        visit = visit or self._visit
        tr = self.ctx.tr
        en = self.ctx.en
        self.title.setText(tr("confirm.title"))
        self.edit_button.setText(tr("confirm.edit"))
        self.submit_button.setText(tr("confirm.submit"))
        if visit is None or visit.item is None:
            return
        item = visit.item
        self.item_name.setText(item.name_en if en and item.name_en else item.name_zh)
        lines = []
        for f in item.form:
            value = visit.values.get(f.key, "")
            shown = mask_value(f.mask, value) if f.mask and value else f.choice_label(value, en)
            lines.append(tr("common.label_value", label=f.label(en), value=shown or "—"))
        self.summary.setText("\n".join(lines))
        self.error.setText(tr(visit.error, reason=visit.error_detail) if visit.error else "")
        self.error.setVisible(bool(visit.error))

    def leave(self) -> None:
        self.summary.clear()
        self.item_name.clear()
        self.error.clear()
        self._visit = None
