"""The headless demo drives a whole visit through the real UI, central and virtual printer.

It must exit 0, leave a picture of every screen and the receipt, and nothing of the citizen on screen."""
import subprocess
import sys
from pathlib import Path

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
