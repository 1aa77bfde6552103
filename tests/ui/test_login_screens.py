"""Logging in: the live QR on home, polling only while it can be seen, scanned, denied, expired, approved.

The phone is the reference server's phone simulator; central is the embedded reference server."""
from __future__ import annotations

import time

from kiosk_devtools.phone import PhoneSimulator
from kiosk.core.login_code import DENIED_PAUSE_SECONDS
from kiosk.core.session import Stage
from tests.ui.conftest import settle, wait_until


def phone(kiosk) -> PhoneSimulator:
    return PhoneSimulator(kiosk.c.terminal.embedded.base_url)


def count_polls(kiosk) -> list[float]:
    client = kiosk.c.terminal.client
    calls: list[float] = []
    real = client.poll_login

    def counted(device_code):
        calls.append(time.monotonic())
        return real(device_code)

    client.poll_login = counted
    return calls


def test_home_shows_a_live_login_code_and_polls_only_while_home_is_shown(kiosk):
    w = kiosk.w
    wait_until(lambda: bool(w.home.qr.data) and w.home.qr.isVisible(), what="QR on home")
    assert kiosk.c.authorization.user_code in w.home.user_code.text()
    calls = count_polls(kiosk)
    wait_until(lambda: len(calls) >= 1, timeout=5, what="polling on home")
    w.home.categories.buttons[0].click()                      # 全部事项: browse without logging in
    assert kiosk.stage == Stage.CATALOG
    settle(100)
    before = len(calls)
    settle(1500)
    assert len(calls) == before, "no polling while the QR is not on screen"
    kiosk.w.header.home_button.click()
    wait_until(lambda: len(calls) > before, timeout=5, what="polling again on home")


def test_scanning_the_home_code_moves_to_login_and_approval_opens_the_catalogue(kiosk):
    w = kiosk.w
    wait_until(lambda: kiosk.c.authorization is not None, what="a code")
    code = kiosk.c.authorization.user_code
    phone(kiosk).scan(code)
    wait_until(lambda: kiosk.stage == Stage.LOGIN, what="login screen after the scan")
    wait_until(lambda: w.login.status.text() == "已扫码，请在手机上确认")
    assert code in w.login.user_code.text() and w.login.qr.data
    phone(kiosk).approve(code)
    wait_until(lambda: kiosk.stage == Stage.CATALOG, what="catalogue after approval")
    assert kiosk.c.visit.token is not None


def test_denial_on_the_phone_is_said_clearly_and_a_new_code_follows(kiosk):
    w = kiosk.w
    w.home.login_button.click()
    wait_until(lambda: kiosk.c.authorization is not None and bool(w.login.qr.data))
    first = kiosk.c.authorization.user_code
    phone(kiosk).deny(first)
    wait_until(lambda: w.login._status_key == "login.denied", what="denial shown")
    assert "取消了登录" in w.login.status.text()
    kiosk.clock.advance(DENIED_PAUSE_SECONDS)                                 # the message was read
    wait_until(lambda: kiosk.c.authorization is not None and kiosk.c.authorization.user_code != first,
               what="a fresh code")
    wait_until(lambda: w.login.qr.data and kiosk.c.authorization.user_code in w.login.user_code.text())
    assert kiosk.stage == Stage.LOGIN


def test_an_expired_code_is_replaced_and_the_countdown_runs(kiosk):
    w = kiosk.w
    w.home.login_button.click()
    wait_until(lambda: kiosk.c.authorization is not None)
    first = kiosk.c.authorization.user_code
    wait_until(lambda: "秒后更新" in w.login.countdown.text(), what="countdown")
    kiosk.clock.advance(kiosk.c.authorization.expires_in)                    # the code's lifetime has passed
    wait_until(lambda: kiosk.c.authorization is not None and kiosk.c.authorization.user_code != first,
               what="a new code after expiry")
    assert w.login._status_key in ("login.expired", "")


def test_help_button_reaches_central_and_says_help_is_coming(kiosk):
    store = kiosk.c.terminal.embedded.app.extensions["central"].store
    before = len(store.open_help_requests())
    kiosk.w.header.help_button.click()
    wait_until(lambda: kiosk.w.notice.isVisible() and "帮办人员马上就到" in kiosk.w.notice.text(),
               what="help is coming")
    assert len(store.open_help_requests()) == before + 1


def test_the_login_screen_never_says_it_is_fetching_a_code_it_already_shows(kiosk):
    w = kiosk.w
    wait_until(lambda: kiosk.c.authorization is not None, what="a code on home")
    w.home.login_button.click()
    wait_until(lambda: kiosk.stage == Stage.LOGIN and bool(w.login.qr.data), what="login screen with its code")
    settle(300)
    fetching = kiosk.c.ctx.tr("login.waiting")
    assert w.login.qr.data and fetching not in w.login.status.text()
    assert not w.login.status.isVisible() or w.login.status.text() != fetching


def test_the_hall_page_shows_the_terminal_screen_item_and_time_of_a_help_call(kiosk):
    import requests

    kiosk.log_in()
    kiosk.open_first_item()
    item = kiosk.c.visit.item
    kiosk.w.header.help_button.click()
    wait_until(lambda: kiosk.w.notice.isVisible(), what="help is coming")
    store = kiosk.c.terminal.embedded.app.extensions["central"].store
    reason = store.open_help_requests()[-1].reason
    assert reason == f"呼叫帮办 · 页面：填写表单 · 事项：{item.name_zh}"
    import re

    base = kiosk.c.terminal.embedded.base_url
    hall = requests.Session()                                   # hall staff log in to their page first
    form = hall.get(base + "/staff/login", timeout=5).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    password = (kiosk.c.terminal.embedded.data_dir / "staff.password").read_text(encoding="ascii").strip()
    hall.post(base + "/staff/login", data={"username": "staff", "password": password, "csrf_token": csrf},
              timeout=5)
    page = hall.get(base + "/staff", timeout=5).text
    assert f"事项：{item.name_zh}" in page and kiosk.c.config.terminal.id in page
