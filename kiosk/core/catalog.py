"""The terminal's catalogue: cached on disk with its ETag, searched, ranked, and gated.

Items that cannot be done right now (printer or central down) carry the reason in words. Home is drawn from its own
share of the cache (home_snapshot.py) until the whole is read."""
from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
import threading
import time

from kiosk.central.errors import CentralError, InvalidAnswer
from kiosk.central.models import Catalog, CatalogItem
from kiosk.core.home_snapshot import HomeCatalog, drop_snapshot, keep_snapshot, read_snapshot
from kiosk.core.home_snapshot import SCHEMA as HOME_SCHEMA
from kiosk.core.item_search import SearchIndex, Spelling, spell_items
from kiosk.shared.store import Transaction

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS catalog_cache (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    etag TEXT NOT NULL,
    body TEXT NOT NULL,
    fetched_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS item_usage (
    item_id TEXT PRIMARY KEY,
    uses INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS home_ranking (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    day TEXT NOT NULL,
    item_ids TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS item_spelling (
    item_id TEXT PRIMARY KEY,
    etag TEXT NOT NULL,
    pinyin TEXT NOT NULL,
    initials TEXT NOT NULL
);
"""


def catalog_to_json(catalog: Catalog) -> dict:
    """The catalogue in the central API's JSON shape (what Catalog.from_json reads)."""
    return {"version": catalog.version, "categories": [dataclasses.asdict(c) for c in catalog.categories],
            "items": [item_to_json(item) for item in catalog.items]}


def item_to_json(item: CatalogItem) -> dict:
    """One item in the central API's JSON shape (what CatalogItem.from_json reads)."""
    body = dataclasses.asdict(item)
    guide = body["guide"]
    english = guide.pop("english")
    for part in (guide, english) if english else (guide,):
        part["faq"] = [{"q": q, "a": a} for q, a in part["faq"]]
    if english:
        english.pop("english", None)
        guide["en"] = english
    return body


class CatalogStore:
    """The catalogue the terminal shows: last good copy from central, kept across restarts."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        conn.executescript(SCHEMA + HOME_SCHEMA)
        self._catalog: Catalog | None = None
        self._cache_read = False                 # the cached copy is parsed when first needed, not at start-up
        self._cache_lock = threading.Lock()
        self.central_answered = False   # whether the last refresh reached central (False: cached copy shown)
        self._index: SearchIndex | None = None
        self._ranked: list[CatalogItem] | None = None   # most used first; cleared when a use is counted
        self._home_kept: tuple[str, str] | None = None  # (etag, day) of home's copy, once kept

    @property
    def catalog(self) -> Catalog | None:
        """The catalogue shown: central's last answer, or the copy cached on disk (read on first use: 2,100
        items take a fifth of a second to parse, which the first painted screen does not wait for)."""
        if not self._cache_read:
            with self._cache_lock:
                if not self._cache_read:
                    self._catalog = self._load_cached()
                    self._cache_read = True
        return self._catalog

    @catalog.setter
    def catalog(self, value: Catalog | None) -> None:
        with self._cache_lock:
            self._catalog, self._cache_read = value, True

    def _load_cached(self) -> Catalog | None:
        row = self.conn.execute("SELECT etag, body FROM catalog_cache WHERE id = 1").fetchone()
        if row is None:
            return None
        try:
            return Catalog.from_json(json.loads(row["body"]), etag=row["etag"])
        except (ValueError, InvalidAnswer) as exc:
            log.warning("the cached catalogue is unreadable and is ignored: %s", exc)
            with Transaction(self.conn):
                self.conn.execute("DELETE FROM catalog_cache")
                drop_snapshot(self.conn)
            return None

    @property
    def is_read(self) -> bool:
        """Whether the catalogue is in memory (until then, listing or searching it reads the cached copy first)."""
        return self._cache_read

    def has_catalog(self) -> bool:
        """Whether there is a catalogue to offer; before it is read, whether a copy is cached."""
        if self._cache_read:
            return bool(self.items())
        return self.conn.execute("SELECT 1 FROM catalog_cache WHERE id = 1").fetchone() is not None

    def refresh(self, client) -> Catalog:
        """Ask central for the catalogue (If-None-Match); keeps the cached copy when central is down.

        Raises CentralError only when there is no cached copy to fall back on."""
        try:
            fresh = client.catalog(self.catalog.etag if self.catalog else "")
        except CentralError:
            self.central_answered = False
            if self.catalog is None:
                raise
            log.warning("central unreachable; showing the cached catalogue")
            self.prepare_search()
            return self.catalog
        self.central_answered = True
        if fresh is None and self.catalog is not None:
            self.prepare_search()
            return self.catalog
        if fresh is None:
            fresh = client.catalog("")
        body = json.dumps(catalog_to_json(fresh), ensure_ascii=False)
        with Transaction(self.conn):
            self.conn.execute(
                "INSERT INTO catalog_cache (id, etag, body, fetched_at) VALUES (1, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET etag = excluded.etag, body = excluded.body, "
                "fetched_at = excluded.fetched_at",
                (fresh.etag, body, time.time()),
            )
            drop_snapshot(self.conn)
        self.catalog = fresh
        self._index = self._ranked = self._home_kept = None
        self.prepare_search()
        return fresh

    def prepare_search(self) -> None:
        """Spell every item's name in pinyin once per catalogue and keep it (the services thread calls this:
        spelling 2,100 names takes about a second, which neither start-up nor a keystroke should wait for)."""
        catalog = self.catalog
        if catalog is None:
            return
        known = {r["item_id"] for r in self.conn.execute(
            "SELECT item_id FROM item_spelling WHERE etag = ?", (catalog.etag,))}
        missing = [item for item in catalog.items if item.id not in known]
        if missing:
            spelled = spell_items(missing)
            with Transaction(self.conn):
                self.conn.execute("DELETE FROM item_spelling WHERE etag != ?", (catalog.etag,))
                self.conn.executemany(
                    "INSERT OR REPLACE INTO item_spelling (item_id, etag, pinyin, initials) VALUES (?, ?, ?, ?)",
                    [(item_id, catalog.etag, s.pinyin, s.initials) for item_id, s in spelled.items()])
        self._index = None

    def search_index(self) -> SearchIndex:
        """The index of the current catalogue, from the stored spellings (names not spelled yet match by their
        characters only, until prepare_search has run)."""
        if self._index is None:
            etag = self.catalog.etag if self.catalog else ""
            spellings = {r["item_id"]: Spelling(r["pinyin"], r["initials"]) for r in self.conn.execute(
                "SELECT item_id, pinyin, initials FROM item_spelling WHERE etag = ?", (etag,))}
            self._index = SearchIndex(self.items(), spellings)
        return self._index

    def items(self) -> tuple[CatalogItem, ...]:
        return self.catalog.items if self.catalog else ()

    def record_use(self, item_id: str) -> None:
        """Count a chosen item, so the most used rise to the top of the home screen."""
        self._ranked = None
        with Transaction(self.conn):
            self.conn.execute(
                "INSERT INTO item_usage (item_id, uses) VALUES (?, 1) "
                "ON CONFLICT(item_id) DO UPDATE SET uses = uses + 1", (item_id,))

    def most_used(self, limit: int = 6, category: str = "") -> list[CatalogItem]:
        """Items ranked by local use, then by central's popularity, then by name."""
        if self._ranked is None:
            uses = {r["item_id"]: r["uses"] for r in self.conn.execute("SELECT item_id, uses FROM item_usage")}
            self._ranked = sorted(self.items(), key=lambda it: (-uses.get(it.id, 0), -it.popularity, it.name_zh))
        items = [it for it in self._ranked if not category or it.category == category]
        return items[:limit] if limit else items

    def home_items(self, limit: int, day: str) -> list[CatalogItem]:
        """The 常办 tiles: the most used items as they stood when `day` (the terminal's date) began. The order is
        taken once a day, so a returning citizen finds the same tile in the same place all day."""
        catalog = self.catalog
        if catalog is None:
            return []
        row = self.conn.execute("SELECT day, item_ids FROM home_ranking WHERE id = 1").fetchone()
        ids = json.loads(row["item_ids"]) if row is not None and row["day"] == day else []
        chosen = [item for item in (catalog.item(i) for i in ids) if item is not None]
        if len(chosen) < min(limit, len(catalog.items)):     # a new day, or items central has withdrawn
            chosen = self.most_used(limit)
            with Transaction(self.conn):
                self.conn.execute(
                    "INSERT INTO home_ranking (id, day, item_ids) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                    "day = excluded.day, item_ids = excluded.item_ids", (day, json.dumps([i.id for i in chosen])))
        return chosen[:limit]

    def home(self, limit: int, day: str) -> HomeCatalog:
        """Home's tiles (see home_items) and the categories. Until the catalogue is read they come from the copy
        that an earlier reading kept for home (the day before's order on a new day), so that the first painted home
        does not wait for a province's 2,100 items to be parsed; once read, the day's order is kept for the next
        start."""
        if not self._cache_read:
            cached = self.conn.execute("SELECT etag FROM catalog_cache WHERE id = 1").fetchone()
            kept = read_snapshot(self.conn, cached["etag"]) if cached is not None else None
            if kept is not None and len(kept.items) >= limit:
                return HomeCatalog(kept.items[:limit], kept.categories)
        catalog = self.catalog
        if catalog is None:
            return HomeCatalog((), ())
        home = HomeCatalog(tuple(self.home_items(limit, day)), catalog.categories)
        if self._home_kept != (catalog.etag, day):
            keep_snapshot(self.conn, catalog.etag, home, [item_to_json(item) for item in home.items])
            self._home_kept = (catalog.etag, day)
        return home

    def search(self, query: str, category: str = "") -> list[CatalogItem]:
        """Items matching what the citizen typed (name, keyword, pinyin or initials), best match first, then the
        most used; every item of `category` (or of all) when the query is empty."""
        if not query.strip():
            return self.most_used(limit=0, category=category)
        order = {item.id: i for i, item in enumerate(self.most_used(limit=0))}
        return self.search_index().search(query, order, category)


def unavailable_reason(item: CatalogItem, *, printer_ready: bool, central_reachable: bool) -> str:
    """An i18n key saying why `item` cannot be done now, or "" when it can."""
    if not central_reachable and not item.offline_ok:
        return "catalog.reason_central"
    if item.needs_printer and not printer_ready:
        return "catalog.reason_printer"
    return ""
