"""Sub-commands of `kiosk` owned by kiosk.central.

Registered into the top-level parser by kiosk.cli."""


def register(subparsers) -> None:
    """Add this package's sub-commands to the `kiosk` parser."""
