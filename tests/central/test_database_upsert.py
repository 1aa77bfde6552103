"""The database helpers' upsert on both stores: with no columns to update, a row that clashes on any unique key
(not only the primary key) is left as it is, as SQLite's INSERT OR IGNORE did; with columns, the row by primary
key takes the new values."""
from __future__ import annotations

from sqlalchemy import select

from central_server.citizens import SAMPLE_CITIZENS
from central_server.database import upsert
from central_server.schema import citizens, seen_nonces
from central_server.storage import CentralStore


def _citizen(**changes: str) -> dict[str, str]:
    p = SAMPLE_CITIZENS[0]
    row = {"id": p.id, "name": p.name, "id_number": p.id_number, "phone": p.phone, "card_code": p.card_code,
           "note": p.note}
    return {**row, **changes}


def test_insert_or_ignore_ignores_a_clash_on_any_unique_key(new_database):
    store = CentralStore(new_database())              # the sample citizens are seeded
    try:
        clashes = (_citizen(),                                                     # primary key
                   _citizen(id="C-OTHER-1", card_code="CARD-OTHER-1"),             # id_number only
                   _citizen(id="C-OTHER-2", id_number="110101199001019999"))       # card_code only
        with store.transaction() as tx:
            for values in clashes:
                inserted = tx.connection.execute(upsert(tx.connection, citizens, values).returning(citizens.c.id))
                assert inserted.first() is None
        assert [c.id for c in store.citizens()] == sorted(p.id for p in SAMPLE_CITIZENS)
        store.close()
        store = CentralStore(store.url.render_as_string(hide_password=False))    # seeding again changes nothing
        assert [c.id for c in store.citizens()] == sorted(p.id for p in SAMPLE_CITIZENS)
    finally:
        store.close()


def test_upsert_with_columns_updates_the_row_of_the_primary_key(new_database):
    store = CentralStore(new_database())
    try:
        with store.transaction() as tx:
            for expires_at in (1.0, 2.0):
                tx.connection.execute(upsert(tx.connection, seen_nonces, {
                    "terminal_id": "T-1", "nonce": "n", "expires_at": expires_at}, ("expires_at",)))
            assert tx.connection.execute(select(seen_nonces.c.expires_at)).scalars().all() == [2.0]
    finally:
        store.close()


def test_a_nonce_is_first_used_once(new_database):
    store = CentralStore(new_database())
    try:
        assert store.first_use_of_nonce("T-1", "n", 100.0)
        assert not store.first_use_of_nonce("T-1", "n", 100.0)
        assert store.first_use_of_nonce("T-2", "n", 100.0)
    finally:
        store.close()
