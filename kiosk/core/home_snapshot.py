"""Home's share of the cached catalogue: the day's 常办 tiles and the categories, stored apart from the whole.

The first painted home reads these few items instead of parsing a province's 2,100. A copy holds for one cached
catalogue (its ETag; it is dropped whenever the cache is written); on a new day's first start, the day before's tiles
are shown until the catalogue is read and the day's order is taken (as the services start)."""
from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from dataclasses import dataclass

from kiosk.central.errors import InvalidAnswer
from kiosk.central.models import CatalogItem, Category
from kiosk.shared.store import Transaction

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS home_snapshot (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    etag TEXT NOT NULL,
    body TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class HomeCatalog:
    """What home shows of the catalogue: its 常办 tiles, in the day's order, and the categories."""
    items: tuple[CatalogItem, ...]
    categories: tuple[Category, ...]


def read_snapshot(conn: sqlite3.Connection, etag: str) -> HomeCatalog | None:
    """The copy kept for the catalogue cached with `etag`; None when there is none (or it is unreadable)."""
    row = conn.execute("SELECT body FROM home_snapshot WHERE id = 1 AND etag = ?", (etag,)).fetchone()
    if row is None:
        return None
    try:
        body = json.loads(row["body"])
        return HomeCatalog(
            items=tuple(CatalogItem.from_json(it, f"home.items[{i}]") for i, it in enumerate(body["items"])),
            categories=tuple(Category.from_json(c, f"home.categories[{i}]") for i, c in enumerate(body["categories"])))
    except (ValueError, KeyError, TypeError, InvalidAnswer) as exc:
        log.warning("home's copy of the catalogue is unreadable and is ignored: %s", exc)
        return None


def keep_snapshot(conn: sqlite3.Connection, etag: str, home: HomeCatalog, items_json: list[dict]) -> None:
    """Store `home` (its items as `items_json`, in the central API's shape) for the catalogue cached with `etag`."""
    body = json.dumps({"items": items_json, "categories": [dataclasses.asdict(c) for c in home.categories]},
                      ensure_ascii=False)
    with Transaction(conn):
        conn.execute("INSERT INTO home_snapshot (id, etag, body) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE "
                     "SET etag = excluded.etag, body = excluded.body", (etag, body))


def drop_snapshot(conn: sqlite3.Connection) -> None:
    """Forget the copy (the cached catalogue changed); call it inside the transaction that changes the cache."""
    conn.execute("DELETE FROM home_snapshot")
