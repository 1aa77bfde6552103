"""Form validation against the item schema, and masking of personal data."""
import datetime as dt

import pytest

from kiosk.core.forms import check_form, cleaned_values, id_number_is_valid
from kiosk.shared.masking import mask_id_number, mask_name, mask_phone, mask_value

from tests.core.samples import sample_item

TODAY = dt.date(2026, 11, 21)


def test_valid_form_has_no_problems():
    item = sample_item()
    values = {"name": "张桂英", "id_number": "340102195204121234", "year_from": "2020"}
    assert check_form(item.form, values, TODAY) == []


@pytest.mark.parametrize("field,value,key", [
    ("id_number", "340102195204121239", "form.bad_id_number"),   # wrong check digit
    ("id_number", "34010219520412123", "form.bad_id_number"),    # 17 characters
    ("id_number", "340102195213121238", "form.bad_id_number"),   # month 13
    ("year_from", "1949", "form.bad_year"),
    ("year_from", "2027", "form.bad_year"),
    ("year_from", "", "form.required"),
])
def test_problems_name_the_field_and_message(field, value, key):
    item = sample_item()
    values = {"name": "张桂英", "id_number": "340102195204121234", "year_from": "2020", field: value}
    problems = check_form(item.form, values, TODAY)
    assert [(p.field, p.key) for p in problems] == [(field, key)]


def test_id_number_check_character_x_is_accepted_in_either_case():
    assert id_number_is_valid("11010519491231002X")
    item = sample_item()
    values = cleaned_values(item.form, {"name": " 张三 ", "id_number": "11010519491231002x", "year_from": "2020"})
    assert values == {"name": "张三", "id_number": "11010519491231002X", "year_from": "2020"}


def test_masks_keep_what_the_rules_say():
    assert mask_id_number("340102195204121234") == "340102********1234"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_name("张桂英") == "张**"
    assert mask_name("欧阳修") == "欧阳*"
    assert mask_value("", "plain") == "plain"
    with pytest.raises(ValueError):
        mask_value("passport", "x")


def test_short_values_never_leak_whole():
    assert "1234" not in mask_id_number("1234")
    assert mask_phone("12345") != "12345"
