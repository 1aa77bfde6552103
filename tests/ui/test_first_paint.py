"""The first painted home waits for home only: with a province's catalogue cached, `kiosk run --exit-after-paint`
parses none of it, makes no other screen, and imports neither the HTTP, printing, QR nor pinyin stacks."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from kiosk.core.catalog import CatalogStore
from tests.core.test_item_search import ProvinceCentral

REPO = Path(__file__).resolve().parents[2]

# Run the kiosk in this interpreter, counting the catalogues parsed, and print what it imported.
PROBE = """
import runpy, sys
import kiosk.central.models as models
parsed = []
from_json = models.Catalog.from_json.__func__
models.Catalog.from_json = classmethod(lambda cls, *args, **kw: (parsed.append(1), from_json(cls, *args, **kw))[1])
sys.argv = ["kiosk", "run", "--config", sys.argv[1], "--exit-after-paint"]
try:
    runpy.run_module("kiosk", run_name="__main__")
except SystemExit as exc:
    assert not exc.code, exc.code
print("parsed", len(parsed))
print("modules", " ".join(sorted(sys.modules)))
"""

NOT_BEFORE_FIRST_PAINT = ("requests", "urllib3", "ssl", "escpos", "PIL", "qrcode", "flask", "pypinyin", "babel",
                          "tomlkit", "yaml", "kiosk.central.client", "kiosk.printing.service",
                          "kiosk.ui.screens.item_list", "kiosk.ui.screens.item")


def first_paint(config: Path) -> tuple[int, set[str]]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    env.pop("KIOSK_CONFIG", None)
    done = subprocess.run([sys.executable, "-c", PROBE, str(config)], capture_output=True, text=True,
                          cwd=config.parent, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if line.startswith(("parsed", "modules")))
    return int(lines["parsed"]), set(lines["modules"].split())


def test_home_is_painted_without_reading_the_province_catalogue_or_loading_what_only_later_screens_need(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o700)
    conn = sqlite3.connect(data_dir / "kiosk.sqlite3")
    conn.row_factory = sqlite3.Row
    CatalogStore(conn).refresh(ProvinceCentral())      # the catalogue as a terminal caches it after a day
    conn.close()
    config = tmp_path / "config.toml"
    config.write_text((REPO / "config.toml").read_text(encoding="utf-8").replace('dir = "var"', f'dir = "{data_dir}"'),
                      encoding="utf-8")
    parsed, _ = first_paint(config)
    assert parsed == 1                     # the first start reads it and keeps home's share apart
    parsed, modules = first_paint(config)
    assert parsed == 0
    loaded = sorted(name for name in NOT_BEFORE_FIRST_PAINT
                    if name in modules or any(m.startswith(name + ".") for m in modules))
    assert not loaded, f"imported before the first paint: {loaded}"
