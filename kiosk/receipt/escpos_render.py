"""A `Receipt` → ESC/POS bytes for one printer profile, built with python-escpos's Dummy printer.

Chinese goes out as FS & + GB18030 where the profile has the font, as raster lines otherwise; a character
the printer cannot show is never turned into '?': its line is drawn as a raster instead. A seal stored in the
printer's NV memory is printed by its key; on two-colour paper the seal goes out in colour 2 (red)."""
from __future__ import annotations

import copy
import logging
from functools import lru_cache

from escpos.capabilities import CAPABILITIES, BaseProfile
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image

from kiosk.receipt.profiles import PrinterProfile
from kiosk.receipt.glyphs import draw_text
from collections.abc import Mapping

from kiosk.receipt.layout import (Cut, Gap, Layout, QrBlock, SealBlock, SealImage, TextLine, layout_receipt,
                                  line_advance)
from kiosk.receipt.model import Receipt
from kiosk.receipt.nv_graphics import (COLOUR_BLACK, COLOUR_RED, PRINT_BUFFER, buffer_graphic, print_nv_bit_image,
                                       print_nv_graphic)
from kiosk.receipt.qr import qr_mask
from kiosk.receipt.seal import draw_seal, seal_block_image

log = logging.getLogger(__name__)

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
KANJI_ON = FS + b"&"
CUT_COMMANDS = {"partial": GS + b"VB\x00", "full": GS + b"VA\x00"}


def escpos_capabilities(profile: PrinterProfile) -> BaseProfile:
    """python-escpos's profile named by ours, with the paper width in dots taken from ours."""
    return _capabilities_class(profile.name, profile.escpos_profile, profile.print_width_mm, profile.width_dots,
                               round(profile.dots_per_mm * 25.4))()


@lru_cache(maxsize=32)
def _capabilities_class(name: str, escpos_profile: str, width_mm: float, width_dots: int, dpi: int) -> type:
    """One class per printer profile, made once: a class made for every slip would be garbage that only
    the full cycle collection frees, so a long-running kiosk's memory would swell between collections."""
    data = copy.deepcopy(CAPABILITIES["profiles"][escpos_profile])
    data["media"] = {"width": {"mm": width_mm, "pixels": width_dots}, "dpi": dpi}
    return type(f"Kiosk{name.replace('-', '')}Profile", (BaseProfile,), {"profile_data": data})


def native_encodable(text: str, profile: PrinterProfile) -> bytes | None:
    """`text` in the printer's own font encoding, or None when any character would not print as itself."""
    if not profile.native_chinese:
        return None if any(not (" " <= ch <= "~") for ch in text) else text.encode("ascii")
    for ch in text:
        if " " <= ch <= "~":
            continue
        if ord(ch) < 0xA0 or ord(ch) > 0xFFFF:   # C1 controls, emoji and other planes: no printer font has them
            return None
    try:
        encoded = text.encode(profile.native_charset)
    except UnicodeEncodeError:
        return None
    return encoded


def raster_line_image(line: TextLine, width_dots: int) -> Image.Image | None:
    """A text line drawn as the printer's font would draw it, as wide as its text in whole bytes, black on
    white; None for an empty line. The printer places it by ESC a like any raster."""
    width = min(width_dots, (line.width_dots + 7) // 8 * 8)
    if width == 0:
        return None
    canvas = Image.new("1", (width, line.height), 1)
    draw_text(canvas, 0, 0, line.text, line.scale, line.bold)
    return canvas


def raster_x(width: int, align: str, width_dots: int) -> int:
    """Where the printer puts a raster image of this width under ESC a justification."""
    free = max(0, width_dots - width)
    return {"left": 0, "center": free // 2, "right": free}[align]


def line_x(line: TextLine, width_dots: int) -> int:
    """Where a line starts under ESC a justification."""
    free = max(0, width_dots - line.width_dots)
    return {"left": 0, "center": free // 2, "right": free}[line.align]


def pad_to_bytes(mask: Image.Image) -> Image.Image:
    """A 1-bit ink mask (255 = ink) padded on the right to whole bytes, as black on white."""
    width = (mask.width + 7) // 8 * 8
    out = Image.new("1", (width, mask.height), 1)
    out.paste(0, (0, 0), mask)
    return out


class _Writer:
    """Sends layout items through python-escpos, sending each mode command only when it changes."""

    def __init__(self, profile: PrinterProfile):
        self.profile = profile
        self.printer = Dummy()
        self.printer.profile = escpos_capabilities(profile)
        # What the printer is set to now (None: not set yet in this job).
        self.align: str | None = None
        self.scale: int | None = None
        self.bold: bool | None = None
        self.spacing: int | None = None

    def mode(self, align: str = "left", scale: int = 1, bold: bool = False) -> None:
        p = self.printer
        if align != self.align:
            p.set(align=align)
            self.align = align
        if scale != self.scale:
            p.set(custom_size=True, width=scale, height=scale)   # GS ! : applies to Chinese and ASCII alike
            self.scale = scale
        if bold != self.bold:
            p.set(bold=bold)
            self.bold = bold
        spacing = line_advance(scale)
        if spacing != self.spacing:
            p.line_spacing(spacing, divisor=180)                  # ESC 3 n: n dots of paper
            self.spacing = spacing

    def image(self, image: Image.Image, align: str) -> None:
        self.mode(align, self.scale or 1, self.bold or False)
        self.printer.image(image, impl="bitImageRaster", fragment_height=4096)

    def feed(self, dots: int) -> None:
        while dots > 0:
            step = min(255, dots)
            self.printer._raw(ESC + b"J" + bytes([step]))
            dots -= step


def render_layout(layout: Layout, profile: PrinterProfile) -> bytes:
    """The ESC/POS bytes for an already laid-out slip."""
    w = _Writer(profile)
    p = w.printer
    p.hw("INIT")
    if profile.native_chinese:
        p._raw(KANJI_ON)
    raster_lines = 0
    for item in layout.items:
        if isinstance(item, TextLine):
            encoded = native_encodable(item.text, profile)
            if encoded is not None:
                w.mode(item.align, item.scale, item.bold)
                p._raw(encoded + b"\n")
            else:
                raster_lines += 1
                image = raster_line_image(item, profile.width_dots)
                if image is None:
                    w.feed(item.height)
                else:
                    w.image(image, item.align)
        elif isinstance(item, Gap):
            w.feed(item.dots)
        elif isinstance(item, SealBlock):
            block = seal_block_image(item.lines, item.seal_text, item.seal_label, item.diameter_dots,
                                     profile.width_dots)
            if item.red:   # GS ( L fn 112 per colour into the print buffer, then fn 50 prints both at once
                w.mode("right", w.scale or 1, w.bold or False)
                p._raw(buffer_graphic(block.text, COLOUR_BLACK) + buffer_graphic(block.seal, COLOUR_RED) +
                       PRINT_BUFFER)
            else:
                w.image(block.combined(), "right")
        elif isinstance(item, SealImage):
            if item.key is None:
                w.image(pad_to_bytes(draw_seal(item.seal_text, item.seal_label, item.diameter_dots)), "right")
            else:
                w.mode("right", w.scale or 1, w.bold or False)
                p._raw(print_nv_graphic(item.key) if item.command == "gs_l" else print_nv_bit_image())
        elif isinstance(item, QrBlock):
            if item.native:
                w.mode("center", w.scale or 1, w.bold or False)
                p.qr(item.payload, ec=QR_ECLEVEL_M, size=item.module_dots, native=True)
            else:
                w.image(pad_to_bytes(qr_mask(item.payload, item.module_dots)), "center")
        elif isinstance(item, Cut):
            if item.mode in CUT_COMMANDS:
                p._raw(CUT_COMMANDS[item.mode])
        else:  # pragma: no cover - a new layout item without a renderer is a programming error
            raise TypeError(f"no ESC/POS rendering for {type(item).__name__}")
    if profile.native_chinese and raster_lines:
        log.info("profile %s: %d line(s) drawn as raster (characters outside the printer font)",
                 profile.name, raster_lines)
    return p.output


def render_escpos(receipt: Receipt, profile: PrinterProfile, stored_seals: Mapping[str, str] | None = None) -> bytes:
    """The ESC/POS bytes that print `receipt` on a printer of this profile; with `stored_seals` (digest → NV
    key, see `kiosk printer store-seal`) holding this receipt's seal, the seal is printed by key."""
    return render_layout(layout_receipt(receipt, profile, stored_seals), profile)
