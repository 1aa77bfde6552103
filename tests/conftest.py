"""Test-wide settings: Qt runs offscreen, and every test gets its own data directory.

Servers the tests need are started by the tests themselves on 127.0.0.1."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_ACCESSIBILITY", "0")
os.environ.pop("KIOSK_CONFIG", None)
