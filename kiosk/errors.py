"""The root of the kiosk's own errors: every failure a caller is expected to handle derives from KioskError.

Each layer defines its children (configuration, storage, central, printer) next to the code that raises them."""
from __future__ import annotations


class KioskError(Exception):
    """An expected failure with a message fit for a technician's console or a log line."""
