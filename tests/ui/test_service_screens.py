"""Submitting, printing and being out of service, with the real central, outbox and virtual printer.

Cancel works only before anything is sent; a printer fault is explained with the number and a QR; 暂停服务 ends by itself."""
from __future__ import annotations

import dataclasses
import socket
import threading

from kiosk.core.session import Stage
from kiosk.printing.connections import virtual_out_dir

from tests.ui.conftest import kiosk_config, settle, wait_until


def test_submitting_can_be_cancelled_before_anything_is_sent(kiosk):
    c, w = kiosk.c, kiosk.w
    kiosk.log_in()
    kiosk.open_first_item()
    kiosk.fill_and_review()
    c.flow.submit_grace = 5.0
    depth = c.terminal.outbox.depth()
    w.confirm.submit_button.click()
    assert kiosk.stage == Stage.SUBMITTING and w.submitting.cancel_button.isVisible()
    assert "可以点“取消”" in w.submitting.detail.text()
    w.submitting.cancel_button.click()
    assert kiosk.stage == Stage.CONFIRM
    settle(300)
    assert c.terminal.outbox.depth() == depth, "nothing was stored or sent"
    assert c.visit.result is None and c.visit.values


def test_once_sent_the_cancel_button_is_gone(kiosk):
    c, w = kiosk.c, kiosk.w
    kiosk.log_in()
    kiosk.open_first_item()
    kiosk.fill_and_review()
    c.flow.submit_grace = 0.1
    seen = []
    c.stage_changed.connect(lambda s: seen.append(s))
    w.confirm.submit_button.click()
    wait_until(lambda: w.submitting.sent or kiosk.stage != Stage.SUBMITTING)
    assert not w.submitting.cancel_button.isVisibleTo(w.submitting)
    wait_until(lambda: kiosk.stage == Stage.RATING, what="printed")
    assert c.visit.result.application_number


def submit_with_the_paper_out(kiosk) -> None:
    """A whole visit up to submitting, with the virtual printer out of paper: the print failure is shown."""
    kiosk.log_in()
    kiosk.open_first_item()
    kiosk.fill_and_review()
    (virtual_out_dir(kiosk.c.config) / "fault").write_text("paper_out\n", encoding="utf-8")
    kiosk.w.confirm.submit_button.click()
    wait_until(lambda: kiosk.w.printing.problem_card.isVisible(), timeout=20, what="print failure shown")


def test_a_printer_fault_is_explained_with_the_number_and_a_qr_to_keep_the_document(kiosk):
    c, w = kiosk.c, kiosk.w
    submit_with_the_paper_out(kiosk)
    number = c.visit.result.application_number
    assert w.printing.title.text() == "凭证没有打印出来"
    assert "缺纸" in w.printing.problem.text() and w.printing.problem.text().startswith("⚠")
    assert "热敏纸" in w.printing.advice.text()
    assert number in w.printing.number.text()
    assert w.printing.qr.isVisible() and w.printing.qr.data == c.visit.result.document.verification_url
    w.header.language_button.click()                              # the explanation follows the language
    assert "Out of paper" in w.printing.problem.text() and "thermal paper" in w.printing.advice.text()
    w.printing.continue_button.click()
    assert kiosk.stage == Stage.RATING


def test_items_that_need_the_printer_are_disabled_with_the_reason_in_words(kiosk):
    c, w = kiosk.c, kiosk.w
    (virtual_out_dir(c.config) / "fault").write_text("paper_out\n", encoding="utf-8")
    c.flow.check_printer()
    wait_until(lambda: not c.printer_ready, what="printer status read")
    tiles = w.home.tiles.tiles
    assert tiles and all(not t.isEnabled() for t in tiles.values())
    tile = next(iter(tiles.values()))
    assert "缺纸" in tile.reason_label.text() and tile.reason_label.isVisibleTo(tile)
    (virtual_out_dir(c.config) / "fault").write_text("none\n", encoding="utf-8")
    c.flow.check_printer()
    wait_until(lambda: c.printer_ready and all(t.isEnabled() for t in w.home.tiles.tiles.values()))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_out_of_service_while_central_is_unreachable_and_back_by_itself(qapp, tmp_path):
    from werkzeug.serving import make_server

    from central_server.app import close_app, create_app
    from kiosk.app import build_kiosk, show, shutdown
    from kiosk.central.signing import create_secret_file

    port = free_port()
    secret_path = tmp_path / "terminal.secret"
    secret = create_secret_file(secret_path)
    config = kiosk_config(tmp_path / "data")
    config = dataclasses.replace(config, central=dataclasses.replace(
        config.central, base_url=f"http://127.0.0.1:{port}", credentials_file=str(secret_path),
        connect_timeout=0.5, read_timeout=2.0))
    parts = build_kiosk(config)
    c, w = parts.controller, parts.window
    show(parts, fullscreen=False)
    c.recovery_timer.setInterval(200)
    c.start()
    server = app = None
    try:
        wait_until(lambda: c.session.stage == Stage.OUT_OF_SERVICE, what="out of service")
        assert "暂停服务" in w.out_of_service.title.text()
        assert "正在自动重试" in w.out_of_service.reason.text()
        assert config.terminal.contact in w.out_of_service.contact_label.text()
        app = create_app(tmp_path / "central.sqlite3")
        t = config.terminal
        app.extensions["central"].store.register_terminal(t.id, t.name, t.hall, secret)
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        wait_until(lambda: c.session.stage == Stage.HOME, timeout=20, what="back in service by itself")
        wait_until(lambda: bool(w.home.tiles.tiles))
        assert all(tile.isEnabled() for tile in w.home.tiles.tiles.values()) or not c.printer_ready
    finally:
        shutdown(parts)
        if server is not None:
            server.shutdown()
            server.server_close()
        if app is not None:
            close_app(app)


def test_after_a_failed_print_the_done_screen_says_where_the_slip_is_not_to_take_it(kiosk):
    c, w = kiosk.c, kiosk.w
    submit_with_the_paper_out(kiosk)
    number = c.visit.result.application_number
    w.printing.continue_button.click()
    w.rating.skip_button.click()
    assert kiosk.stage == Stage.DONE
    body = w.done.body.text()
    assert "请带好您的凭证" not in body
    assert "没有打印出来" in body and number in body and "补打" in body and "手机" in body
