"""Tells a keyboard-wedge barcode scanner apart from a person typing, from key timings alone.

A scanner sends its whole code as a fast burst of keys ending in Enter; people type far slower."""
from __future__ import annotations

from dataclasses import dataclass, field

MAX_GAP_MS = 50         # scanners send a key every 5–30 ms; a person needs 100 ms or more
MIN_LENGTH = 6          # shorter bursts are stray keys, not codes
MAX_LENGTH = 512


@dataclass
class WedgeClassifier:
    """Feed it every key with its time; `feed` returns the code when a scanner burst ends in Enter.

    A gap longer than `max_gap_ms` starts a new burst, so slow typing never adds up to a code."""
    max_gap_ms: float = MAX_GAP_MS
    min_length: int = MIN_LENGTH
    max_length: int = MAX_LENGTH
    _chars: list[str] = field(default_factory=list)
    _last_ms: float | None = None

    def feed(self, char: str, at_ms: float) -> str | None:
        """One key: a printable character, or "\\n"/"\\r" for Enter. Returns the scanned code or None."""
        fast = self._last_ms is not None and at_ms - self._last_ms <= self.max_gap_ms
        self._last_ms = at_ms
        if char in ("\n", "\r"):
            code = "".join(self._chars) if fast and len(self._chars) >= self.min_length else None
            self.reset()
            return code
        if not fast:
            self._chars = []
        if len(char) != 1 or not char.isprintable() or len(self._chars) >= self.max_length:
            self.reset()
            return None
        self._chars.append(char)
        return None

    def reset(self) -> None:
        """Forget the burst in progress (its characters are overwritten first: they may be a login code)."""
        for i in range(len(self._chars)):
            self._chars[i] = ""
        self._chars = []
        self._last_ms = None

    @property
    def pending(self) -> int:
        """How many characters of a possible burst are held."""
        return len(self._chars)
