"""The dot font shared by raster text, the preview and the ESC/POS interpreter: one glyph per cell.

ASCII takes a 12 x 24 dot cell and every other character a 24 x 24 cell, as a printer's Font A and its
GB18030 font do; glyphs are drawn once with a CJK font (no anti-aliasing) and cached as 1-bit masks."""
from __future__ import annotations

import os
import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CELL_HEIGHT = 24
HALF_WIDTH = 12
FULL_WIDTH = 24
GLYPH_OVERHANG = 4  # dots below the cell that descenders (g, y, 、) may reach into the line gap
_FONT_SIZE = 22
_FONT_TOP = 7       # the font's ink starts this far below the drawing origin at size 22

# (path, face index): Noto Sans Mono CJK SC has half-width Latin that fits the 12-dot cell exactly.
_FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 7),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 7),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 7),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)


class FontMissing(RuntimeError):
    """No CJK font was found; the message says where the kiosk looked and what to install."""


def find_cjk_font() -> tuple[str, int]:
    """The CJK font file and face index: $KIOSK_CJK_FONT (path[:index]), assets/fonts, or the system's."""
    env = os.environ.get("KIOSK_CJK_FONT", "")
    if env:
        font_path, _, font_index = env.partition(":")
        return font_path, int(font_index or 0)
    assets = Path(__file__).resolve().parents[2] / "assets" / "fonts"
    for name in ("NotoSansCJK-Regular.ttc", "NotoSansMonoCJKsc-Regular.otf"):
        if (assets / name).is_file():
            return str(assets / name), 7 if name.endswith(".ttc") else 0
    for path, index in _FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    raise FontMissing("no CJK font found: install fonts-noto-cjk or set KIOSK_CJK_FONT=/path/font.ttc:index")


@lru_cache(maxsize=4)
def _font(scale: int) -> ImageFont.FreeTypeFont:
    path, index = find_cjk_font()
    return ImageFont.truetype(path, _FONT_SIZE * scale, index=index)


def char_columns(ch: str) -> int:
    """Columns a character takes: 1 for printable ASCII, 2 for everything else (a GB18030 font cell)."""
    return 1 if " " <= ch <= "~" else 2


def display_width(text: str) -> int:
    """Columns `text` takes on the slip (a Chinese character takes two)."""
    return sum(char_columns(ch) for ch in text)


def clean_text(text: str) -> str:
    """Text safe to print: tabs become spaces, other control and format characters are dropped."""
    out = []
    for ch in text.replace("\t", " "):
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            continue
        out.append(ch)
    return "".join(out)


@lru_cache(maxsize=8192)
def glyph(ch: str, scale: int = 1, bold: bool = False) -> Image.Image:
    """The 1-bit mask (255 = ink) of one character in its cell, `scale` times the normal size."""
    width = char_columns(ch) * HALF_WIDTH * scale
    height = (CELL_HEIGHT + GLYPH_OVERHANG) * scale
    mask = Image.new("1", (width, height), 0)
    if ch == " ":
        return mask
    draw = ImageDraw.Draw(mask)
    draw.fontmode = "1"
    font = _font(scale)
    advance = font.getlength(ch)
    x = max(0, (width - advance) / 2)
    y = -_FONT_TOP * scale + scale
    draw.text((x, y), ch, font=font, fill=1)
    if bold:
        draw.text((x + scale, y), ch, font=font, fill=1)
    return mask


def draw_text(canvas: Image.Image, x: int, y: int, text: str, scale: int = 1, bold: bool = False) -> int:
    """Draw `text` in black onto a 1-bit canvas with its cell top-left at (x, y); returns the x after it."""
    for ch in text:
        mask = glyph(ch, scale, bold)
        canvas.paste(0, (x, y), mask)
        x += mask.width
    return x
