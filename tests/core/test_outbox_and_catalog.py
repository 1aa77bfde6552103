"""Outbox durability and idempotency keys; the catalogue cache, search, ranking and gating."""
import json
import sqlite3

import pytest

from kiosk.central.errors import CentralUnavailable
from kiosk.central.models import Catalog
from kiosk.core.catalog import CatalogStore, catalog_to_json, unavailable_reason
from kiosk.core.outbox import Outbox
from kiosk.shared.store import open_db

from tests.core.samples import ITEM_JSON, sample_item


def catalog_json():
    second = {**ITEM_JSON, "id": "mi-records", "name_zh": "医保缴费记录查询", "name_en": "Medical insurance records",
              "category": "medical", "keywords": ["ybjfjlcx"], "popularity": 50, "offline_ok": True,
              "needs_printer": False}
    return {"version": "1", "categories": [{"id": "social", "name_zh": "社保"}, {"id": "medical", "name_zh": "医保"}],
            "items": [ITEM_JSON, second]}


class FakeCentral:
    """Answers like the client: a Catalog, None for not modified, or CentralUnavailable."""

    def __init__(self):
        self.down = False
        self.calls = []

    def catalog(self, etag=""):
        self.calls.append(etag)
        if self.down:
            raise CentralUnavailable("down")
        if etag == '"v1"':
            return None
        return Catalog.from_json(catalog_json(), etag='"v1"')


def test_outbox_entry_survives_reopen_and_keeps_its_key(tmp_path):
    db = tmp_path / "k.sqlite3"
    outbox = Outbox(open_db(db))
    entry = outbox.add("submission", {"item_id": "x", "values": {"id_number": "340102195204121234"}})
    outbox.conn.close()
    reopened = Outbox(open_db(db))
    [pending] = reopened.pending()
    assert pending.idempotency_key == entry.idempotency_key
    assert pending.payload["values"]["id_number"] == "340102195204121234"


def test_outbox_same_key_is_stored_once_and_settling_erases_personal_data(tmp_path):
    outbox = Outbox(open_db(tmp_path / "k.sqlite3"))
    outbox.add("submission", {"values": {"name": "张三"}}, "key-1")
    outbox.add("submission", {"values": {"name": "张三"}}, "key-1")
    assert outbox.depth() == 1
    outbox.record_attempt("key-1", "CentralUnavailable")
    outbox.settle("key-1", reference="SB2026000001")
    entry = outbox.get("key-1")
    assert entry.state == "done" and entry.reference == "SB2026000001" and entry.payload == {}
    assert entry.attempts == 1
    raw = sqlite3.connect(tmp_path / "k.sqlite3").execute("SELECT payload FROM outbox").fetchone()[0]
    assert "张三" not in raw
    assert outbox.depth() == 0


def test_catalog_cache_round_trip_and_not_modified(tmp_path):
    conn = open_db(tmp_path / "k.sqlite3")
    central = FakeCentral()
    store = CatalogStore(conn)
    store.refresh(central)
    assert [it.id for it in store.items()] == ["si-payment-certificate", "mi-records"]
    again = CatalogStore(conn)
    assert again.catalog == store.catalog
    again.refresh(central)
    assert central.calls == ["", '"v1"']


def test_catalog_falls_back_to_cache_when_central_is_down_and_raises_without_cache(tmp_path):
    central = FakeCentral()
    store = CatalogStore(open_db(tmp_path / "a.sqlite3"))
    store.refresh(central)
    central.down = True
    assert store.refresh(central).items
    empty = CatalogStore(open_db(tmp_path / "b.sqlite3"))
    with pytest.raises(CentralUnavailable):
        empty.refresh(central)


def test_corrupted_catalog_cache_is_dropped_not_fatal(tmp_path):
    conn = open_db(tmp_path / "k.sqlite3")
    CatalogStore(conn).refresh(FakeCentral())
    conn.execute("UPDATE catalog_cache SET body = '{not json'")
    assert CatalogStore(conn).catalog is None


def test_search_by_name_and_pinyin_initials_and_ranking_by_use(tmp_path):
    store = CatalogStore(open_db(tmp_path / "k.sqlite3"))
    store.refresh(FakeCentral())
    assert [it.id for it in store.search("sbcb")] == ["si-payment-certificate"]
    assert [it.id for it in store.search("医保")] == ["mi-records"]
    assert [it.id for it in store.search("Medical")] == ["mi-records"]
    assert store.most_used(1)[0].id == "si-payment-certificate"
    for _ in range(3):
        store.record_use("mi-records")
    assert store.most_used(1)[0].id == "mi-records"


def test_catalog_json_round_trip_is_lossless():
    catalog = Catalog.from_json(catalog_json(), etag="e")
    again = Catalog.from_json(json.loads(json.dumps(catalog_to_json(catalog))), etag="e")
    assert again == catalog


def test_unavailable_reasons():
    item = sample_item()
    offline_item = sample_item(offline_ok=True, needs_printer=False)
    assert unavailable_reason(item, printer_ready=True, central_reachable=True) == ""
    assert unavailable_reason(item, printer_ready=False, central_reachable=True) == "catalog.reason_printer"
    assert unavailable_reason(item, printer_ready=True, central_reachable=False) == "catalog.reason_central"
    assert unavailable_reason(offline_item, printer_ready=False, central_reachable=False) == ""
