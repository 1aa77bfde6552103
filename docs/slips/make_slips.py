"""Makes the slip pictures in docs/slips/: the sample slip on an NV-seal printer in Chinese and English, on
two-colour paper, and on a printer that takes everything as a raster.

Run from the repository: `python docs/slips/make_slips.py`. Each picture is what the printer's bytes print."""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from kiosk.config import default_profiles_dir  # noqa: E402
from kiosk.receipt.escpos_render import render_escpos  # noqa: E402
from kiosk.receipt.layout import stored_seal_digest  # noqa: E402
from kiosk.receipt.model import receipt_from_document  # noqa: E402
from kiosk.receipt.preview import render_preview  # noqa: E402
from kiosk.receipt.profiles import load_profile  # noqa: E402
from kiosk.receipt.sample import sample_document  # noqa: E402

# (file, profile, slip language, seal stored in NV memory)
SLIPS = (("nv-seal.zh.png", "hprt-tp809", "zh_CN", True),
         ("nv-seal.en.png", "hprt-tp809", "en", True),
         ("red-seal.zh.png", "hprt-tp809-red", "zh_CN", True),
         ("red-seal-raster.zh.png", "hprt-tp809-red", "zh_CN", False),
         ("raster.zh.png", "generic-80mm", "zh_CN", False))


def main() -> int:
    for name, profile_name, locale, nv in SLIPS:
        profile = load_profile(profile_name, default_profiles_dir())
        receipt = receipt_from_document(sample_document(), application_number="AH-340100-20261203-000042",
                                        locale=locale, zone="Asia/Shanghai")
        stored = {stored_seal_digest(receipt, profile): "S1"} if nv else None
        render_preview(receipt, profile, stored).save(HERE / name)
        size = len(render_escpos(receipt, profile, stored))
        print(f"{name}: {profile_name}, {locale}, {'NV seal' if nv else 'seal sent with the slip'}, {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
