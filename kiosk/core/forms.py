"""Validation of an item's form values against its schema (typed fields and rules).

Returns problems as message keys with parameters, translated by kiosk.i18n for the screen."""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from kiosk.central.models import FormField

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class FieldProblem:
    """A value that does not fit its field: `key` names the message, `params` fill it in."""
    field: str
    key: str
    params: tuple[tuple[str, str], ...] = ()


def id_number_is_valid(value: str) -> bool:
    """GB 11643 check: 17 digits, a valid birth date and the ISO 7064 MOD 11-2 check character."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    try:
        _dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == value[17].upper()


def normalise(field: FormField, value: str) -> str:
    """Trim spaces; upper-case the X of an ID number."""
    text = value.strip()
    if field.type == "id_number":
        text = text.upper()
    return text


def check_field(field: FormField, value: str, today: _dt.date | None = None) -> FieldProblem | None:
    """The first problem with `value` for `field`, or None when it is acceptable."""
    text = normalise(field, value)
    if not text:
        return FieldProblem(field.key, "form.required") if field.required else None
    if field.min_length and len(text) < field.min_length:
        return FieldProblem(field.key, "form.too_short", (("n", str(field.min_length)),))
    if field.max_length and len(text) > field.max_length:
        return FieldProblem(field.key, "form.too_long", (("n", str(field.max_length)),))
    kind = field.type
    if kind == "digits" and not _DIGITS.match(text):
        return FieldProblem(field.key, "form.digits_only")
    if kind == "id_number" and not id_number_is_valid(text):
        return FieldProblem(field.key, "form.bad_id_number")
    if kind == "phone" and not _PHONE.match(text):
        return FieldProblem(field.key, "form.bad_phone")
    if kind == "choice" and text not in field.choices:
        return FieldProblem(field.key, "form.bad_choice")
    if kind == "year":
        this_year = (today or _dt.date.today()).year
        if not (_DIGITS.match(text) and 1950 <= int(text) <= this_year):
            return FieldProblem(field.key, "form.bad_year", (("max", str(this_year)),))
    if kind == "date":
        try:
            _dt.date.fromisoformat(text)
        except ValueError:
            return FieldProblem(field.key, "form.bad_date")
    if field.pattern and not re.fullmatch(field.pattern, text):
        return FieldProblem(field.key, "form.bad_format")
    return None


def check_form(fields: tuple[FormField, ...], values: dict[str, str],
               today: _dt.date | None = None) -> list[FieldProblem]:
    """Every problem in a filled form, in field order."""
    problems = []
    for f in fields:
        problem = check_field(f, values.get(f.key, ""), today)
        if problem:
            problems.append(problem)
    return problems


def cleaned_values(fields: tuple[FormField, ...], values: dict[str, str]) -> dict[str, str]:
    """The values to submit: normalised, only the form's own keys."""
    return {f.key: normalise(f, values.get(f.key, "")) for f in fields}
