"""Optional parts of the kiosk that live in other packages (developer tools, the reference central).

They are found by entry point, never imported by name: a terminal that does not ship them still runs."""
from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from kiosk.errors import KioskError

GROUP = "kiosk.plugins"


class PluginMissing(KioskError):
    """A configuration or command needs a part that is not installed on this machine."""


def load(name: str, needed_for: str) -> Any:
    """The object registered under `name` in the kiosk.plugins entry point group."""
    for entry in entry_points(group=GROUP, name=name):
        return entry.load()
    raise PluginMissing(f"{needed_for} needs the {name!r} part, which is not installed here "
                        f"(it comes with the developer tools and the reference central)")


def load_all(prefix: str) -> list[Any]:
    """Every registered object whose name starts with `prefix` (e.g. the sub-commands of optional parts)."""
    return [entry.load() for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name)
            if entry.name.startswith(prefix)]
