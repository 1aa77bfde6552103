"""Sub-commands of `kiosk` owned by kiosk.printing.

Registered into the top-level parser by kiosk.cli."""


def register(subparsers) -> None:
    """Add this package's sub-commands to the `kiosk` parser."""
