"""The hidden staff gesture: a number of taps in one screen corner within a time window.

Qt-free; the window feeds it the position and time of each press."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

TAPS = 5
WINDOW_S = 3.0
CORNER_PX = 120


@dataclass
class CornerTaps:
    """`tap(x, y, t)` returns True on the `taps`-th tap in the top-left corner within `window_s` seconds."""
    taps: int = TAPS
    window_s: float = WINDOW_S
    corner_px: int = CORNER_PX
    _times: deque = field(default_factory=deque)

    def tap(self, x: float, y: float, t: float) -> bool:
        if x > self.corner_px or y > self.corner_px or x < 0 or y < 0:
            self._times.clear()
            return False
        self._times.append(t)
        while self._times and t - self._times[0] > self.window_s:
            self._times.popleft()
        if len(self._times) >= self.taps:
            self._times.clear()
            return True
        return False
