"""Searching a province's 2,100-item catalogue: pinyin from pypinyin, strict initials, ranked results, and the
spellings kept in the terminal's database so that neither start-up nor a keystroke waits for them."""
from __future__ import annotations

import dataclasses
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.central.models import Catalog
from kiosk.core.catalog import CatalogStore
from kiosk.core.item_search import Rank, SearchIndex, spell, spell_items

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PROVINCE = FIXTURES / "catalog-2100.json"


def province_catalog() -> Catalog:
    raw = json.loads(PROVINCE.read_text(encoding="utf-8"))
    for item in raw["items"]:
        item.pop("document")
    return Catalog.from_json(raw, etag='"province"')


@pytest.fixture(scope="module")
def province():
    catalog = province_catalog()
    return catalog, SearchIndex(catalog.items, spell_items(catalog.items))


def test_the_committed_fixture_is_what_its_generator_writes(tmp_path):
    before = PROVINCE.read_bytes()
    subprocess.run([sys.executable, str(FIXTURES / "make_catalog.py")], check=True, capture_output=True)
    assert PROVINCE.read_bytes() == before
    catalog = province_catalog()
    assert len(catalog.items) == 2100 and len(catalog.categories) == 21
    assert len({item.id for item in catalog.items}) == 2100
    with_english = sum(1 for item in catalog.items if item.name_en)
    assert 0.5 < with_english / 2100 < 0.9      # some items have English names, some do not


def test_pinyin_and_initials_come_from_the_names():
    assert spell("住房公积金缴存证明") == spell("住房公积金缴存证明")
    assert spell("住房公积金缴存证明").initials == "zfgjjjczm"
    assert spell("重庆市户籍证明").pinyin == "chongqingshihujizhengming"   # phrases read right: chong, not zhong
    assert spell("社保卡ABC").initials.startswith("sbk")


def test_initials_find_the_items_that_start_with_them_first(province):
    catalog, index = province
    found = index.search("gjj")
    assert found and all("公积金" in item.name_zh for item in found[:50])
    assert "公积金" in found[0].name_zh


def test_one_letter_lists_nothing_rather_than_a_page_of_noise(province):
    catalog, index = province
    assert index.search("s") == []
    assert len(index.search("sb")) < 400


def test_ranking_is_exact_then_prefix_then_initials_then_pinyin_then_contains(province):
    catalog, index = province
    entries = {item.name_zh: item for item in catalog.items}
    exact = entries["养老保险证明打印"]
    found = index.search("养老保险证明打印")
    assert found[0] is exact
    found = index.search("养老")
    first_not_prefix = next(i for i, item in enumerate(found) if not item.name_zh.startswith("养老"))
    assert all(not item.name_zh.startswith("养老") for item in found[first_not_prefix:])
    assert any("城乡居民养老" in item.name_zh for item in found[first_not_prefix:])   # contains, after
    ranks = [index.rank(entry, "yanglao") for entry in index._entries if entry.item is exact]
    assert ranks == [Rank.PINYIN]


def test_pinyin_typed_with_spaces_and_spread_initials_still_match(province):
    catalog, index = province
    assert "公积金" in index.search("gong ji jin")[0].name_zh
    assert any(item.name_zh == "住房公积金证明打印" for item in index.search("zfgjzm"))


def test_english_names_and_category_filter(province):
    catalog, index = province
    found = index.search("housing fund", category="gongjijin")
    assert found and all(item.category == "gongjijin" for item in found)
    assert all(item.category == "yibao" for item in index.search("", category="yibao"))
    assert len(index.search("", category="yibao")) == 100


def test_the_most_used_order_breaks_ties(province):
    catalog, index = province
    found = index.search("gjj")
    reversed_order = {item.id: i for i, item in enumerate(reversed(found))}
    assert index.search("gjj", reversed_order)[:3] != found[:3] or len(found) < 2


class ProvinceCentral:
    """Central answering the province's catalogue."""

    def catalog(self, etag):
        return province_catalog()


@pytest.fixture
def province_store(tmp_path):
    conn = sqlite3.connect(tmp_path / "kiosk.sqlite3")
    conn.row_factory = sqlite3.Row
    store = CatalogStore(conn)
    store.refresh(ProvinceCentral())
    yield conn, store
    conn.close()


def test_spellings_are_stored_once_per_catalogue_and_searched_from_the_store(province_store):
    conn, store = province_store
    assert conn.execute("SELECT COUNT(*) FROM item_spelling").fetchone()[0] == 2100
    assert "公积金" in store.search("gjj")[0].name_zh
    reopened = CatalogStore(conn)             # a restart: the cached catalogue and its spellings are read back
    assert reopened.search("gjj")[:5] == store.search("gjj")[:5]
    assert [item.category for item in reopened.search("", "shuiwu")] == ["shuiwu"] * 100


def test_home_tiles_keep_their_places_all_day_and_move_only_on_a_new_day(province_store):
    conn, store = province_store
    morning = [item.id for item in store.home_items(6, "2026-12-03")]
    last = store.most_used(200)[-1]
    for _ in range(50):                     # one item chosen by many citizens during the day
        store.record_use(last.id)
    assert [item.id for item in store.home_items(6, "2026-12-03")] == morning      # same places all day
    assert CatalogStore(conn).home_items(6, "2026-12-03")[0].id == morning[0]     # and after a restart
    tomorrow = [item.id for item in store.home_items(6, "2026-12-04")]
    assert tomorrow[0] == last.id and tomorrow[1:] == morning[:5]                  # the day's count, next day


def test_home_is_drawn_from_its_own_copy_until_the_catalogue_is_read(province_store):
    conn, store = province_store
    home = store.home(6, "2026-12-03")
    restarted = CatalogStore(conn)               # the next start: home without parsing 2,100 items
    assert restarted.home(6, "2026-12-03") == home and not restarted.is_read and restarted.has_catalog()
    assert len(home.items) == 6 and len(home.categories) == len(store.catalog.categories)
    next_day = CatalogStore(conn).home(6, "2026-12-04")
    assert next_day == home                      # the day before's tiles, until the catalogue is read
    last = store.most_used(200)[-1]
    for _ in range(50):
        store.record_use(last.id)
    read = CatalogStore(conn)
    read.items()
    assert read.home(6, "2026-12-04").items[0].id == last.id          # once read: the day's own order
    assert CatalogStore(conn).home(6, "2026-12-04").items[0].id == last.id     # and kept for the next start


def test_a_new_catalogue_drops_home_s_copy(province_store):
    conn, store = province_store
    store.home(6, "2026-12-03")
    smaller = province_catalog()
    smaller = dataclasses.replace(smaller, items=smaller.items[6:], etag='"v2"')

    class Changed:
        def catalog(self, etag):
            return smaller

    store.refresh(Changed())
    assert conn.execute("SELECT COUNT(*) FROM home_snapshot").fetchone()[0] == 0
    restarted = CatalogStore(conn)
    assert {item.id for item in restarted.home(6, "2026-12-03").items} <= {item.id for item in smaller.items}
    assert restarted.is_read
