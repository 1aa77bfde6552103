"""One-tap answers for year fields (今年, 去年, 近3年, 近5年), so a common item needs no typing of years.

Qt-free: the item screen shows a button for each preset; a preset fills every year field of the form at once."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.central.models import FormField


@dataclass(frozen=True)
class YearPreset:
    """A button's words (an i18n key) and the years it puts in the form's year fields, first to last."""
    key: str
    years: tuple[int, ...]


def year_fields(form: tuple[FormField, ...]) -> list[FormField]:
    return [f for f in form if f.type == "year"]


def presets_for(form: tuple[FormField, ...], this_year: int) -> list[YearPreset]:
    """The presets that fit the form: a range (from, to) for two year fields, a single year for one, none else."""
    fields = year_fields(form)
    if len(fields) == 2:
        return [YearPreset("item.preset.this_year", (this_year, this_year)),
                YearPreset("item.preset.last_year", (this_year - 1, this_year - 1)),
                YearPreset("item.preset.last_3", (this_year - 2, this_year)),
                YearPreset("item.preset.last_5", (this_year - 4, this_year))]
    if len(fields) == 1:
        return [YearPreset("item.preset.this_year", (this_year,)),
                YearPreset("item.preset.last_year", (this_year - 1,))]
    return []


def preset_values(form: tuple[FormField, ...], preset: YearPreset) -> dict[str, str]:
    """The form values a preset gives: each year field, in the form's order, gets its year."""
    return {f.key: str(year) for f, year in zip(year_fields(form), preset.years)}
