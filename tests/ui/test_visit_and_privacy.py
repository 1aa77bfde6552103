"""A whole visit through the real window, and what is left of the citizen afterwards: nothing.

Login by the card scanner, an item, submit, print, rate; then every widget and every object the UI holds is searched."""
from __future__ import annotations

import gc

from PySide6.QtWidgets import QWidget

from kiosk.shared.masking import mask_id_number, mask_name, mask_phone
from kiosk.core.session import Stage
from kiosk_devtools.demo import personal_data_left, widget_texts
from tests.ui.conftest import CITIZEN, wait_until

NEEDLES = {"name": CITIZEN.name, "id_number": CITIZEN.id_number, "phone": CITIZEN.phone,
           "masked id_number": mask_id_number(CITIZEN.id_number), "masked phone": mask_phone(CITIZEN.phone),
           "masked name": mask_name(CITIZEN.name), "card code": CITIZEN.card_code}
SKIP_TYPES = (type(None), bool, int, float, bytes, bytearray)


def strings_held(root, limit: int = 300_000) -> list[tuple[str, str]]:
    """(path, text) for every string reachable from `root` through the product's objects, containers and Qt children.

    Objects of other libraries (requests, sqlite3, …) are not entered: they hold no citizen data of the UI's."""
    from collections import deque

    from PySide6.QtCore import QObject

    seen: set[int] = set()
    keep: list[object] = []        # holds every visited object, so no id is reused during the walk
    out: list[tuple[str, str]] = []
    queue: deque = deque([("root", root)])
    while queue:
        path, obj = queue.popleft()
        if id(obj) in seen or isinstance(obj, SKIP_TYPES) or isinstance(obj, type):
            continue
        seen.add(id(obj))
        keep.append(obj)
        assert len(seen) < limit, "the walk did not end; it must not be cut short silently"
        if isinstance(obj, str):
            out.append((path, obj))
        elif isinstance(obj, dict):
            queue.extend((f"{path}[{k!r}]", v) for k, v in list(obj.items()))
            queue.extend((f"{path}.key", k) for k in list(obj))
        elif isinstance(obj, (list, tuple, set, frozenset)) or type(obj).__name__ == "deque":
            queue.extend((f"{path}[{i}]", v) for i, v in enumerate(list(obj)))
        else:
            if type(obj).__module__.startswith("kiosk"):
                attrs = getattr(obj, "__dict__", None)
                if isinstance(attrs, dict):
                    queue.extend((f"{path}.{k}", v) for k, v in attrs.items())
                for k in getattr(type(obj), "__slots__", ()):
                    queue.append((f"{path}.{k}", getattr(obj, k, None)))
            if isinstance(obj, QObject):
                try:
                    children = obj.children()
                except RuntimeError:
                    continue
                queue.extend((f"{path}/{c.objectName() or type(c).__name__}", c) for c in children)
    return out


def leaks(root) -> list[str]:
    found = []
    for path, text in strings_held(root):
        for what, needle in NEEDLES.items():
            if needle and needle in text:
                found.append(f"{what} at {path}")
    return found


def test_after_a_whole_visit_no_personal_data_is_left_in_widgets_or_session_objects(kiosk):
    c, w = kiosk.c, kiosk.w
    kiosk.log_in()
    assert c.visit.profile.name == CITIZEN.name
    assert leaks(c.session), "the test's search must see the profile while the visit runs"
    assert any(mask_name(CITIZEN.name) in t for t in widget_texts(w))
    kiosk.open_first_item()
    assert any(mask_id_number(CITIZEN.id_number) in t for t in widget_texts(w))
    assert any("_hidden_values" in where for where in leaks(c)), "the search must reach the screens' state"
    kiosk.fill_and_review()
    w.confirm.submit_button.click()
    wait_until(lambda: kiosk.stage == Stage.RATING, what="submitted and printed")
    w.rating.level_buttons["satisfied"].click()
    wait_until(lambda: kiosk.stage == Stage.DONE)
    w.done.finish_button.click()
    wait_until(lambda: kiosk.stage == Stage.HOME)
    gc.collect()
    assert c.session.visit.is_empty
    assert personal_data_left(w, c.visit.profile or _profile()) == []
    texts = widget_texts(w)
    assert not [n for n in NEEDLES.values() if any(n in t for t in texts)]
    assert leaks(c.session) == []
    assert leaks(c) == [], "controller, screens and widgets hold nothing of the citizen"
    assert leaks(w) == []


def _profile():
    from kiosk.central.models import CitizenProfile

    return CitizenProfile(name=CITIZEN.name, id_number=CITIZEN.id_number, phone=CITIZEN.phone)


def test_idle_warning_counts_down_then_ends_the_visit_and_revokes_the_token(kiosk):
    c, w = kiosk.c, kiosk.w
    kiosk.log_in()
    kiosk.open_first_item()
    token = c.visit.token
    now = [0.0]
    c.idle.clock = lambda: now[0]
    c.idle.touch()
    now[0] = c.idle.timeout - 1
    c.idle.check()
    assert not w.idle_warning.isVisible()
    now[0] = c.idle.timeout
    c.idle.check()
    assert w.idle_warning.isVisible()
    assert str(c.idle.warning) in w.idle_warning.body.text()
    now[0] += 5
    c.idle.check()
    assert str(c.idle.warning - 5) in w.idle_warning.body.text()
    w.idle_warning.continue_button.click()                 # 继续: the visit goes on
    assert not w.idle_warning.isVisible() and kiosk.stage == Stage.ITEM
    now[0] += c.idle.timeout
    c.idle.check()
    now[0] += c.idle.warning
    c.idle.check()
    assert kiosk.stage == Stage.HOME and c.visit.is_empty
    assert not w.idle_warning.isVisible()
    assert w.item.inputs == {} and personal_data_left(w, _profile()) == []
    wait_until(lambda: _token_revoked(c, token), what="the token is revoked at central")


def _token_revoked(c, token) -> bool:
    from kiosk.central.errors import CentralError

    try:
        c.terminal.client.profile(token)
    except CentralError:
        return True
    return False


def test_the_terminal_returns_to_its_default_language_and_mode_after_a_visit(kiosk):
    c, w = kiosk.c, kiosk.w
    kiosk.log_in()
    w.header.language_button.click()
    w.header.elderly_button.click()
    assert c.ctx.locale == "en" and c.ctx.elderly
    assert w.catalog.title.text() == "Choose what you want to do"      # applied at once
    w.catalog.logout_button.click()
    wait_until(lambda: kiosk.stage == Stage.HOME)
    assert c.ctx.locale == "zh_CN" and not c.ctx.elderly
    assert w.home.welcome.text().startswith("欢迎使用")
    assert w.header.language_button.text() == "English"


def test_a_person_typing_on_home_does_not_log_in(kiosk):
    kiosk.scan_card(gap_ms=150)
    for _ in range(20):
        wait_until(lambda: True)
    assert kiosk.stage == Stage.HOME and kiosk.c.visit.token is None


def test_an_unknown_scanned_code_says_so_in_words(kiosk):
    kiosk.scan_card("NOT-A-CARD-1234")
    wait_until(lambda: kiosk.w.login._status_key == "login.scanner_invalid", what="refusal shown")
    assert kiosk.stage == Stage.LOGIN and kiosk.c.visit.token is None
    assert "电子社保卡" in kiosk.w.login.status.text()
