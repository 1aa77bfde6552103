"""Central's clock and the waits it asks for, as the terminal trusts them: finite and within bounds.

Kept apart from the HTTP reading in wire.py, so that the models and the heartbeat (and with them the first painted
screen) need no HTTP stack."""
from __future__ import annotations

import math

EARLIEST_SERVER_TIME = 946_684_800.0      # 2000-01-01: an earlier "server time" is a broken clock
LATEST_SERVER_TIME = 4_102_444_800.0      # 2100-01-01


def plausible_time(value: float | None) -> float | None:
    """`value` when it is a finite Unix time between 2000 and 2100, else None."""
    if value is None or not math.isfinite(value) or not EARLIEST_SERVER_TIME <= value <= LATEST_SERVER_TIME:
        return None
    return value


def bounded_wait(seconds: float | None, longest: float) -> float:
    """`seconds` as a wait that is finite and within [0, longest] (0 for None or NaN)."""
    if seconds is None or math.isnan(seconds):
        return 0.0
    return min(max(0.0, seconds), longest)
