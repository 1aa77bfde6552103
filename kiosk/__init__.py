"""Self-service kiosk for government service halls.

The package root only exposes the version; see kiosk.app for the composition root."""
from kiosk.version import __version__

__all__ = ["__version__"]
