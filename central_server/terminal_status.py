"""What the hall staff page reads from a terminal's reported status: offline, and in need of care.

One rule for the heartbeat that stores it, the migration that filled it in for terminals already known, and
the page that shows it."""
from __future__ import annotations

import json
from typing import Any

OFFLINE_AFTER = 180  # seconds without a heartbeat before a terminal counts as offline


def status_needs_care(status: dict[str, Any]) -> bool:
    """Paper not "ok", printer not "ready", or out of service (a status with none of these says nothing is fine)."""
    return status.get("paper") != "ok" or status.get("printer") != "ready" or bool(status.get("out_of_service"))


def stored_status_needs_care(stored: str) -> bool:
    """The same for a status as kept in the database (JSON text; unreadable counts as needing care)."""
    try:
        status = json.loads(stored or "{}")
    except ValueError:
        return True
    return status_needs_care(status) if isinstance(status, dict) else True
