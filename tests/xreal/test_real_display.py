"""The kiosk on a real X server (Xvfb at 1920×1080 with the openbox window manager), tapped and typed on with
xdotool, with Qt's virtual keyboard plugin: what the offscreen tests cannot see.

- a text field (search) opens the keyboard, and the screen makes room: the field and the results stay above it;
- a digit field never opens the keyboard (the kiosk's keypad is the only input), and "." and spaces typed on a
  hardware keyboard never get in;
- a card scanner's burst of keys logs the citizen in."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


@pytest.fixture(scope="module")
def x_display():
    from kiosk_devtools.x_display import NoDisplay, x_display as start_display

    try:
        with start_display() as env:
            yield env
    except NoDisplay as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def driven(x_display, tmp_path_factory):
    out = tmp_path_factory.mktemp("real-display")
    report = out / "report.json"
    env = {**x_display, "QT_QPA_PLATFORM": "xcb", "QT_IM_MODULE": "qtvirtualkeyboard", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, str(HERE / "kiosk_driver.py"), str(report), str(out)], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=180)
    if not report.exists():
        pytest.fail(f"the driver wrote no report:\n{done.stderr[-3000:]}")
    return json.loads(report.read_text(encoding="utf-8")), out


def test_the_kiosk_covers_the_screen_and_a_card_scanner_logs_in(driven):
    report, _ = driven
    assert report["window"] == report["screen"] == [0, 0, 1920, 1080]
    assert report["logged_in"]


def test_the_keyboard_opens_for_search_and_never_covers_the_field_or_the_results(driven):
    report, shots = driven
    keyboard = report["search"]["keyboard"]
    assert keyboard["visible"], "the on-screen keyboard did not open for the search field"
    keyboard_top = keyboard["rect"][1]
    field_x, field_y, field_w, field_h = report["search"]["field"]
    results_x, results_y, results_w, results_h = report["search"]["results"]
    assert field_y + field_h <= keyboard_top, "the keyboard covers the search field"
    assert results_h >= 150 and results_y + results_h <= keyboard_top, "the keyboard covers the search results"
    assert (shots / "search-keyboard.png").stat().st_size > 10_000


def test_a_digit_field_never_opens_the_keyboard_and_takes_digits_only(driven):
    report, shots = driven
    assert report["year_tap"]["focus"], "the tap did not reach the year field"
    assert not report["year_tap"]["keyboard"]["visible"], "Qt's keyboard opened over the kiosk's keypad"
    assert report["year_text"] == "2023", "'.' or a space got into a year typed as '20.2 3'"
    assert report["year_after_keypad"] == "2023", "a fifth digit got into a year"
    assert (shots / "digit-field.png").stat().st_size > 10_000
