"""Works around a reference-counting bug of PySide6 6.12 that would crash a long-running kiosk.

`SignalInstance.emit()` returns True without a reference, so every emit from Python (and every button wired
to `signal.emit`) takes one reference from True; after some thousands the interpreter aborts with
"bool_dealloc: deallocating True or False". Python 3.12 makes True, False and None immortal; on 3.11 we give
them a reference count so large that no lifetime of a terminal can use it up. Harmless once PySide is fixed."""
from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 50      # references added to each singleton: enough for 10^6 emits per second for 35 years


def affected() -> bool:
    """True for the PySide6 releases with the leak (6.12.x; setup.py keeps installs below it)."""
    import PySide6

    return tuple(PySide6.__version_info__[:2]) >= (6, 12) and sys.version_info < (3, 12)


_immortalized: list[bool] = []   # non-empty once done in this process


def immortalize_singletons() -> None:
    """Give True, False and None a reference count that cannot run out (once per process, affected PySide6 only)."""
    if not affected() or _immortalized:
        return
    for singleton in (True, False, None):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))   # ob_refcnt is the first field
        refcount.value += RESERVE
    _immortalized.append(True)
