"""Elderly mode and accessibility measured on the real widgets of every screen, in both modes and orientations.

Font sizes are read from the laid-out widgets, sizes from their geometry, contrast from the painted pixels."""
from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QWidget

from kiosk.core.session import EndReason, Stage
from kiosk.ui.theme import contrast_ratio
from tests.ui.conftest import settle, wait_until

HEADING_ROLES = {"title", "heading", "success", "code"}
LIMITS = {False: dict(body=18, heading=30, touch=44), True: dict(body=24, heading=36, touch=60)}
SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


def shown(widget: QWidget, window: QWidget) -> bool:
    """Visible, not empty, and wholly inside what the window shows (not scrolled away or clipped)."""
    if not widget.isVisibleTo(window) or widget.width() <= 0 or widget.height() <= 0:
        return False
    visible = widget.visibleRegion().boundingRect()
    return visible == widget.rect()


def text_of(widget) -> str:
    return widget.text() if isinstance(widget, (QLabel, QAbstractButton, QLineEdit)) else ""


def window_image(window) -> Image.Image:
    qimage = window.grab().toImage().convertToFormat(QImage.Format_RGB888)
    width, height, stride = qimage.width(), qimage.height(), qimage.bytesPerLine()
    return Image.frombuffer("RGB", (width, height), bytes(qimage.constBits()), "raw", "RGB", stride, 1)


def painted_contrast(image: Image.Image, rect: QRect) -> float | None:
    """Contrast between a widget's background (most common colour) and its text (the strongest common colour)."""
    inset = 4 if min(rect.width(), rect.height()) > 24 else 0     # leave borders out: they are not text
    crop = image.crop((rect.left() + inset, rect.top() + inset, rect.right() + 1 - inset, rect.bottom() + 1 - inset))
    if crop.width < 2 or crop.height < 2:
        return None
    quantized = crop.quantize(colors=12, method=Image.Quantize.FASTOCTREE)
    palette = quantized.getpalette()
    colours = sorted(quantized.getcolors(256) or [], reverse=True)
    if not colours:
        return None
    rgb = [tuple(palette[3 * i:3 * i + 3]) for _, i in colours]
    total = sum(n for n, _ in colours)
    hex_bg = "#%02X%02X%02X" % rgb[0]
    ink = [c for (n, _), c in zip(colours[1:], rgb[1:]) if n >= 0.004 * total]
    if not ink:
        return None
    return max(contrast_ratio("#%02X%02X%02X" % c, hex_bg) for c in ink)


def measure(window, elderly: bool) -> list[str]:
    """Every rule broken on the current screen, as readable lines."""
    limits = LIMITS[elderly]
    problems = []
    image = window_image(window)
    checked_text = 0
    for widget in window.findChildren(QWidget):
        if not shown(widget, window):
            continue
        name = widget.objectName() or type(widget).__name__
        text = text_of(widget)
        if isinstance(widget, QLabel) and text and widget.pixmap().isNull():
            px = widget.font().pixelSize()
            role = widget.property("role") or ""
            need = limits["heading"] if role in HEADING_ROLES else limits["body"]
            if px < need:
                problems.append(f"{name} {text[:20]!r}: {px}px < {need}px")
            if widget.wordWrap() and widget.heightForWidth(widget.width()) > widget.height() + 2:
                problems.append(f"{name} {text[:20]!r}: text cut off ({widget.height()}px high)")
            if not widget.wordWrap() and widget.sizeHint().width() > widget.width() + 2:
                problems.append(f"{name} {text[:20]!r}: text cut off ({widget.width()}px wide)")
        if isinstance(widget, (QAbstractButton, QLineEdit, QComboBox)):
            if widget.width() < limits["touch"] or widget.height() < limits["touch"]:
                problems.append(f"{name}: {widget.width()}×{widget.height()} < {limits['touch']}px")
        if isinstance(widget, QAbstractButton) and text:
            if widget.font().pixelSize() < limits["body"]:
                problems.append(f"{name}: button text {widget.font().pixelSize()}px")
            needed = widget.fontMetrics().horizontalAdvance(text.split("\n")[0])
            if needed > widget.width() - 8:
                problems.append(f"{name} {text[:20]!r}: button text cut off")
        if text and (isinstance(widget, QAbstractButton) or isinstance(widget, QLabel)):
            rect = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
            ratio = painted_contrast(image, rect)
            if ratio is not None:
                checked_text += 1
                if ratio < 4.5:
                    problems.append(f"{name} {text[:20]!r}: contrast {ratio:.2f}")
    if checked_text < 3:
        problems.append(f"only {checked_text} texts measured: the check saw nothing")
    return problems


def check_all_variants(kiosk) -> dict[str, list[str]]:
    """Both orientations; in Chinese both modes, in English the elderly mode (the hardest to fit)."""
    c, w = kiosk.c, kiosk.w
    found = {}
    modes = (False, True) if c.ctx.locale == "zh_CN" else (True,)
    for orientation, size in SIZES.items():
        for elderly in modes:
            if c.ctx.elderly != elderly:
                c.toggle_elderly()
            w.set_screen_size(*size)
            settle(30)
            problems = measure(w, elderly)
            if (w.width(), w.height()) != size:
                widest = max(w.screens.values(), key=lambda s: s.minimumSizeHint().width())
                tallest = max(w.screens.values(), key=lambda s: s.minimumSizeHint().height())
                problems.append(f"the window needs {w.width()}×{w.height()}, not {size[0]}×{size[1]}; widest "
                                f"{widest.stage.value} {widest.minimumSizeHint().toTuple()}, tallest "
                                f"{tallest.stage.value} {tallest.minimumSizeHint().toTuple()}, header "
                                f"{w.header.minimumSizeHint().toTuple()}")
            if problems:
                found[f"{kiosk.stage.value} {orientation} {'elderly' if elderly else 'standard'} {c.ctx.locale}"] = problems
    w.set_screen_size(*SIZES["landscape"])
    if c.ctx.elderly:
        c.toggle_elderly()
    settle(20)
    return found


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_screen_meets_text_size_touch_target_and_contrast_rules(kiosk, locale):
    c, w = kiosk.c, kiosk.w
    if locale == "en":
        c.toggle_language()
    found = {}
    found.update(check_all_variants(kiosk))                                  # home
    w.home.login_button.click()
    wait_until(lambda: kiosk.stage == Stage.LOGIN and bool(w.login.qr.data))
    found.update(check_all_variants(kiosk))                                  # login
    c.end_visit(EndReason.CITIZEN)
    kiosk.log_in()
    if locale == "en":
        c.toggle_language()
    found.update(check_all_variants(kiosk))                                  # catalog
    kiosk.open_first_item()
    found.update(check_all_variants(kiosk))                                  # item
    kiosk.fill_and_review()
    found.update(check_all_variants(kiosk))                                  # confirm
    c.flow.submit_grace = 60.0
    w.confirm.submit_button.click()
    found.update(check_all_variants(kiosk))                                  # submitting
    kiosk.clock.advance(60.0)
    wait_until(lambda: kiosk.stage == Stage.RATING)
    found.update(check_all_variants(kiosk))                                  # rating
    w.rating.skip_button.click()
    found.update(check_all_variants(kiosk))                                  # done
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
