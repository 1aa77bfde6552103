"""Optional parts of the kiosk that live in other packages (developer tools, the reference central).

They are found by entry point, never imported by name: a terminal that does not ship them still runs."""
from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Any

from kiosk.errors import KioskError

log = logging.getLogger(__name__)

GROUP = "kiosk.plugins"


class PluginMissing(KioskError):
    """A configuration or command needs a part that is not installed on this machine."""


def load(name: str, needed_for: str) -> Any:
    """The object registered under `name` in the kiosk.plugins entry point group."""
    for entry in entry_points(group=GROUP, name=name):
        try:
            return entry.load()
        except ImportError as exc:
            raise PluginMissing(f"{needed_for} needs the {name!r} part, whose libraries are not all installed "
                                f"here ({exc.name or exc}): pip install 'kiosk[central]'") from exc
    raise PluginMissing(f"{needed_for} needs the {name!r} part, which is not installed here "
                        f"(it comes with the developer tools and the reference central)")


def load_all(prefix: str) -> list[Any]:
    """Every registered object whose name starts with `prefix` (e.g. the sub-commands of optional parts); one
    whose libraries are missing is left out with a warning, so that the kiosk's own commands still run."""
    found = []
    for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        if not entry.name.startswith(prefix):
            continue
        try:
            found.append(entry.load())
        except ImportError as exc:
            log.warning("%s is left out: %s is not installed (pip install 'kiosk[central]')", entry.name,
                        exc.name or exc)
    return found
