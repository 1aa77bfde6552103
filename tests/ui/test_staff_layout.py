"""The staff screen at 1920×1080, 1600×900 and 1080×1920: nothing overlaps, every button is a finger's size,
the log is as legible as the citizen screens; reprint buttons are whole buttons, not slivers."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton

from kiosk.core.session import Stage
from kiosk.ui.theme import STANDARD
from tests.ui.conftest import kiosk_config, running_kiosk, settle, wait_until


def visible_rect(widget, panel) -> QRect:
    return QRect(widget.mapTo(panel, QPoint(0, 0)), widget.size())


HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def english_hall(qapp, tmp_path):
    """A kiosk whose hall works in English (ui.locale = "en"): staff see their screen in English too."""
    yield from running_kiosk(kiosk_config(tmp_path / "data", locale="en"))


@pytest.mark.parametrize("size", [(1920, 1080), (1600, 900), (1080, 1920)])
def test_the_staff_panel_fits_without_overlaps_at_every_size(kiosk, size):
    check_staff_panel(kiosk, size)


@pytest.mark.parametrize("size", [(1920, 1080), (1600, 900)])
def test_an_english_hall_gets_an_english_staff_screen_that_fits(english_hall, size):
    panel = check_staff_panel(english_hall, size)
    texts = [w.text() for w in panel.findChildren(QPushButton) + panel.findChildren(QLabel) if w.isVisibleTo(panel)]
    chinese = [t for t in texts if HAN.search(t) and "示范" not in t]     # the hall's own name may be Chinese
    assert texts and chinese == [], chinese


def check_staff_panel(kiosk, size):
    """After one printed visit, open the staff panel at `size`: whole buttons, no overlaps, a legible log."""
    k = kiosk
    k.log_in()
    k.open_first_item()
    k.fill_and_review()
    k.w.confirm.submit_button.click()
    wait_until(lambda: k.stage == Stage.RATING, timeout=20, what="a printed slip to reprint")
    k.w.rating.skip_button.click()
    k.w.done.finish_button.click()
    k.w.resize(*size)
    staff = k.parts.staff
    staff.open()
    staff._unlocked()
    panel = staff.panel
    wait_until(lambda: panel.findChildren(QPushButton, None) and any(
        b.objectName().startswith("staff_reprint_") for b in panel.findChildren(QPushButton)), what="reprints")
    settle(200)
    buttons = [b for b in panel.findChildren(QPushButton) if b.isVisibleTo(panel)]
    reprints = [b for b in buttons if b.objectName().startswith("staff_reprint_")]
    assert reprints
    for b in buttons:
        assert b.height() >= STANDARD.touch_min - 4 and b.width() >= STANDARD.touch_min, (b.text(), b.size())
        assert b.fontMetrics().horizontalAdvance(b.text()) <= b.width(), f"{b.text()!r} is cut off"
    rects = [(b.text(), visible_rect(b, panel)) for b in buttons]
    for i, (name_a, a) in enumerate(rects):
        for name_b, b in rects[i + 1:]:
            assert not a.intersects(b), f"{name_a!r} overlaps {name_b!r} at {size}"
    logs = panel.findChild(QPlainTextEdit, "staff_logs")
    assert logs.font().pixelSize() >= STANDARD.body or logs.fontInfo().pixelSize() >= STANDARD.body
    assert all(w.height() >= STANDARD.touch_min - 4 for w in panel.findChildren(QLineEdit) if w.isVisibleTo(panel))
    return panel


@pytest.mark.parametrize("locale, elderly", [("zh_CN", False), ("en", False), ("en", True)])
def test_the_idle_warning_shows_every_line_of_its_words(kiosk, locale, elderly):
    k = kiosk
    k.c.view.set_presentation(locale, elderly)
    k.w.idle_warning.show_seconds(20)
    settle(200)
    for part in (k.w.idle_warning.title, k.w.idle_warning.body):
        needed = part.heightForWidth(part.width()) if part.wordWrap() else part.sizeHint().height()
        assert part.height() >= needed, f"{part.text()!r} is cut: {part.height()} px for {needed}"
    box = k.w.idle_warning.box
    assert box.geometry().bottom() < k.w.idle_warning.height()
    k.w.idle_warning.hide()
