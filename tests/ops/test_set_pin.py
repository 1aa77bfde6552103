"""`kiosk config set-pin`: the hash lands under [ui], every other line and comment stays, the file stays valid."""
from __future__ import annotations

import io
import os
import stat

import pytest

from kiosk import cli
from kiosk.config import load_config
from kiosk.ops.pin import verify_pin
from kiosk.ops.set_pin import read_pin_stdin, run_set_pin
from kiosk.ops.toml_edit import TomlEditError, set_string_key


def _lines_without_pin(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("staff_pin_hash")]


def test_pin_hash_is_added_under_ui_and_every_other_line_is_kept(config_file, capsys):
    before = config_file.read_text(encoding="utf-8")
    assert run_set_pin(config_file, "2580") == 0
    after = config_file.read_text(encoding="utf-8")
    assert _lines_without_pin(after) == before.splitlines()
    lines = after.splitlines()
    pin_line = next(i for i, line in enumerate(lines) if line.startswith("staff_pin_hash"))
    assert lines[pin_line - 1].startswith("show_cursor")          # after the last key of [ui]
    config = load_config(config_file)
    assert verify_pin("2580", config.ui.staff_pin_hash)
    assert "staff PIN set" in capsys.readouterr().out


def test_existing_hash_is_replaced_in_place_keeping_its_comment(config_file):
    text = config_file.read_text(encoding="utf-8").replace(
        "show_cursor = false\n", 'show_cursor = false\nstaff_pin_hash = "scrypt$old"   # set at install\n')
    config_file.write_text(text, encoding="utf-8")
    assert run_set_pin(config_file, "4071") == 0
    after = config_file.read_text(encoding="utf-8")
    assert after.count("staff_pin_hash") == 1
    assert "# set at install" in after and "scrypt$old" not in after
    assert verify_pin("4071", load_config(config_file).ui.staff_pin_hash)


def test_ui_table_is_added_when_the_file_has_none(config_file):
    text = config_file.read_text(encoding="utf-8")
    start, end = text.index("[ui]"), text.index("[data]")
    config_file.write_text(text[:start] + text[end:], encoding="utf-8")
    assert run_set_pin(config_file, "2580") == 0
    after = config_file.read_text(encoding="utf-8")
    assert after.rstrip().endswith("[ui]\n" + next(l for l in after.splitlines() if l.startswith("staff_pin_hash")))
    assert verify_pin("2580", load_config(config_file).ui.staff_pin_hash)


def test_file_mode_is_kept_and_no_temporary_file_is_left(config_file):
    os.chmod(config_file, 0o640)
    assert run_set_pin(config_file, "2580") == 0
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o640
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["config.toml"]


def test_weak_pin_changes_nothing(config_file, capsys):
    before = config_file.read_bytes()
    assert run_set_pin(config_file, "1234") == 2
    assert config_file.read_bytes() == before
    assert "straight run" in capsys.readouterr().err


def test_config_with_problems_is_refused_before_anything_is_written(config_file, capsys):
    broken = config_file.read_text(encoding="utf-8").replace("idle_timeout = 60", "idle_timout = 60")
    config_file.write_text(broken, encoding="utf-8")
    assert run_set_pin(config_file, "2580") == 2
    assert config_file.read_text(encoding="utf-8") == broken
    assert "idle_timout" in capsys.readouterr().err


def test_missing_file_is_named(tmp_path, capsys):
    assert run_set_pin(tmp_path / "nope.toml", "2580") == 2
    assert "nope.toml: no such configuration file" in capsys.readouterr().err


def test_asking_without_a_terminal_is_refused_clearly(config_file, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("2580\n"))
    before = config_file.read_bytes()
    assert run_set_pin(config_file, None) == 2
    assert "--pin-stdin" in capsys.readouterr().err
    assert config_file.read_bytes() == before


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_pin_is_asked_twice_and_must_match(config_file, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", _Tty())
    answers = iter(["2580", "2581"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    before = config_file.read_bytes()
    assert run_set_pin(config_file, None) == 2
    assert "differ" in capsys.readouterr().err and config_file.read_bytes() == before

    answers = iter(["2580", "2580"])
    assert run_set_pin(config_file, None) == 0
    assert verify_pin("2580", load_config(config_file).ui.staff_pin_hash)


def test_cli_reads_the_pin_from_stdin_for_scripted_installs(config_file, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("13579\n"))
    assert cli.main(["config", "set-pin", "--config", str(config_file), "--pin-stdin"]) == 0
    assert verify_pin("13579", load_config(config_file).ui.staff_pin_hash)


def test_read_pin_stdin_takes_the_first_line_only():
    assert read_pin_stdin(io.StringIO("2580\r\nmore\n")) == "2580"


def test_crlf_files_keep_their_line_endings():
    text = '[terminal]\r\nid = "T"\r\n\r\n[ui]\r\nlocale = "en"\r\n'
    result = set_string_key(text, "ui", "staff_pin_hash", "h")
    assert result == '[terminal]\r\nid = "T"\r\n\r\n[ui]\r\nlocale = "en"\r\nstaff_pin_hash = "h"\r\n'


def test_key_is_placed_before_comments_that_belong_to_the_next_table():
    text = '[ui]\nlocale = "en"\n\n# the data folder\n[data]\ndir = "var"\n'
    assert set_string_key(text, "ui", "staff_pin_hash", "h") == \
        '[ui]\nlocale = "en"\nstaff_pin_hash = "h"\n\n# the data folder\n[data]\ndir = "var"\n'


@pytest.mark.parametrize("text", [
    'ui = { locale = "en" }\n',                         # an inline table cannot take a new line
    '[ui]\nstaff_pin_hash = """\nold\n"""\n',            # a multi-line string is not replaced by guesswork
    '[ui]\nstaff_pin_hash = "a"\nstaff_pin_hash = "b"\n',  # not valid TOML in the first place
])
def test_layouts_a_line_edit_cannot_handle_safely_are_refused(text):
    with pytest.raises(TomlEditError):
        set_string_key(text, "ui", "staff_pin_hash", "h")


RICH = '''# 1号自助终端 — site configuration
[terminal]
id = "T-001"          # the id at central
name = "1号自助终端"

[printer]
profile = "generic-80mm"
  # a comment indented under the printer
[printer.usb]
vendor_id = 0x0416    # hex stays hex
product_id = 0x5011

[ui]
# citizens' language
locale = "zh_CN"
idle_timeout = 60     # seconds
elderly_mode = false

# where data lives
[data]
dir = "var"
'''


def test_comments_layout_and_number_formats_are_kept_byte_for_byte():
    result = set_string_key(RICH, "ui", "staff_pin_hash", 'scrypt$a"b\\c')
    added = [line for line in result.splitlines() if line not in RICH.splitlines()]
    assert added == ['staff_pin_hash = "scrypt$a\\"b\\\\c"']
    assert [line for line in result.splitlines() if line not in added] == RICH.splitlines()
    assert result.index("staff_pin_hash") < result.index("# where data lives")
    replaced = set_string_key(result, "ui", "staff_pin_hash", "new")
    assert replaced == result.replace('"scrypt$a\\"b\\\\c"', '"new"')


def test_a_key_in_a_dotted_table_and_a_new_dotted_table():
    result = set_string_key(RICH, "printer.usb", "serial", "A1")
    assert 'product_id = 0x5011\nserial = "A1"\n' in result
    result = set_string_key(RICH, "printer.network", "host", "10.0.0.9")
    assert 'product_id = 0x5011\n\n[printer.network]\nhost = "10.0.0.9"\n\n[ui]\n' in result
    assert [line for line in result.splitlines() if line not in ("[printer.network]", 'host = "10.0.0.9"', "")] \
        == [line for line in RICH.splitlines() if line]
    assert set_string_key(RICH, "site", "hall", "一楼").endswith('dir = "var"\n\n[site]\nhall = "一楼"\n')
