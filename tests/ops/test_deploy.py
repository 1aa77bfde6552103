"""deploy/: the systemd unit passes `systemd-analyze verify`, and unit, drop-in, PAM file, udev rule,
install script and terminal config template agree with each other."""
from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from kiosk.config import REPO_DIR, load_config

DEPLOY = REPO_DIR / "deploy"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")


def _unit_values(text: str, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(f"{key}=")]


def _exec_paths(*texts: str) -> set[str]:
    return {value.split()[0] for text in texts for value in _unit_values(text, "ExecStart") if value}


def _verify(tmp_path: Path, unit_text: str, dropin_text: str | None = None) -> str:
    """Run `systemd-analyze verify` on the unit inside a scratch root that holds the system's units and
    stand-ins for the unit's executables (which this machine need not have). Returns all it printed."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    if not (SYSTEM_UNITS / "sysinit.target").exists():
        pytest.skip(f"{SYSTEM_UNITS} has no system units to verify against")
    root = tmp_path / "root"
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    unit_dir = root / "etc/systemd/system"
    unit_dir.mkdir(parents=True)
    (unit_dir / "kiosk.service").write_text(unit_text)
    if dropin_text is not None:
        (unit_dir / "kiosk.service.d").mkdir()
        (unit_dir / "kiosk.service.d/x11.conf").write_text(dropin_text)
    for path in _exec_paths(unit_text, dropin_text or ""):
        stand_in = root / path.lstrip("/")
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text("#!/bin/sh\nexit 0\n")
        stand_in.chmod(0o755)
    done = subprocess.run(["systemd-analyze", "verify", f"--root={root}", "--man=no", "kiosk.service"],
                          capture_output=True, text=True, timeout=60)
    return (done.stdout + done.stderr).strip() + ("" if done.returncode == 0 else f"\n(exit {done.returncode})")


def test_unit_passes_systemd_analyze_verify(tmp_path):
    assert _verify(tmp_path, (DEPLOY / "kiosk.service").read_text()) == ""


def test_unit_with_the_x11_drop_in_passes_systemd_analyze_verify(tmp_path):
    output = _verify(tmp_path, (DEPLOY / "kiosk.service").read_text(), (DEPLOY / "kiosk-x11.conf").read_text())
    assert output == ""


def test_verify_does_catch_a_broken_unit(tmp_path):
    broken = (DEPLOY / "kiosk.service").read_text().replace("WatchdogSec=30", "WatchdogSecs=30")
    assert "Unknown key 'WatchdogSecs'" in _verify(tmp_path, broken)


def test_unit_starts_the_kiosk_under_cage_with_notify_watchdog_and_restart():
    text = (DEPLOY / "kiosk.service").read_text()
    for line in ("Type=notify", "NotifyAccess=all", "WatchdogSec=30", "Restart=always", "User=kiosk",
                 "StateDirectory=kiosk", "PAMName=kiosk", "WantedBy=graphical.target"):
        assert line in text.splitlines(), line
    (exec_start,) = _unit_values(text, "ExecStart")
    # The watchdog is meant for the kiosk, cage's child: WATCHDOG_PID (cage's pid) must not reach it.
    assert re.fullmatch(r"/usr/bin/cage -d -- /usr/bin/env -u WATCHDOG_PID /opt/kiosk/venv/bin/kiosk run "
                        r"--config /etc/kiosk/config.toml", exec_start)


def test_x11_drop_in_replaces_the_command_and_keeps_the_kiosk_command():
    text = (DEPLOY / "kiosk-x11.conf").read_text()
    starts = _unit_values(text, "ExecStart")
    assert starts[0] == "" and len(starts) == 2           # the empty line clears the cage command first
    assert starts[1].startswith("/usr/bin/xinit /usr/bin/env -u WATCHDOG_PID /opt/kiosk/venv/bin/kiosk run ")
    assert " vt1 " in starts[1] and "TTYPath=/dev/tty1" in (DEPLOY / "kiosk.service").read_text()


def test_install_script_installs_what_the_unit_expects_where_it_expects_it():
    script = (DEPLOY / "install-terminal.sh").read_text()
    assert "prefix=/opt/kiosk" in script and '"$prefix/venv/bin/python" -m pip install' in script
    assert 'KIOSK_PARTS=terminal "$prefix/venv/bin/python" -m pip install' in script    # no reference central
    assert "etc_dir=/etc/kiosk" in script and 'user=kiosk' in script
    for source, target in (("kiosk.service", "/etc/systemd/system/kiosk.service"),
                           ("pam.d/kiosk", "/etc/pam.d/kiosk"),
                           ("99-kiosk-printer.rules", "/etc/udev/rules.d/99-kiosk-printer.rules"),
                           ("kiosk-x11.conf", "/etc/systemd/system/kiosk.service.d/x11.conf")):
        assert (DEPLOY / source).is_file()
        assert f'"$deploy_dir/{source}" {target}' in script, source
    assert "chmod 0600 \"$secret\"" in script


def test_install_script_is_valid_bash():
    done = subprocess.run(["bash", "-n", str(DEPLOY / "install-terminal.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_install_script_passes_shellcheck():
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    done = subprocess.run(["shellcheck", str(DEPLOY / "install-terminal.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_terminal_config_template_is_valid_and_uses_the_service_state_directory():
    config = load_config(DEPLOY / "terminal-config.toml")
    assert str(config.data_dir) == "/var/lib/kiosk"
    assert config.central.credentials_file == "/etc/kiosk/terminal.secret"
    assert "staff_pin_hash" not in tomllib.loads((DEPLOY / "terminal-config.toml").read_text())["ui"]


def test_pam_service_registers_a_logind_session():
    lines = [l.split() for l in (DEPLOY / "pam.d/kiosk").read_text().splitlines() if l and not l.startswith("#")]
    assert ["session", "required", "pam_systemd.so"] in lines
    assert {l[0] for l in lines} == {"auth", "account", "session"}


_RULE_TOKEN = re.compile(r'^([A-Z_]+)(\{[A-Za-z_]+\})?(==|!=|=|\+=|:=)"([^"]*)"$')


def test_udev_rule_is_well_formed_and_gives_printers_to_the_kiosk_group():
    rules = [l for l in (DEPLOY / "99-kiosk-printer.rules").read_text().splitlines()
             if l.strip() and not l.lstrip().startswith("#")]
    gotos, labels, vendors = set(), set(), []
    for rule in rules:
        tokens = [t.strip() for t in rule.split(",")]
        parsed = [_RULE_TOKEN.match(t) for t in tokens]
        assert all(parsed), f"malformed udev rule: {rule}"
        keys = {(m.group(1) + (m.group(2) or ""), m.group(3)): m.group(4) for m in parsed}
        gotos.update(v for (k, op), v in keys.items() if k == "GOTO")
        labels.update(v for (k, op), v in keys.items() if k == "LABEL")
        if ("GROUP", "=") in keys:
            assert keys[("GROUP", "=")] == "kiosk" and keys[("MODE", "=")] == "0660"
        if ("ATTR{idVendor}", "==") in keys:
            vendors.append(keys[("ATTR{idVendor}", "==")])
    assert gotos == labels == {"kiosk_printer_end"}
    assert all(re.fullmatch(r"[0-9a-f]{4}", v) for v in vendors)
    assert {"04b8", "0416"} <= set(vendors) and len(vendors) == len(set(vendors))
    assert "kiosk printer detect" in (DEPLOY / "99-kiosk-printer.rules").read_text()
