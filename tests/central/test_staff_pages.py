"""The reference central's staff pages: a login with a hashed password, sessions, a CSRF token on every form (a
cross-site form is refused), hall staff limited to their hall, the province admin seeing all."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from central_server.app import close_app, create_app
from central_server.staff_auth import StaffAccountError, add_staff
from kiosk.central.signing import create_secret_file


@pytest.fixture
def central(tmp_path, new_database):
    app = create_app(new_database())
    store = app.extensions["central"].store
    secret = create_secret_file(tmp_path / "t.secret")
    store.register_terminal("T-EAST", "东区1号", "东区大厅", secret)
    store.register_terminal("T-WEST", "西区1号", "西区大厅", secret)
    add_staff(store, "li", "east-password", "hall", "东区大厅")
    add_staff(store, "admin", "admin-password", "admin")
    yield app
    close_app(app)


def token(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


def logged_in(app, user: str, password: str):
    client = app.test_client()
    form = client.get("/staff/login").data
    answer = client.post("/staff/login", data={"username": user, "password": password, "csrf_token": token(form)})
    assert answer.status_code == 303, answer.data.decode()[:300]
    return client


def test_the_staff_page_asks_for_a_login_first(central):
    answer = central.test_client().get("/staff")
    assert answer.status_code == 302 and "/staff/login" in answer.headers["Location"]


def test_a_wrong_password_or_a_login_without_its_token_is_refused(central):
    client = central.test_client()
    form = client.get("/staff/login").data
    wrong = client.post("/staff/login", data={"username": "li", "password": "nope-nope", "csrf_token": token(form)})
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.data.decode()
    no_token = client.post("/staff/login", data={"username": "li", "password": "east-password"})
    assert no_token.status_code == 400


def test_a_cross_site_form_is_refused_even_with_a_session(central):
    client = logged_in(central, "admin", "admin-password")
    forged = client.post("/staff/terminals/T-EAST/commands", data={"kind": "out_of_service"})
    assert forged.status_code == 400
    store = central.extensions["central"].store
    assert store.pending_commands("T-EAST") == []


def test_hall_staff_see_and_command_only_their_hall(central):
    client = logged_in(central, "li", "east-password")
    page = client.get("/staff").data.decode()
    assert "T-EAST" in page and "T-WEST" not in page
    form = token(client.get("/staff").data)
    other = client.post("/staff/terminals/T-WEST/commands", data={"kind": "out_of_service", "csrf_token": form})
    assert other.status_code == 404
    own = client.post("/staff/terminals/T-EAST/commands", data={"kind": "out_of_service", "csrf_token": form})
    assert own.status_code == 303
    assert len(central.extensions["central"].store.pending_commands("T-EAST")) == 1


def test_the_admin_sees_every_hall_and_a_logout_ends_the_session(central):
    client = logged_in(central, "admin", "admin-password")
    page = client.get("/staff").data
    assert b"T-EAST" in page and b"T-WEST" in page
    client.post("/staff/logout", data={"csrf_token": token(page)})
    assert client.get("/staff").status_code == 302


def test_passwords_are_stored_as_salted_hashes_and_weak_accounts_refused(central):
    store = central.extensions["central"].store
    assert "east-password" not in store.staff_user("li").password_hash
    with pytest.raises(StaffAccountError, match="at least 8"):
        add_staff(store, "x", "short", "admin")
    with pytest.raises(StaffAccountError, match="need a hall"):
        add_staff(store, "x", "long-enough", "hall")


def test_the_signed_api_needs_no_csrf_token(central):
    answer = central.test_client().post("/api/v1/heartbeat", json={})
    assert answer.status_code == 401          # refused for its missing signature, not for a CSRF token


def test_add_staff_on_the_command_line(new_database):
    db = new_database()
    done = subprocess.run([sys.executable, "-m", "kiosk", "central", "add-staff", "--db", str(db), "--user", "wang",
                           "--role", "hall", "--hall", "东区大厅"], input="a-good-password\n", capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    short = subprocess.run([sys.executable, "-m", "kiosk", "central", "add-staff", "--db", str(db), "--user", "z",
                            "--role", "admin"], input="short\n", capture_output=True, text=True, timeout=60)
    assert short.returncode == 2 and "at least 8" in short.stderr


def test_a_provinces_terminals_come_a_page_at_a_time_and_filter_by_hall_and_status(central):
    store = central.extensions["central"].store
    store.register_terminals([(f"T-P{i:04d}", f"{i}号", f"第{i % 3 + 1}大厅", b"p" * 64) for i in range(130)])
    store.heartbeat("T-P0001", {"version": "1", "uptime": 5, "printer": "ready", "paper": "ok",
                                "out_of_service": False}, [])
    store.queue_command("T-P0002", "restart")
    client = logged_in(central, "admin", "admin-password")

    def page(query: str = "") -> str:
        return client.get("/staff" + query).data.decode()

    first = page()                                    # 132 terminals: 130 and the fixture's two
    assert "第 1 / 3 页" in first and first.count('name="kind" value="restart"') == 50
    third = page("?page=3")
    assert "第 3 / 3 页" in third and third.count('name="kind" value="restart"') == 32
    hall = page("?hall=第2大厅")
    assert "共 43 台" in hall and "T-P0002" not in hall and "T-P0001" in hall
    assert "共 131 台" in page("?show=offline")      # every terminal but the one that beat
    assert "重启</dd>" in page("?hall=第3大厅")        # T-P0002's waiting command, read for its page
    assert "第 1 / 1 页" in page("?page=banana&hall=第1大厅")
    assert "共 131 台" in page("?show=attention")    # offline counts as needing attention
    store.heartbeat("T-P0004", {"version": "1", "uptime": 5, "printer": "ready", "paper": "out",
                                "out_of_service": False}, [])
    store.heartbeat("T-P0007", {"version": "1", "uptime": 5, "printer": "ready", "paper": "ok",
                                "out_of_service": True}, [])
    assert "共 129 台" in page("?show=offline") and "共 131 台" in page("?show=attention")
    attention = page("?show=attention&hall=第2大厅")   # T-P0001, T-P0004 and T-P0007 are in 第2大厅
    assert "共 42 台" in attention and "T-P0004" in attention and "T-P0007" in attention
    assert "T-P0001" not in attention
    store.heartbeat("T-P0004", {"version": "1", "uptime": 9, "printer": "ready", "paper": "ok",
                                "out_of_service": False}, [])               # paper refilled
    assert "T-P0004" not in page("?show=attention&hall=第2大厅")


def test_hall_staff_count_and_page_only_their_hall_whatever_they_ask_for(central):
    store = central.extensions["central"].store
    store.register_terminals([(f"T-E{i:03d}", f"东{i}号", "东区大厅", b"e" * 64) for i in range(60)])
    client = logged_in(central, "li", "east-password")
    for query in ("", "?hall=西区大厅", "?show=offline&hall=", "?page=2"):
        answer = client.get("/staff" + query).data.decode()
        assert "共 61 台" in answer and "T-WEST" not in answer and "西区大厅" not in answer, query


def test_hall_staff_close_only_their_own_halls_help_requests(central):
    store = central.extensions["central"].store
    with store.transaction() as tx:
        tx.add_help_request("H-WEST", "T-WEST", "打印机卡纸")
        tx.add_help_request("H-EAST", "T-EAST", "不会操作")
    client = logged_in(central, "li", "east-password")
    page = client.get("/staff").data
    for request_id in ("H-WEST", "H-EAST"):
        client.post(f"/staff/help/{request_id}/close", data={"csrf_token": token(page)})
    assert [h.id for h in store.open_help_requests()] == ["H-WEST"]
    admin = logged_in(central, "admin", "admin-password")
    admin.post("/staff/help/H-WEST/close", data={"csrf_token": token(admin.get("/staff").data)})
    assert store.open_help_requests() == []
