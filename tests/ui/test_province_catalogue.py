"""The kiosk with a province's 2,100-item catalogue: a list of painted rows (no widget per item), taps that open
the item, searches that wait for a pause in typing, English names where the catalogue has them."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton

from kiosk.core.session import Stage
from kiosk_devtools.list_rows import ListRow
from tests.ui.conftest import kiosk_config, running_kiosk, wait_until

PROVINCE = Path(__file__).resolve().parents[1] / "fixtures" / "catalog-2100.json"


@pytest.fixture
def province_kiosk(qapp, tmp_path):
    config = kiosk_config(tmp_path / "data")
    config = dataclasses.replace(config, central=dataclasses.replace(config.central,
                                                                      embedded_catalog=str(PROVINCE)))
    yield from running_kiosk(config, lambda parts: len(parts.controller.terminal.items()) == 2100, timeout=60)


def test_the_whole_catalogue_is_one_list_of_rows_not_thousands_of_widgets(province_kiosk):
    k = province_kiosk
    k.log_in()
    listed = k.w.catalog.items.item_ids()
    assert len(listed) == 2100
    assert len(k.w.catalog.findChildren(QPushButton)) < 60          # categories and a few buttons, no tiles
    assert len(k.w.home.categories.buttons) == 7                    # 全部事项 and the first six of 21
    assert len(k.w.catalog.categories.buttons) == 22                # the rail has them all


def test_a_row_far_down_the_list_is_tapped_and_opens_its_item(province_kiosk):
    k = province_kiosk
    k.log_in()
    far = k.w.catalog.items.item_ids()[1500]
    row = ListRow(k.w.catalog.items, far)
    assert row.isEnabled()
    row.click()
    wait_until(lambda: k.stage == Stage.ITEM, what="the item far down the list opens")
    assert k.c.visit.item.id == far


def test_search_waits_for_a_pause_in_typing_then_lists_the_best_matches(province_kiosk):
    k = province_kiosk
    k.log_in()
    catalog = k.w.catalog
    catalog.search.setText("g")
    catalog.search.setText("gj")
    catalog.search.setText("gjj")
    assert len(catalog.items.item_ids()) == 2100                    # nothing searched while typing
    wait_until(lambda: len(catalog.items.item_ids()) < 2100, what="the search after the pause")
    first = k.c.terminal.item(catalog.items.item_ids()[0])
    assert "公积金" in first.name_zh
    catalog.search.setText("s")
    wait_until(lambda: catalog.items.item_ids() == [], what="one letter lists nothing")
    assert catalog.empty.isVisible() and catalog.empty.text() == k.c.ctx.tr("catalog.more_letters")


def test_a_category_on_the_rail_lists_only_its_items(province_kiosk):
    k = province_kiosk
    k.log_in()
    button = k.w.catalog.findChild(QPushButton, "catalog_category_gongzheng")
    button.click()
    wait_until(lambda: len(k.w.catalog.items.item_ids()) == 100, what="the category's 100 items")
    assert {k.c.terminal.item(i).category for i in k.w.catalog.items.item_ids()} == {"gongzheng"}


def test_english_names_where_the_catalogue_has_them_and_a_mark_where_it_has_not(province_kiosk):
    k = province_kiosk
    k.log_in()
    k.w.header.language_button.click()
    wait_until(lambda: k.c.ctx.en, what="English")
    model = k.w.catalog.items.list_model
    names = [model.index(row).data() for row in range(model.rowCount())]
    items = [k.c.terminal.item(i) for i in k.w.catalog.items.item_ids()]
    english = [(name, item) for name, item in zip(names, items) if item.name_en]
    chinese_only = [(name, item) for name, item in zip(names, items) if not item.name_en]
    assert english and chinese_only
    assert all(name == item.name_en for name, item in english)
    assert all(name.startswith(item.name_zh) and name.endswith("(in Chinese only)") for name, item in chinese_only)


def test_every_province_category_has_its_own_icon_not_text_alone(province_kiosk):
    from kiosk.ui.category_icons import OTHER, icon_name

    k = province_kiosk
    categories = k.c.terminal.categories()
    assert len(categories) == 21
    names = {c.name_zh: icon_name(c.name_zh) for c in categories}
    assert OTHER not in names.values(), [n for n, icon in names.items() if icon == OTHER]
    assert len(set(names.values())) == 21                         # no two categories look alike
    assert all(not b.icon().isNull() for b in k.w.catalog.categories.buttons)
