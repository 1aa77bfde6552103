"""The headless demo drives a whole visit through the real UI, central and virtual printer.

It must exit 0, leave a picture of every screen and the receipt, and nothing of the citizen on screen."""
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]


def test_headless_demo_walks_a_whole_visit_and_saves_every_screen(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "kiosk", "demo", "--headless", "--out", str(out),
                             "--data", str(tmp_path / "data")], capture_output=True, text=True, cwd=REPO,
                            timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    screens = sorted(p for p in out.glob("*.png") if p.name != "receipt.png")
    assert len(screens) >= 8
    names = [p.stem.split("-", 1)[1] for p in screens]
    for expected in ("home", "login", "catalog", "item", "confirm", "rating", "done"):
        assert expected in names
    for path in screens:
        with Image.open(path) as image:
            assert image.size == (1920, 1080)
            assert len(image.convert("L").getcolors(1 << 20)) > 8   # not a blank frame
    with Image.open(out / "receipt.png") as receipt:
        assert receipt.width in (384, 512, 576) and receipt.height > 600
    printed = [line for line in result.stdout.splitlines() if line.endswith(".png")]
    assert len(printed) == len(screens) + 1


def test_a_cjk_font_draws_chinese_as_characters(qapp):
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics

    from kiosk.ui.theme import FONT_FAMILIES

    chinese = QFontDatabase.families(QFontDatabase.SimplifiedChinese)
    assert chinese, "no font with Simplified Chinese is installed"
    first_family = FONT_FAMILIES.split(",")[0].strip().strip('"')
    metrics = QFontMetrics(QFont(first_family if first_family in chinese else chinese[0]))
    for char in "社保缴费证明办理":
        assert metrics.inFontUcs4(ord(char))


def test_the_phone_panel_never_covers_the_staff_corner():
    from kiosk.core.corner_taps import CORNER_PX
    from kiosk_devtools.demo import panel_position

    for screen in ((0, 0, 1920, 1080), (0, 0, 3840, 2160), (0, 0, 1600, 900), (1920, 0, 1920, 1080)):
        window = (screen[0], screen[1], 1600, 900)
        x, y = panel_position(window, screen, (360, 300))
        overlaps_corner = x < window[0] + CORNER_PX and y < window[1] + CORNER_PX
        assert not overlaps_corner, (screen, x, y)
        assert screen[0] <= x <= screen[0] + screen[2] - 360 and screen[1] <= y <= screen[1] + screen[3] - 300


def test_the_demo_takes_a_terminals_config_with_its_pin(tmp_path):
    import argparse

    from kiosk.config import ConfigError
    from kiosk.ops.pin import hash_pin
    from kiosk_devtools.commands import demo_config

    pin_hash = hash_pin("482913")
    text = (REPO / "config.toml").read_text(encoding="utf-8").replace("[ui]\n", f'[ui]\nstaff_pin_hash = "{pin_hash}"\n')
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    config = demo_config(argparse.Namespace(config=str(tmp_path / "config.toml"), data=str(tmp_path / "data")))
    assert config.ui.staff_pin_hash == pin_hash and config.data_dir == (tmp_path / "data").resolve()
    (tmp_path / "bad.toml").write_text("[ui]\nidle_timeout = 'soon'\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        demo_config(argparse.Namespace(config=str(tmp_path / "bad.toml"), data=None))
