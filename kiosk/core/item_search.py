"""Finding catalogue items by what a citizen types: a name or part of it, a keyword, its pinyin or its initials.

Pinyin is derived once per catalogue with pypinyin (`spell`); matches rank exact, prefix, initials, pinyin, contains."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from kiosk.central.models import CatalogItem

# One Latin letter is too little to search by (it would list a page of items for nothing): only a whole word
# matches it. Two letters may match the start of a name, the initials or the pinyin, or inside an English name;
# three may match anywhere in the pinyin or initials, or spread out.
MIN_INITIALS_INSIDE = 3


@dataclass(frozen=True)
class Spelling:
    """A Chinese name in plain pinyin (no tones, no spaces) and its initials: 社保证明 → shebaozhengming, sbzm."""
    pinyin: str
    initials: str


def spell(name: str) -> Spelling:
    """The pinyin and initials of `name`; characters that are not Chinese are kept as they are (lower case)."""
    from pypinyin import Style, lazy_pinyin   # imported on first use: it costs 0.3 s, start-up does not pay it

    syllables = [s.lower() for s in lazy_pinyin(name)]
    letters = [s for s in syllables if s.isascii() and s.isalnum()]
    initials = [s.lower() for s in lazy_pinyin(name, style=Style.FIRST_LETTER)]
    return Spelling("".join(letters), "".join(s for s in initials if s.isascii() and s.isalnum()))


def spell_items(items: Iterable[CatalogItem]) -> dict[str, Spelling]:
    """The spelling of every item's Chinese name, by item id."""
    return {item.id: spell(item.name_zh) for item in items}


class Rank(enum.IntEnum):
    """How well an item matches, best first: results are sorted by rank, then by how much the item is used."""
    EXACT = 0            # the whole name or a keyword
    PREFIX = 1           # the start of a name or keyword
    INITIALS = 2         # the start of the initials (sbcb → 社保参保…)
    PINYIN = 3           # the start of the pinyin (shebao → 社保…)
    CONTAINS = 4         # inside a name, a keyword or the pinyin
    SPREAD_INITIALS = 5  # initials in order with gaps, starting alike (sbjf → s-b-(c-b)-j-f)


def _is_latin(text: str) -> bool:
    return text.isascii() and text.isalpha()


def _spread(needle: str, haystack: str) -> bool:
    """True when `needle` starts `haystack` and its other letters follow in order (gaps allowed)."""
    if not needle or not haystack or needle[0] != haystack[0]:
        return False
    rest = iter(haystack[1:])
    return all(ch in rest for ch in needle[1:])


@dataclass(frozen=True)
class _Entry:
    item: CatalogItem
    words: tuple[str, ...]        # names and keywords, lower case
    initials: tuple[str, ...]     # derived initials, and keywords written as initials
    pinyin: str


class SearchIndex:
    """The items of one catalogue, prepared for matching; `search` takes a few milliseconds for 2,100 items."""

    def __init__(self, items: Sequence[CatalogItem], spellings: Mapping[str, Spelling]):
        entries = []
        for item in items:
            spelling = spellings.get(item.id, Spelling("", ""))
            keywords = tuple(k.lower() for k in item.keywords)
            words = tuple(w for w in (item.name_zh.lower(), item.name_en.lower(), *keywords) if w)
            initials = tuple(dict.fromkeys(i for i in (spelling.initials, *(k for k in keywords if _is_latin(k)))
                                           if i))
            entries.append(_Entry(item, words, initials, spelling.pinyin))
        self._entries = tuple(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def rank(self, entry: _Entry, needle: str) -> Rank | None:
        """How `entry` matches `needle` (lower case, trimmed), or None."""
        if any(needle == w for w in entry.words):
            return Rank.EXACT
        letters = "".join(needle.split())      # pinyin may be typed with spaces: "she bao"
        latin = _is_latin(letters)
        if latin and len(letters) < 2:
            return None                        # one letter says too little: wait for the second
        if any(w.startswith(needle) for w in entry.words):
            return Rank.PREFIX
        if latin:
            if any(i.startswith(letters) for i in entry.initials):
                return Rank.INITIALS
            if entry.pinyin.startswith(letters):
                return Rank.PINYIN
        if any(needle in w for w in entry.words):
            return Rank.CONTAINS
        if latin and len(letters) >= MIN_INITIALS_INSIDE:
            if letters in entry.pinyin or any(letters in i for i in entry.initials):
                return Rank.CONTAINS
            if any(_spread(letters, i) for i in entry.initials):
                return Rank.SPREAD_INITIALS
        return None

    def search(self, query: str, order: Mapping[str, int] | None = None, category: str = "") -> list[CatalogItem]:
        """Items matching `query` (in `category` when given), best rank first, then by `order` (item id →
        position, e.g. most used first; catalogue order without it). An empty query lists every item."""
        needle = " ".join(query.split()).lower()
        position = order or {}
        found: list[tuple[int, int, int, CatalogItem]] = []
        for index, entry in enumerate(self._entries):
            if category and entry.item.category != category:
                continue
            rank = self.rank(entry, needle) if needle else Rank.EXACT
            if rank is not None:
                found.append((rank, position.get(entry.item.id, len(position) + index), index, entry.item))
        found.sort(key=lambda f: f[:3])
        return [f[3] for f in found]


def search_items(items: Sequence[CatalogItem], query: str) -> list[CatalogItem]:
    """`items` (already ranked, most used first) that match `query`, spelled on the spot: for small lists."""
    order = {item.id: i for i, item in enumerate(items)}
    return SearchIndex(items, spell_items(items)).search(query, order)
