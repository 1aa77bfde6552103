"""Optional parts found by entry point: the installed ones load, a missing one is a clear error, not an ImportError."""
from importlib.metadata import EntryPoint

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


def _registered_but_not_importable(monkeypatch) -> None:
    """A part registered by the installed wheel whose libraries were not installed (no `central` extra)."""
    broken = EntryPoint(name="subcommands.broken", value="no_such_library_here.commands:register",
                        group=plugins.GROUP)
    monkeypatch.setattr(plugins, "entry_points", lambda group, name=None: [
        e for e in [broken] if name is None or e.name == name])


def test_a_part_whose_libraries_are_missing_is_a_clear_error(monkeypatch):
    _registered_but_not_importable(monkeypatch)
    with pytest.raises(plugins.PluginMissing, match="no_such_library_here.*pip install 'kiosk\\[central\\]'"):
        plugins.load("subcommands.broken", "kiosk central serve")


def test_the_kiosks_commands_still_load_when_a_parts_libraries_are_missing(monkeypatch, caplog):
    _registered_but_not_importable(monkeypatch)
    assert plugins.load_all("subcommands.") == []
    assert "subcommands.broken is left out: no_such_library_here is not installed" in caplog.text
