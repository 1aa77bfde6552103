"""The round official seal (公章) drawn with Pillow, and the sealed block where it overlaps the issuer lines.

Department name along the upper arc, a five-pointed star, the label along the lower edge; drawn
supersampled, then thresholded (never dithered) to crisp 1-bit dots. Where the seal meets the issuer and date
lines the text is knocked out of it (a white margin round every letter), so the words stay readable."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from kiosk.receipt.glyphs import CELL_HEIGHT, HALF_WIDTH, display_width, draw_text, find_cjk_font
from kiosk.receipt.nv_graphics import COLOUR_BLACK, COLOUR_RED, NvGraphic

SUPERSAMPLE = 2
SEAL_RED = (215, 25, 32)
RIGHT_MARGIN = 16  # dots between the issuer lines and the paper's right edge
KNOCKOUT_DOTS = 3  # white margin kept round every text dot where the seal crosses the text


@lru_cache(maxsize=16)
def _seal_font(size: int) -> ImageFont.FreeTypeFont:
    path, _ = find_cjk_font()
    bold = Path(path.replace("Regular", "Bold"))
    chosen = str(bold) if bold.is_file() else path
    index = 2 if chosen.endswith(".ttc") and "NotoSansCJK" in chosen else 0  # Noto Sans CJK SC (proportional)
    return ImageFont.truetype(chosen, size, index=index)


def _star_points(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * 0.382
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + i * 36)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def _char_image(ch: str, size: int) -> Image.Image:
    font = _seal_font(size)
    box = int(size * 1.3)
    img = Image.new("L", (box, box), 0)
    draw = ImageDraw.Draw(img)
    draw.text((box / 2, box / 2), ch, font=font, fill=255, anchor="mm")
    return img


@lru_cache(maxsize=32)
def draw_seal(seal_text: str, label: str, diameter_dots: int) -> Image.Image:
    """The seal as a 1-bit mask (255 = ink), `diameter_dots` wide and high."""
    if diameter_dots < 40:
        raise ValueError(f"a seal needs at least 40 dots across, got {diameter_dots}")
    s = SUPERSAMPLE
    d = diameter_dots * s
    img = Image.new("L", (d, d), 0)
    draw = ImageDraw.Draw(img)
    c = d / 2
    ring = max(2 * s, round(d * 0.035))
    draw.ellipse((0, 0, d - 1, d - 1), fill=255)
    draw.ellipse((ring, ring, d - 1 - ring, d - 1 - ring), fill=0)
    draw.polygon(_star_points(c, c, d * 0.17), fill=255)

    text = seal_text.strip()
    if text:
        n = len(text)
        char_size = int(d * (0.14 if n <= 10 else 0.125 if n <= 14 else 0.105))
        radius = c - ring - char_size * 0.85
        span = min(250.0, max(90.0, n * math.degrees(char_size * 1.05 / radius)))
        step = span / n if n > 1 else 0
        start = -span / 2 + step / 2
        for i, ch in enumerate(text):
            theta = start + i * step
            glyph = _char_image(ch, char_size).rotate(-theta, resample=Image.Resampling.BICUBIC)
            x = c + radius * math.sin(math.radians(theta)) - glyph.width / 2
            y = c - radius * math.cos(math.radians(theta)) - glyph.height / 2
            img.paste(255, (round(x), round(y)), glyph)
    label = label.strip()
    if label:
        size = int(d * 0.11)
        font = _seal_font(size)
        while font.getlength(label) > d * 0.62 and size > 8:
            size -= 1
            font = _seal_font(size)
        draw.text((c, c + d * 0.29), label, font=font, fill=255, anchor="mm")
    small = img.resize((diameter_dots, diameter_dots), Image.Resampling.BOX)
    return small.point(lambda v: 255 if v >= 128 else 0, mode="1")


@dataclass(frozen=True)
class SealBlockImage:
    """The sealed block: the issuer lines and the seal as separate 1-bit masks (255 = ink) of one size."""
    text: Image.Image
    seal: Image.Image

    @property
    def size(self) -> tuple[int, int]:
        return self.text.size

    def combined(self) -> Image.Image:
        """What the printer prints: text and seal as one 1-bit image, black (0) on white (1)."""
        ink = Image.new("1", self.text.size, 0)
        ink.paste(1, (0, 0), self.text)
        ink.paste(1, (0, 0), self.seal)
        return ink.point(lambda v: 0 if v else 255, mode="1")


def seal_block_image(lines: tuple[str, ...], seal_text: str, seal_label: str, diameter_dots: int,
                     max_width: int) -> SealBlockImage:
    """Right-aligned issuer and date lines with the seal centred over them, as a real stamp sits, every letter
    knocked out of the seal (used for a red seal; a black one is printed above the lines instead)."""
    text_width = max((display_width(line) * HALF_WIDTH for line in lines), default=0)
    width = min(max_width, ((max(text_width, diameter_dots) + RIGHT_MARGIN + 7) // 8) * 8)
    height = diameter_dots + 8
    line_height = CELL_HEIGHT + 8
    text_mask = Image.new("1", (width, height), 1)
    top = (height - line_height * len(lines)) // 2 + 4
    for i, line in enumerate(lines):
        w = display_width(line) * HALF_WIDTH
        draw_text(text_mask, max(0, width - RIGHT_MARGIN - w), top + i * line_height, line)
    text_mask = text_mask.point(lambda v: 0 if v else 255, mode="1")
    seal_mask = Image.new("1", (width, height), 0)
    seal = draw_seal(seal_text, seal_label, diameter_dots)
    right = width - RIGHT_MARGIN
    centre_x = right - min(max(text_width, diameter_dots), right) // 2
    x = min(max(0, centre_x - diameter_dots // 2), width - diameter_dots)
    seal_mask.paste(seal, (x, (height - diameter_dots) // 2))
    return SealBlockImage(text=text_mask, seal=knock_out(seal_mask, text_mask))


def knock_out(seal: Image.Image, text: Image.Image, margin: int = KNOCKOUT_DOTS) -> Image.Image:
    """The seal (1-bit, 255 = ink) with every dot within `margin` of a text dot left white."""
    return ImageChops.logical_and(seal, ImageChops.invert(dilate(text, margin)))


def dilate(mask: Image.Image, dots: int) -> Image.Image:
    """A 1-bit mask grown by `dots` in every direction (a square), by shifted pastes: fast for small `dots`."""
    wide = Image.new("1", mask.size, 0)
    for dx in range(-dots, dots + 1):
        wide.paste(1, (dx, 0), mask)
    grown = Image.new("1", mask.size, 0)
    for dy in range(-dots, dots + 1):
        grown.paste(1, (0, dy), wide)
    return grown.point(lambda v: 255 if v else 0, mode="1")


@lru_cache(maxsize=32)
def seal_graphic(seal_text: str, seal_label: str, diameter_dots: int, red: bool) -> NvGraphic:
    """The seal alone, as stored in the printer's NV memory: black, or colour 2 (red) on two-colour paper."""
    return NvGraphic.from_mask(draw_seal(seal_text, seal_label, diameter_dots), COLOUR_RED if red else COLOUR_BLACK)
