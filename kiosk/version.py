"""The kiosk's version string.

Kept in its own module so setup.py can read it without importing the package."""
__version__ = "0.1.0"
