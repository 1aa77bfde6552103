"""The embedded central for demos and first tries: the reference central started in-process on loopback.

It ships with the reference central package and is found by entry point; a production terminal never uses it."""
from __future__ import annotations

from typing import Any

from kiosk import plugins
from kiosk.config import Config


def start_embedded_central(config: Config) -> Any:
    """Start the reference central in-process for this terminal (its data under data_dir/central).

    Returns a handle with `base_url`, `secret` and `stop()`; PluginMissing when the package is not installed."""
    start = plugins.load("embedded_central", "a configuration without central.base_url (the embedded central)")
    t = config.terminal
    options = {"catalog_path": config.central.embedded_catalog} if config.central.embedded_catalog else {}
    return start(config.data_dir / "central", t.id, t.name, t.hall, **options)
