"""Assisted login (帮办登录) through the real window: a resident ID card on the (virtual) reader, a member of
staff approving on the hall page, then the citizen's catalogue, a submission and the slip; and what the
screen says when the card is expired or the citizen leaves before staff come."""
from __future__ import annotations

import dataclasses
import re

import pytest

from kiosk.config import IdReaderConfig
from kiosk.core.session import Stage
from kiosk.printing.connections import virtual_out_dir
from kiosk.shared.masking import mask_id_number
from kiosk_devtools.virtual_id_reader import SAMPLE_CARD, VirtualIdReader
from tests.central.conftest import StaffBrowser
from tests.ui.conftest import kiosk_config, running_kiosk, wait_until

REQUEST = re.compile(r"/staff/assisted/(AL-[0-9A-F]+)/approve")


@pytest.fixture
def reader():
    virtual = VirtualIdReader().start()
    virtual.set_card("absent")
    yield virtual
    virtual.stop()


@pytest.fixture
def kiosk(qapp, tmp_path, reader):
    config = kiosk_config(tmp_path / "data")
    config = dataclasses.replace(config, id_reader=IdReaderConfig(device=reader.url, timeout=1.0))
    yield from running_kiosk(config)


def staff_browser(kiosk) -> StaffBrowser:
    embedded = kiosk.c.terminal.embedded
    return StaffBrowser(embedded.base_url, embedded.data_dir)


def login_status(kiosk) -> str:
    """What the login screen says of the card (shown large, in place of the phone's steps)."""
    login = kiosk.w.login
    return login.card_message.text() if login.card_message.isVisibleTo(login) else ""


def test_card_placed_staff_approve_then_the_citizen_is_served_and_gets_the_slip(kiosk, reader, tmp_path):
    c, w = kiosk.c, kiosk.w
    assert w.home.card_hint.isVisibleTo(w) and "身份证" in w.home.card_hint.text()
    reader.set_card("present")
    wait_until(lambda: kiosk.stage == Stage.LOGIN and "工作人员" in login_status(kiosk) and c.flow.card.request_id,
               what="the card read and the request waiting for staff")
    w.grab().save(str(tmp_path / "waiting-for-staff.png"))
    staff = staff_browser(kiosk)
    page = staff.page()
    assert "李**" in page and mask_id_number(SAMPLE_CARD["id_number"]) in page
    assert SAMPLE_CARD["id_number"] not in page
    request_id = REQUEST.search(page).group(1)
    assert request_id == c.flow.card.request_id
    staff.post(f"/staff/assisted/{request_id}/approve")
    wait_until(lambda: kiosk.stage == Stage.CATALOG, what="logged in once staff approved")
    assert c.visit.profile.name == SAMPLE_CARD["name"]
    printed_before = set(virtual_out_dir(c.config).iterdir()) if virtual_out_dir(c.config).exists() else set()
    kiosk.open_first_item()
    kiosk.fill_and_review()
    w.confirm.submit_button.click()
    wait_until(lambda: kiosk.stage == Stage.RATING, timeout=30, what="submitted and printed")
    assert c.visit.print_ok and c.flow.last_print.ok
    assert set(virtual_out_dir(c.config).iterdir()) - printed_before, "a slip came out of the printer"
    w.rating.level_buttons["satisfied"].click()
    wait_until(lambda: kiosk.stage == Stage.DONE)
    w.done.finish_button.click()
    wait_until(lambda: kiosk.stage == Stage.HOME)
    kiosk.clock.advance(5)
    for _ in range(3):                      # the card is still on the reader: the next citizen is not logged in
        wait_until(lambda: not c.flow.card.reading, what="a read of the card left behind")
        wait_until(lambda: c.flow.card.reading, what="the next read")
    assert kiosk.stage == Stage.HOME and not c.flow.card.request_id


def test_an_expired_card_says_so_on_the_login_screen(kiosk, reader):
    reader.set_card("expired")
    wait_until(lambda: kiosk.stage == Stage.LOGIN and "有效期" in login_status(kiosk), what="expired card message")
    assert kiosk.c.visit.token is None


def test_a_citizen_who_leaves_before_staff_come_withdraws_the_request(kiosk, reader):
    c, w = kiosk.c, kiosk.w
    reader.set_card("present")
    wait_until(lambda: bool(c.flow.card.request_id), what="the request waiting for staff")
    staff = staff_browser(kiosk)
    assert "李**" in staff.page()
    w.login.cancel_button.click()
    wait_until(lambda: kiosk.stage == Stage.HOME and "李**" not in staff.page(), what="the request withdrawn")
