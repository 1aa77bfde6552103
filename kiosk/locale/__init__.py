"""The gettext catalogues of every text a person reads (screens, staff panel, printer advice, slips).

One folder per language, `<lang>/LC_MESSAGES/kiosk.po` (source) and `kiosk.mo` (compiled); zh_CN is the reference."""
from __future__ import annotations

import os
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent
DOMAIN = "kiosk"
REFERENCE_LOCALE = "zh_CN"


def po_path(locale_dir: Path, locale: str) -> Path:
    return Path(locale_dir) / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale_dir: Path, locale: str) -> Path:
    return Path(locale_dir) / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


def available_locales(locale_dir: Path = LOCALE_DIR) -> tuple[str, ...]:
    """Every language with a catalogue (.po or .mo) in `locale_dir`, the reference language first."""
    found = []
    with os.scandir(locale_dir) as entries:
        for entry in entries:
            if entry.is_dir() and (po_path(locale_dir, entry.name).exists() or mo_path(locale_dir, entry.name).exists()):
                found.append(entry.name)
    return tuple(sorted(found, key=lambda name: (name != REFERENCE_LOCALE, name)))
