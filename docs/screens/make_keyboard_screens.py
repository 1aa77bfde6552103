"""Makes the pictures of docs/screens/ that need a real X server: Qt's virtual keyboard open over the search,
and a digit field with the kiosk's own keypad (no keyboard), in Chinese and English.

Run from the repository: `python docs/screens/make_keyboard_screens.py` (starts Xvfb with openbox itself)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))
PICTURES = {"search-keyboard": "keyboard-search", "digit-field": "keyboard-digit-field"}


def main() -> int:
    from PIL import Image

    from kiosk_devtools.x_display import NoDisplay, x_display

    try:
        with x_display() as env:
            env = {**env, "QT_QPA_PLATFORM": "xcb", "QT_IM_MODULE": "qtvirtualkeyboard", "PYTHONPATH": str(REPO)}
            for locale, suffix in (("zh_CN", ""), ("en", ".en")):
                with tempfile.TemporaryDirectory() as folder:
                    subprocess.run([sys.executable, str(REPO / "tests" / "xreal" / "kiosk_driver.py"),
                                    str(Path(folder) / "report.json"), folder, locale],
                                   env=env, cwd=REPO, check=True, timeout=300)
                    for shot, name in PICTURES.items():
                        target = HERE / f"{name}{suffix}.png"
                        shutil.copy(Path(folder) / f"{shot}.png", target)
                        with Image.open(target) as image:
                            image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(
                                target, optimize=True)
                        print(target)
    except NoDisplay as exc:
        print(f"cannot make the pictures: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
