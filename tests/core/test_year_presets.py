"""Year presets: a range for a from/to pair, a single year for one field, nothing for a form without years."""
from __future__ import annotations

from kiosk.central.models import FormField
from kiosk.core.year_presets import preset_values, presets_for
from tests.core.samples import sample_item

YEAR_TO = FormField(key="year_to", label_zh="截止年份", label_en="To year", type="year")


def test_two_year_fields_get_ranges_that_fill_both():
    form = sample_item().form + (YEAR_TO,)      # year_from, year_to
    presets = presets_for(form, 2026)
    assert [p.key.rsplit(".", 1)[-1] for p in presets] == ["this_year", "last_year", "last_3", "last_5"]
    assert preset_values(form, presets[2]) == {"year_from": "2024", "year_to": "2026"}
    assert preset_values(form, presets[1]) == {"year_from": "2025", "year_to": "2025"}


def test_one_year_field_gets_single_years_and_a_form_without_years_none():
    form = sample_item().form                    # year_from only
    assert [p.years for p in presets_for(form, 2026)] == [(2026,), (2025,)]
    assert presets_for(tuple(f for f in form if f.type != "year"), 2026) == []
