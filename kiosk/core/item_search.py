"""Finding catalogue items by what a citizen types: part of a name, a keyword, or pinyin initials.

Initials need not be contiguous ("sbjf" finds 社保参保缴费证明, whose initials are sbcbjfzm), but must start alike."""
from __future__ import annotations

from typing import Iterable

from kiosk.central.models import CatalogItem


def _is_initials(text: str) -> bool:
    return text.isascii() and text.isalpha()


def _subsequence(needle: str, haystack: str) -> bool:
    """True when `needle` starts `haystack` and its other letters follow in order (gaps allowed)."""
    if not needle or not haystack or needle[0] != haystack[0]:
        return False
    rest = iter(haystack[1:])
    return all(ch in rest for ch in needle[1:])


def match_rank(item: CatalogItem, query: str) -> int | None:
    """0: name or keyword contains the query; 1: the query's letters are the item's initials in order."""
    needle = query.strip().lower()
    if not needle:
        return 0
    words = (item.name_zh.lower(), item.name_en.lower(), *(k.lower() for k in item.keywords))
    if any(needle in w for w in words):
        return 0
    if _is_initials(needle) and any(_subsequence(needle, k.lower()) for k in item.keywords if _is_initials(k)):
        return 1
    return None


def search_items(items: Iterable[CatalogItem], query: str) -> list[CatalogItem]:
    """`items` (already ranked, most used first) that match `query`; direct matches come before initials."""
    ranked: list[tuple[int, int, CatalogItem]] = []
    for order, item in enumerate(items):
        rank = match_rank(item, query)
        if rank is not None:
            ranked.append((rank, order, item))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [item for _, _, item in ranked]

