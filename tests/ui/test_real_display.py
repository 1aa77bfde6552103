"""On a real X server (Xvfb): the virtual keyboard opens for a text field, and the kiosk takes focus back.

Skipped, with the reason, where Xvfb or the keyboard's libraries are missing."""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DISPLAY = ":97"


def keyboard_libraries_missing() -> str:
    try:
        ctypes.CDLL("libpulse.so.0")   # Qt Virtual Keyboard's QML components link against it
    except OSError:
        return "Qt Virtual Keyboard cannot load: libpulse.so.0 is missing (apt install libpulse0)"
    return ""


@pytest.fixture
def xvfb():
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    proc = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{DISPLAY[1:]}")
    deadline = time.monotonic() + 10
    while not socket.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.skip(f"Xvfb could not start on {DISPLAY}")
    try:
        yield DISPLAY
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_virtual_keyboard_opens_for_a_text_field_and_the_kiosk_reclaims_focus(xvfb, tmp_path):
    missing = keyboard_libraries_missing()
    if missing:
        pytest.skip(missing)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "QT_IM_MODULE")}
    env.update(DISPLAY=xvfb, QT_QPA_PLATFORM="xcb")
    result = subprocess.run([sys.executable, str(REPO / "tests" / "ui" / "xvfb_probe.py"), str(tmp_path / "data")],
                            capture_output=True, text=True, env=env, cwd=REPO, timeout=90)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.returncode == 0 and lines, result.stderr[-3000:]
    seen = json.loads(lines[-1])
    assert seen["geometry"] == [1920, 1080]
    assert seen["focus_is_field"]
    assert seen["keyboard_visible"] and seen["keyboard_height"] > 200
    assert seen["keyboard_locale"] == "zh_CN"           # the pinyin layout
    assert seen["keyboard_hidden_on_new_screen"]
    assert seen["other_took_focus"] and seen["kiosk_active_again"]
