"""Every character the screens can show has a glyph in the fonts the set-up installs: no tofu boxes.

The texts are every translation in every catalogue plus the symbols the UI's code adds; the out-of-service sign
is drawn, not a character."""
from __future__ import annotations

import unicodedata
from pathlib import Path

from babel.messages.pofile import read_po

KIOSK_DIR = Path(__file__).resolve().parents[2] / "kiosk"
LOCALE_DIR = KIOSK_DIR / "locale"


def code_symbols() -> str:
    """Symbols written into the UI's code (⚠ before a reason, ✓ on the chosen category, …), outside comments."""
    found = set()
    for source in (KIOSK_DIR / "ui").rglob("*.py"):
        for line in source.read_text(encoding="utf-8").splitlines():
            code = line.split("#", 1)[0]
            found |= {ch for ch in code if unicodedata.category(ch) == "So"}
    return "".join(sorted(found))


def shown_texts() -> list[str]:
    texts = [code_symbols()]
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/kiosk.po"):
        with po.open("rb") as handle:
            texts += [m.string for m in read_po(handle) if m.id and isinstance(m.string, str)]
    return texts


def test_every_character_on_screen_has_a_glyph_in_an_installed_font(qapp):
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics

    fonts = [QFontMetrics(QFont(family)) for family in QFontDatabase.families()]
    assert fonts, "no font at all: deploy/bootstrap.sh installs fonts-noto-cjk"
    characters = {ch for text in shown_texts() for ch in text if not ch.isspace() and ch.isprintable()}
    assert len(characters) > 400                  # the Chinese catalogue is there
    missing = sorted(ch for ch in characters if not any(f.inFontUcs4(ord(ch)) for f in fonts))
    assert not missing, "no installed font draws: " + " ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing)


def test_the_out_of_service_sign_is_drawn_not_a_character(kiosk):
    screen = kiosk.w.out_of_service
    assert "⛔" not in screen.title.text()
    assert not screen.icon.pixmap().isNull() and screen.icon.pixmap().width() >= 120

