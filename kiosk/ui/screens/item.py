"""Item: the guide (明白卡) beside the form built from the item's schema, with a numeric keypad.

Values prefilled from the citizen's profile are shown masked and read-only; errors sit beside their field."""
from __future__ import annotations

import html

import datetime as _dt

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QVBoxLayout,
                               QWidget)

from kiosk.central.models import CatalogItem, FormField
from kiosk.core.forms import FieldProblem
from kiosk.shared.masking import mask_value
from kiosk.core.session import Stage, Visit
from kiosk.core.year_presets import preset_values, presets_for
from kiosk.ui.screens.base import Screen, UiContext
from kiosk.ui.widgets import ButtonGrid, clear_layout, NumericKeypad, button, card, label

KEYPAD_TYPES = ("digits", "id_number", "phone", "year")


def accepts(validator, text: str) -> bool:
    """Whether a keypad field's validator lets `text` in (the keypad sets text, which validators do not see)."""
    if not isinstance(validator, QRegularExpressionValidator):
        return True
    whole = QRegularExpression.anchoredPattern(validator.regularExpression().pattern())
    return QRegularExpression(whole).match(text).hasMatch()


def digits_pattern(f: FormField) -> str:
    """What a keypad field may hold while it is typed: digits only, as many as the field takes."""
    if f.type == "id_number":
        return r"\d{0,17}|\d{17}[Xx]"
    longest = {"year": 4, "phone": 11}.get(f.type) or f.max_length or 32
    return rf"\d{{0,{longest}}}"


class ItemScreen(Screen):
    stage = Stage.ITEM
    voice_key = "voice.item"
    next_requested = Signal(dict)
    back_requested = Signal()

    def __init__(self, ctx: UiContext):
        super().__init__(ctx)
        self.title = label(role="title")
        self.root.addWidget(self.title)
        row = self.flip_row()
        guide_card, guide_layout = card()
        self.guide_title = label(role="heading")
        self.guide_body = label()
        self.guide_body.setTextFormat(Qt.TextFormat.RichText)
        self.guide_body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        guide_scroll = QScrollArea()
        guide_scroll.setWidgetResizable(True)
        guide_scroll.setWidget(self.guide_body)
        guide_layout.addWidget(self.guide_title)
        guide_layout.addWidget(guide_scroll, 1)
        row.addWidget(guide_card, 4)
        form_card, form_layout = card()
        self.form_title = label(role="heading")
        form_layout.addWidget(self.form_title)
        self.form_area = QWidget()
        self.form_layout = QVBoxLayout(self.form_area)
        self.form_layout.setContentsMargins(0, 0, 0, 0)
        form_scroll = QScrollArea()
        form_scroll.setWidgetResizable(True)
        form_scroll.setWidget(self.form_area)
        form_layout.addWidget(form_scroll, 1)
        row.addWidget(form_card, 4)
        self.keypad = NumericKeypad("", "")
        self.keypad.key_pressed.connect(self._keypad_key)
        self.keypad.delete_pressed.connect(lambda: self._edit_focused(lambda t: t[:-1]))
        self.keypad.clear_pressed.connect(lambda: self._edit_focused(lambda t: ""))
        row.addWidget(self.keypad, 3)
        self.root.addLayout(row, 1)
        nav = QHBoxLayout()
        self.back_button = button(on_click=self.back_requested.emit)
        self.back_button.setObjectName("item_back")
        self.next_button = button(role="primary", on_click=self._next)
        self.next_button.setObjectName("item_next")
        nav.addWidget(self.back_button)
        nav.addStretch(1)
        nav.addWidget(self.next_button)
        self.root.addLayout(nav)
        self.item: CatalogItem | None = None
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        self.field_labels: dict[str, QLabel] = {}
        self.errors: dict[str, QLabel] = {}
        self.readonly: set[str] = set()
        self._hidden_values: dict[str, str] = {}
        self._active: QLineEdit | None = None
        self._problems: list[FieldProblem] = []
        self.preset_buttons: list[QPushButton] = []
        self.presets_label: QLabel | None = None

    def enter(self, visit: Visit) -> None:
        self.item = visit.item
        self._problems = []
        self._build_form(visit)
        super().enter(visit)

    def _build_form(self, visit: Visit) -> None:
        clear_layout(self.form_layout)
        self.inputs, self.field_labels, self.errors, self.readonly = {}, {}, {}, set()
        self._hidden_values = {}
        self._active = None
        if self.item is None:
            return
        profile_values = {f.key for f in self.item.form if f.prefill and visit.profile is not None}
        self.preset_buttons, self.presets_label = [], None
        first_year = next((f.key for f in self.item.form if f.type == "year"), None)
        for f in self.item.form:
            if f.key == first_year:
                self._add_year_presets(self.item.form)      # just above the years they fill
            self.field_labels[f.key] = label(role="")
            self.form_layout.addWidget(self.field_labels[f.key])
            value = visit.values.get(f.key, "")
            widget: QLineEdit | QComboBox
            if f.type == "choice":
                widget = self._choice(f, value)
            else:
                widget = self._line(f, value, prefilled=f.key in profile_values and bool(value))
            widget.setObjectName(f"field_{f.key}")
            self.inputs[f.key] = widget
            self.form_layout.addWidget(widget)
            error = label(role="error")
            error.setObjectName(f"error_{f.key}")
            error.setVisible(False)
            self.errors[f.key] = error
            self.form_layout.addWidget(error)
        self.form_layout.addStretch(1)
        first_editable = next((f for f in self.item.form if f.key not in self.readonly and f.type != "choice"), None)
        if first_editable:
            first = self.inputs[first_editable.key]
            self._active = first if isinstance(first, QLineEdit) else None
        self._update_keypad()

    def _add_year_presets(self, form) -> None:
        """A row of one-tap year answers (今年, 近3年 …) for a form that asks for years."""
        presets = presets_for(form, _dt.date.today().year)
        if not presets:
            return
        self.presets_label = label(role="")
        self.form_layout.addWidget(self.presets_label)
        for preset in presets:
            b = button(on_click=lambda _=False, p=preset: self._apply_preset(p))
            b.setObjectName(f"preset_{preset.key.rsplit('.', 1)[-1]}")
            b.setProperty("preset_key", preset.key)
            self.preset_buttons.append(b)
        self.preset_grid = ButtonGrid(columns=len(presets), spacing=8)
        self.preset_grid.set_buttons(self.preset_buttons)
        self.form_layout.addWidget(self.preset_grid)

    def _apply_preset(self, preset) -> None:
        if self.item is None:
            return
        for key, value in preset_values(self.item.form, preset).items():
            widget = self.inputs.get(key)
            if isinstance(widget, QLineEdit) and not widget.isReadOnly():
                widget.setText(value)
        self._problems = [p for p in self._problems if p.field not in preset_values(self.item.form, preset)]
        self.refresh(None)

    def _choice(self, f, value: str) -> QComboBox:
        """A list of choices in the screen's language; each carries the Chinese value central expects."""
        widget = QComboBox()
        widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for choice in f.choices:
            widget.addItem(f.choice_label(choice, self.ctx.en), choice)
        if value in f.choices:
            widget.setCurrentIndex(f.choices.index(value))
        return widget

    def _line(self, f, value: str, *, prefilled: bool) -> QLineEdit:
        """A text field; a value from the citizen's record is shown masked and read-only."""
        widget = QLineEdit()
        if prefilled:
            self._hidden_values[f.key] = value
            widget.setText(mask_value(f.mask, value) if f.mask else value)
            widget.setReadOnly(True)
            self.readonly.add(f.key)
        else:
            widget.setText(value)
        widget.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        if f.type in KEYPAD_TYPES:
            # digits come from the big keypad, not from the virtual keyboard; a hardware keyboard or scanner
            # cannot put anything else in either ("." and spaces are refused as they are typed)
            widget.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhNoPredictiveText)
            widget.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
            widget.setValidator(QRegularExpressionValidator(QRegularExpression(digits_pattern(f)), widget))
        else:
            widget.setInputMethodHints(Qt.InputMethodHint.ImhPreferLatin if f.type == "date"
                                       else Qt.InputMethodHint.ImhNone)
        widget.installEventFilter(self)
        return widget

    def eventFilter(self, watched, event) -> bool:
        if event.type() == event.Type.FocusIn and isinstance(watched, QLineEdit):
            self._active = watched
            self._update_keypad()
        return False

    def _field_of(self, widget) -> FormField | None:
        if self.item is None:
            return None
        key = next((k for k, w in self.inputs.items() if w is widget), None)
        return next((f for f in self.item.form if f.key == key), None)

    def _update_keypad(self) -> None:
        field = self._field_of(self._active)
        self.keypad.setVisible(field is not None and field.type in KEYPAD_TYPES and field.key not in self.readonly)

    def _keypad_key(self, key: str) -> None:
        field = self._field_of(self._active)
        if field is None or (key == "X" and field.type != "id_number"):
            return
        self._edit_focused(lambda t: t + key)

    def _edit_focused(self, change) -> None:
        if self._active is not None and not self._active.isReadOnly():
            text = change(self._active.text())
            validator = self._active.validator()
            if not accepts(validator, text):
                return          # a fifth digit of a year, an X inside an ID number: the key does nothing
            self._active.setText(text)

    def values(self) -> dict[str, str]:
        """What the form holds now (read-only prefilled fields give their real, unmasked value)."""
        values = {}
        for key, widget in self.inputs.items():
            if key in self._hidden_values:
                values[key] = self._hidden_values[key]
            elif isinstance(widget, QComboBox):
                values[key] = str(widget.currentData() or "")
            else:
                values[key] = widget.text()
        return values

    def show_problems(self, problems: list[FieldProblem]) -> None:
        self._problems = problems
        self.refresh(None)

    def _next(self) -> None:
        self.next_requested.emit(self.values())

    def refresh(self, visit: Visit | None) -> None:
        tr = self.ctx.tr
        item = self.item
        en = self.ctx.en
        self.title.setText((item.name_en if en and item and item.name_en else item.name_zh) if item else "")
        self.guide_title.setText(tr("item.guide"))
        self.form_title.setText(tr("item.form"))
        self.back_button.setText(tr("item.back"))
        self.next_button.setText(tr("item.next"))
        self.keypad.retranslate(tr("keypad.delete"), tr("keypad.clear"))
        if item is None:
            self.guide_body.setText("")
            return
        g, translated = item.guide.in_language(en)
        esc = html.escape      # the guide's words are central's text, never markup
        faq = "".join(f"<p><b>{tr('item.question', text=esc(q))}</b><br/>{tr('item.answer', text=esc(a))}</p>"
                      for q, a in g.faq)
        materials = "".join(f"<li>{esc(m)}</li>" for m in g.materials)

        def field(key: str, value: str) -> str:
            return tr("common.label_value", label=f"<b>{tr(key)}</b>", value=value)

        self.guide_body.setText(
            ("" if translated else f"<p><i>{tr('item.guide_chinese_only')}</i></p>") +
            f"<p>{esc(g.summary)}</p>"
            f"<p>{field('item.eligibility', esc(g.eligibility))}</p>"
            f"<p><b>{tr('item.materials')}</b></p><ul>{materials}</ul>"
            f"<p>{field('item.time_limit', esc(g.time_limit))}　{field('item.fee', esc(g.fee))}</p>"
            + (f"<p><b>{tr('item.faq')}</b></p>{faq}" if faq else ""))
        if self.preset_buttons and self.presets_label is not None:
            self.presets_label.setText(tr("item.presets"))
            # four across in Chinese; two rows of two where the words are longer or larger
            wide = len(self.preset_buttons) > 2 and (en or self.ctx.elderly)
            self.preset_grid.set_columns(2 if wide else len(self.preset_buttons))
            for b in self.preset_buttons:
                b.setText(tr(b.property("preset_key")))
        problems = {p.field: p for p in self._problems}
        for f in item.form:
            name = f.label(en)
            self.field_labels[f.key].setText(name if f.required else tr("form.optional", label=name))
            widget_now = self.inputs[f.key]
            if isinstance(widget_now, QComboBox):
                for index, choice in enumerate(f.choices):
                    widget_now.setItemText(index, f.choice_label(choice, en))
            problem = problems.get(f.key)
            error = self.errors[f.key]
            error.setText("⚠ " + tr(problem.key, **dict(problem.params)) if problem else "")
            error.setVisible(problem is not None)
            widget = self.inputs[f.key]
            invalid = "true" if problem else "false"
            if widget.property("invalid") != invalid:
                widget.setProperty("invalid", invalid)
                widget.style().unpolish(widget)
                widget.style().polish(widget)

    def leave(self) -> None:
        for widget in self.inputs.values():
            if isinstance(widget, QLineEdit):
                widget.clear()
        self._hidden_values = {}
        self.inputs = {}
        self.item = None
        self._problems = []
        clear_layout(self.form_layout)
