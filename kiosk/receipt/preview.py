"""The slip as a picture, dot for dot at the profile's width, drawn from the same layout as the bytes.

The seal shows in red on two-colour paper, black otherwise; `preview_mono` is exactly the dots the paper shows."""
from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from kiosk.receipt.profiles import PrinterProfile
from kiosk.receipt.escpos_render import line_x, native_encodable, raster_x
from kiosk.receipt.glyphs import draw_text
from collections.abc import Mapping

from kiosk.receipt.layout import Cut, Gap, Layout, QrBlock, SealBlock, SealImage, TextLine, layout_receipt
from kiosk.receipt.model import Receipt
from kiosk.receipt.qr import qr_mask
from kiosk.receipt.seal import SEAL_RED, seal_block_image, seal_graphic


@dataclass(frozen=True)
class PaperLayers:
    """The slip's ink in two 1-bit layers (255 = ink): everything black, and the seal."""
    ink: Image.Image
    seal: Image.Image


def _item_height(item, profile: PrinterProfile) -> int:
    if isinstance(item, (TextLine, Gap, SealBlock, SealImage)):
        return item.height
    if isinstance(item, QrBlock):
        return qr_mask(item.payload, item.module_dots).height
    return 0


def paint_layout(layout: Layout, profile: PrinterProfile) -> PaperLayers:
    """Draw every item where the printer puts it: justification, raster padding to whole bytes, QR size."""
    width = profile.width_dots
    height = max(1, sum(_item_height(item, profile) for item in layout.items))
    ink = Image.new("1", (width, height), 1)   # drawn black on white, inverted to a mask at the end
    seal = Image.new("1", (width, height), 0)
    y = 0
    for item in layout.items:
        if isinstance(item, TextLine):
            if native_encodable(item.text, profile) is not None:
                x = line_x(item, width)
            else:   # sent as a raster as wide as its text in whole bytes, placed by ESC a
                x = raster_x(min(width, (item.width_dots + 7) // 8 * 8), item.align, width)
            draw_text(ink, x, y, item.text, item.scale, item.bold)
        elif isinstance(item, SealBlock):
            block = seal_block_image(item.lines, item.seal_text, item.seal_label, item.diameter_dots, width)
            x = width - block.size[0]
            ink.paste(0, (x, y), block.text)
            seal.paste(1, (x, y), block.seal)
        elif isinstance(item, SealImage):
            mask = seal_graphic(item.seal_text, item.seal_label, item.diameter_dots, item.red).mask()
            seal.paste(1, (width - mask.width, y), mask)
        elif isinstance(item, QrBlock):
            mask = qr_mask(item.payload, item.module_dots)
            printed_width = mask.width if item.native else (mask.width + 7) // 8 * 8
            ink.paste(0, ((width - printed_width) // 2, y), mask)
        elif not isinstance(item, (Gap, Cut)):  # pragma: no cover
            raise TypeError(f"no preview for {type(item).__name__}")
        y += _item_height(item, profile)
    return PaperLayers(ink=ink.point(lambda v: 0 if v else 255, mode="1"), seal=seal)


def render_preview(receipt: Receipt, profile: PrinterProfile, stored_seals: Mapping[str, str] | None = None,
                   ) -> Image.Image:
    """The paper as it will look (RGB; the seal red on two-colour paper), `profile.width_dots` wide."""
    layers = paint_layout(layout_receipt(receipt, profile, stored_seals), profile)
    picture = Image.new("RGB", layers.ink.size, (255, 255, 255))
    picture.paste((0, 0, 0), (0, 0), layers.ink)
    picture.paste(SEAL_RED if profile.two_colour_paper else (0, 0, 0), (0, 0), layers.seal)
    return picture


def preview_mono(receipt: Receipt, profile: PrinterProfile, stored_seals: Mapping[str, str] | None = None,
                 ) -> Image.Image:
    """Exactly the dots the printer prints: 1-bit, black (0) on white (255)."""
    layers = paint_layout(layout_receipt(receipt, profile, stored_seals), profile)
    ink = Image.new("1", layers.ink.size, 0)
    ink.paste(1, (0, 0), layers.ink)
    ink.paste(1, (0, 0), layers.seal)
    return ink.point(lambda v: 0 if v else 255, mode="1")


def to_mono(picture: Image.Image) -> Image.Image:
    """Any preview picture as printed dots: every pixel that is not white is ink."""
    grey = picture.convert("RGB").point(lambda v: 255 if v >= 128 else 0).convert("L")
    return grey.point(lambda v: 255 if v == 255 else 0, mode="1")
