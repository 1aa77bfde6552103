"""Elderly mode and accessibility measured on the real widgets of every screen, in both modes and orientations.

Font sizes are read from the laid-out widgets, sizes from their geometry, contrast from the painted pixels."""
from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontInfo, QImage, QTextLayout, QTextOption
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QWidget

from kiosk.core.session import EndReason, Stage
from kiosk.ui.theme import contrast_ratio
from tests.ui.conftest import settle, wait_until

HEADING_ROLES = {"title", "heading", "success", "code"}
LIMITS = {False: dict(body=18, heading=30, touch=44), True: dict(body=30, heading=36, touch=60)}
SIZES = {"landscape": (1920, 1080), "small landscape": (1600, 900), "portrait": (1080, 1920)}
LINE_PITCH = 1.3          # lines at least 1.3× the text's size apart (elderly-friendly spacing)
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei")


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


def wrapped_lines(widget: QLabel, text: str) -> list[str]:
    """The lines `widget` shows `text` on, laid out as QLabel lays it out (word boundary, else anywhere)."""
    layout = QTextLayout(text, widget.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    width = widget.contentsRect().width() - 2 * widget.margin() - 2 * widget.indent() if widget.indent() > 0 \
        else widget.contentsRect().width() - 2 * widget.margin()
    lines = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        lines.append(text[line.textStart():line.textStart() + line.textLength()])
    layout.endLayout()
    return lines


def broken_words(widget: QLabel, text: str) -> list[str]:
    """A Latin word cut across two lines, or a name whose last line is one lone character."""
    problems = []
    for paragraph in text.split("\n"):
        lines = wrapped_lines(widget, paragraph)
        for before, after in zip(lines, lines[1:]):
            if before and after and before[-1].isascii() and before[-1].isalnum() and after[0].isascii() \
                    and after[0].isalnum():
                problems.append(f"{text[:20]!r}: the word is cut at {before[-6:]!r}|{after[:6]!r}")
    if widget.property("role") == "tile_name" and len(lines) > 1 and len(lines[-1].strip()) == 1:
        problems.append(f"{text[:20]!r}: {lines[-1].strip()!r} alone on the last line")
    return problems


def measure(window, elderly: bool, within=None) -> list[str]:
    """Every rule broken on the current screen (or only `within` a part of it, e.g. an overlay that dims the
    rest), as readable lines."""
    limits = LIMITS[elderly]
    problems = []
    image = window_image(window)
    checked_text = 0
    for widget in (within or window).findChildren(QWidget):
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
            pitch = widget.fontMetrics().lineSpacing()
            if pitch < LINE_PITCH * px:
                problems.append(f"{name} {text[:20]!r}: lines {pitch}px apart for {px}px text")
            family = QFontInfo(widget.font()).family()
            if family not in CJK_FAMILIES:
                problems.append(f"{name} {text[:20]!r}: drawn in {family!r}, not a CJK font")
            if widget.wordWrap() and widget.textFormat() != Qt.TextFormat.RichText:
                problems.extend(f"{name}: {problem}" for problem in broken_words(widget, text))
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


def check_all_variants(kiosk, within=None) -> dict[str, list[str]]:
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
            problems = measure(w, elderly, within)
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
    w.idle_warning.show_seconds(c.idle.warning)
    found.update({f"idle warning over {k}": v for k, v in check_all_variants(kiosk, w.idle_warning).items()})
    w.idle_warning.hide()
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
    w.done.finish_button.click()
    wait_until(lambda: kiosk.stage == Stage.HOME)
    c.apply_service_mode(True, "设备维护中，预计 30 分钟后恢复" if locale == "zh_CN" else "Under maintenance", "")
    wait_until(lambda: kiosk.stage == Stage.OUT_OF_SERVICE)
    found.update(check_all_variants(kiosk))                                  # out of service
    c.apply_service_mode(False, "", "")
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_elderly_mode_enlarges_the_login_code(kiosk):
    c, w = kiosk.c, kiosk.w
    w.home.login_button.click()
    wait_until(lambda: kiosk.stage == Stage.LOGIN and bool(w.login.qr.data))
    sizes = {}
    for elderly in (False, True):
        if c.ctx.elderly != elderly:
            c.toggle_elderly()
        settle(20)
        sizes[elderly] = w.login.qr.width()
    assert sizes[True] >= sizes[False] + 60, sizes
    assert measure(w, True) == []


def test_the_word_check_sees_a_cut_word_and_a_lone_last_character(qapp):
    from kiosk.ui.widgets import keep_ending_together, label

    english = label("Unemployment insurance certificate")
    english.setStyleSheet("font-size: 30px")
    english.ensurePolished()
    english.resize(150, 400)
    assert any("the word is cut" in p for p in broken_words(english, english.text()))
    chinese = label("社保参保缴费证明", role="tile_name")
    chinese.setStyleSheet("font-size: 30px")
    chinese.ensurePolished()
    chinese.resize(7 * 30 + 4, 200)
    assert any("alone on the last line" in p for p in broken_words(chinese, chinese.text()))
    chinese.setText(keep_ending_together("社保参保缴费证明"))
    assert broken_words(chinese, chinese.text()) == []
