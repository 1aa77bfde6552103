"""Argument types shared by the `kiosk` sub-commands (ports, counts), each refusing bad input in one line.

The lowest layer: it imports nothing from kiosk, so every sub-command module may use it."""
from __future__ import annotations

import argparse


def tcp_port(text: str) -> int:
    """A TCP port from 0 (the system picks a free one) to 65535."""
    try:
        port = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, got {port}")
    return port


def positive_int(text: str, high: int = 1_000_000) -> int:
    """A whole number from 1 to `high`."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 1 <= value <= high:
        raise argparse.ArgumentTypeError(f"must be from 1 to {high}, got {value}")
    return value
