"""ESC/POS bytes decoded back match the document; the preview matches what the bytes draw, dot for dot."""
from __future__ import annotations

import dataclasses

from PIL import Image, ImageChops

from kiosk_devtools.escpos_decode import decode_escpos
from kiosk.receipt.escpos_render import KANJI_ON, render_escpos
from kiosk.receipt.layout import layout_receipt, wrap
from kiosk.receipt.model import ReceiptField
from kiosk.receipt.preview import preview_mono, render_preview, to_mono
from kiosk.receipt.seal import SEAL_RED


def _colour_mask(picture: Image.Image, colour: tuple[int, int, int]) -> Image.Image:
    """A 1-bit mask of the pixels that have exactly this colour."""
    bands = [band.point(lambda v, c=c: 255 if v == c else 0, mode="1") for band, c in zip(picture.split(), colour)]
    return ImageChops.logical_and(ImageChops.logical_and(bands[0], bands[1]), bands[2])


def _same_dots(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


def test_native_chinese_text_decodes_back_to_the_document(receipt, native_profile):
    data = render_escpos(receipt, native_profile)
    assert KANJI_ON in data
    job = decode_escpos(data, native_profile.width_dots)
    text = "\n".join(job.text_lines)
    assert job.kanji_used and not job.unknown
    for field in receipt.fields:
        for line in wrap(f"{field.label}：{field.value}", native_profile.text_columns):
            assert line.strip() in text
    for expected in ("社会保险个人参保缴费证明", "已受理，待上传", "AH-340100-20240520-000042",
                     "验证码：7K3Q-9XWD-2M4P", "340102********1234", "￥38,412.96元", "龑䶮", "（）、……"):
        assert expected in text
    assert "?" not in text


def test_native_qr_carries_the_verification_url(receipt, native_profile):
    job = decode_escpos(render_escpos(receipt, native_profile), native_profile.width_dots)
    assert job.qr_payloads == [receipt.verification_url]


def test_raster_profile_sends_no_chinese_bytes_and_its_qr_reads_back(receipt, raster_profile, read_qr):
    data = render_escpos(receipt, raster_profile)
    job = decode_escpos(data, raster_profile.width_dots)
    assert not job.kanji_used and job.qr_payloads == []
    assert all(line.isascii() for line in job.text_lines)
    assert "?" not in "".join(job.text_lines)
    qr_rasters = [r for r in job.rasters if r.image.height > 100 and r.image.width < raster_profile.width_dots // 2]
    assert [read_qr(r.image) for r in qr_rasters] == [receipt.verification_url]


def test_preview_matches_what_the_bytes_print_dot_for_dot(receipt, any_profile):
    job = decode_escpos(render_escpos(receipt, any_profile), any_profile.width_dots)
    assert job.image.width == any_profile.width_dots
    assert _same_dots(job.image, preview_mono(receipt, any_profile))
    assert _same_dots(to_mono(render_preview(receipt, any_profile)), job.image)


def test_the_whole_slip_reads_back_its_qr_code_from_the_printed_picture(receipt, any_profile, read_qr):
    job = decode_escpos(render_escpos(receipt, any_profile), any_profile.width_dots)
    assert read_qr(job.image) == receipt.verification_url


def test_characters_outside_the_printer_font_become_raster_never_question_marks(receipt, native_profile):
    odd = dataclasses.replace(receipt, fields=receipt.fields + (ReceiptField("生僻字", "𠀀𪚥 emoji 😀"),))
    data = render_escpos(odd, native_profile)
    job = decode_escpos(data, native_profile.width_dots)
    assert not any("𠀀" in line or "?" in line for line in job.text_lines)
    assert _same_dots(job.image, preview_mono(odd, native_profile))


def test_native_chinese_needs_at_most_a_quarter_of_the_whole_raster_bytes(receipt, native_profile):
    data = render_escpos(receipt, native_profile)
    whole_raster = native_profile.width_bytes * preview_mono(receipt, native_profile).height
    assert len(data) <= 0.25 * whole_raster


def test_reprint_and_status_line_are_on_paper(receipt, native_profile):
    job = decode_escpos(render_escpos(receipt.as_reprint(), native_profile), native_profile.width_dots)
    assert "【重印】" in job.text_lines[0]
    assert any("已受理，待上传" in line for line in job.text_lines)


def test_a_black_seal_of_the_profiles_size_covers_no_text(receipt, any_profile):
    from kiosk.receipt.preview import paint_layout

    layers = paint_layout(layout_receipt(receipt, any_profile), any_profile)
    left, top, right, bottom = layers.seal.getbbox()
    diameter = any_profile.mm_to_dots(any_profile.seal_diameter_mm)
    assert abs((right - left) - diameter) <= 2 and abs((bottom - top) - diameter) <= 2
    assert layers.ink.crop((left, top, right, bottom)).getbbox() is None, "text under a black seal"
    below = layers.ink.crop((left, bottom, right, bottom + 80))
    assert below.getbbox() is not None, "the issuer and date lines are not right under the seal"


def test_seal_is_red_only_on_two_colour_paper(receipt, any_profile, profiles_dir):
    from kiosk.receipt.profiles import load_profile

    assert _colour_mask(render_preview(receipt, any_profile), SEAL_RED).getbbox() is None
    red_profile = load_profile("hprt-tp809-red", profiles_dir)
    red = _colour_mask(render_preview(receipt, red_profile), SEAL_RED)
    left, top, right, bottom = red.getbbox()
    assert abs((right - left) - red_profile.mm_to_dots(red_profile.seal_diameter_mm)) <= 2


def test_seal_is_thresholded_not_dithered(receipt, native_profile):
    from kiosk.receipt.seal import draw_seal

    seal = draw_seal("合肥市人力资源和社会保障局", "业务专用章", 288)
    assert seal.mode == "1"
    # A thresholded drawing has solid areas: the star's centre and the ring are unbroken ink.
    assert seal.getpixel((144, 144)) == 255
    assert all(seal.getpixel((144, y)) == 255 for y in range(1, 8))
    # No checkerboard dithering anywhere: count isolated single ink dots.
    px = seal.load()
    isolated = sum(1 for x in range(1, 287) for y in range(1, 287)
                   if px[x, y] and not (px[x - 1, y] or px[x + 1, y] or px[x, y - 1] or px[x, y + 1]))
    assert isolated < 20


def test_every_line_fits_the_paper(receipt, any_profile):
    layout = layout_receipt(receipt, any_profile)
    job = decode_escpos(render_escpos(receipt, any_profile), any_profile.width_dots)
    assert layout.width_dots == job.image.width
    assert job.cuts or not any_profile.cutter


def test_printing_a_slip_leaves_no_class_behind(receipt, native_profile):
    from kiosk.receipt.escpos_render import escpos_capabilities

    first, second = escpos_capabilities(native_profile), escpos_capabilities(native_profile)
    assert type(first) is type(second) and first is not second
    assert first.profile_data["media"]["width"]["pixels"] == native_profile.width_dots
    before = len(type(first).__base__.__subclasses__())
    for _ in range(3):
        render_escpos(receipt, native_profile)
    assert len(type(first).__base__.__subclasses__()) == before
