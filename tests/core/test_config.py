"""Configuration loading: every problem is named with file, key and what was expected."""
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, embedded_defaults, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]
GOOD = (REPO / "config.toml").read_text(encoding="utf-8")


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path, text):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return info.value.problems


def test_shipped_config_and_embedded_defaults_load():
    config = load_config(REPO / "config.toml")
    assert config.terminal.id == "T-DEMO-0001"
    assert config.is_embedded_central
    assert config.printer.connection == "virtual"
    assert embedded_defaults().terminal.id


def test_relative_paths_are_taken_from_the_config_folder(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    assert config.data_dir == tmp_path / "var"


def test_misspelt_key_is_named_with_a_suggestion(tmp_path):
    problems = problems_of(tmp_path, GOOD.replace("idle_timeout = 60", "idle_timout = 60"))
    assert len(problems) == 1
    assert "ui.idle_timout" in problems[0] and "did you mean 'ui.idle_timeout'" in problems[0]
    assert str(tmp_path / "config.toml") in problems[0]


def test_wrong_type_names_key_and_expected_type(tmp_path):
    problems = problems_of(tmp_path, GOOD.replace("idle_timeout = 60", 'idle_timeout = "sixty"'))
    assert any("ui.idle_timeout" in p and "whole number" in p for p in problems)


def test_missing_required_key(tmp_path):
    problems = problems_of(tmp_path, GOOD.replace('id = "T-DEMO-0001"', ""))
    assert any("missing required key 'terminal.id'" in p for p in problems)


def test_unknown_printer_profile_lists_known_ones(tmp_path):
    problems = problems_of(tmp_path, GOOD.replace('profile = "generic-80mm"', 'profile = "generic-80"'))
    assert any("printer.profile" in p and "generic-80" in p for p in problems)


def test_connection_without_its_table(tmp_path):
    problems = problems_of(tmp_path, GOOD.replace('connection = "virtual"', 'connection = "network"'))
    assert any("[printer.network] is missing" in p for p in problems)


def test_several_problems_are_all_reported(tmp_path):
    text = GOOD.replace("idle_timeout = 60", "idle_timout = 60").replace('locale = "zh_CN"', 'locale = "fr"')
    problems = problems_of(tmp_path, text)
    assert len(problems) == 2


def test_not_toml_at_all(tmp_path):
    problems = problems_of(tmp_path, "[terminal\nid=")
    assert "not valid TOML" in problems[0]


def test_url_central_needs_a_credentials_file(tmp_path):
    text = GOOD.replace('base_url = "embedded"', 'base_url = "https://central.example.org/api"')
    problems = problems_of(tmp_path, text)
    assert any("central.credentials_file" in p for p in problems)


def test_unknown_section(tmp_path):
    problems = problems_of(tmp_path, GOOD + "\n[printr]\nx = 1\n")
    assert any("unknown section 'printr'" in p and "[printer]" in p for p in problems)


def test_config_check_command_exits_non_zero_without_traceback(tmp_path):
    path = write(tmp_path, GOOD.replace("idle_timeout = 60", "idle_timout = 60"))
    result = subprocess.run([sys.executable, "-m", "kiosk", "config", "check", str(path)],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2
    assert "ui.idle_timout" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_check_command_ok():
    result = subprocess.run([sys.executable, "-m", "kiosk", "config", "check", str(REPO / "config.toml")],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK")


def test_parse_config_is_frozen():
    config = parse_config(GOOD, "x", REPO)
    with pytest.raises(Exception):
        config.terminal.id = "other"


def test_an_unknown_time_zone_is_named(tmp_path):
    problems = problems_of(tmp_path, GOOD.replace('time_zone = "Asia/Shanghai"', 'time_zone = "Asia/Hefei"'))
    assert any("terminal.time_zone" in p and "'Asia/Hefei'" in p for p in problems)


def test_the_embedded_catalogue_file_is_checked_before_the_terminal_starts(tmp_path):
    import dataclasses

    from kiosk.config import embedded_defaults
    from kiosk.ops.preflight import preflight_problems

    config = embedded_defaults(tmp_path / "data")

    def problems_with(path) -> str:
        changed = dataclasses.replace(config, central=dataclasses.replace(config.central, embedded_catalog=str(path)))
        return "\n".join(preflight_problems(changed))

    assert "no such file" in problems_with(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text("{items", encoding="utf-8")
    assert "not JSON" in problems_with(tmp_path / "broken.json")
    (tmp_path / "wrong.json").write_text('{"version": "1", "categories": [], "items": [{"id": 7}]}', encoding="utf-8")
    assert "catalog.items[0].id: expected str" in problems_with(tmp_path / "wrong.json")
    province = Path(__file__).resolve().parents[1] / "fixtures" / "catalog-2100.json"
    assert "embedded_catalog" not in problems_with(province)
