"""Optional parts found by entry point: the installed ones load, a missing one is a clear error, not an ImportError."""
import pytest

from kiosk import plugins
from kiosk.errors import KioskError


def test_the_developer_tools_and_the_embedded_central_are_found_by_entry_point():
    assert plugins.load("printer_link.virtual", "test").kind == "virtual"
    assert callable(plugins.load("command.demo", "test"))
    assert callable(plugins.load("embedded_central", "test"))


def test_a_part_that_is_not_installed_names_what_needs_it():
    with pytest.raises(plugins.PluginMissing, match="printer.connection = .virtual. needs the 'no-such-part'"):
        plugins.load("no-such-part", 'printer.connection = "virtual"')
    assert issubclass(plugins.PluginMissing, KioskError)
