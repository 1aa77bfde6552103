"""Assisted login (帮办登录) on the reference central: a terminal that read a resident ID card asks; hall staff,
logged in to their page, see the masked name and approve or deny; the terminal then gets the citizen's token.

A card is not proof that its holder stands at the terminal, so nothing happens without a member of staff,
whose name is kept with the login."""
from __future__ import annotations

import secrets

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required

from central_server.auth import ApiError, central, json_response, signed_terminal
from central_server.records import AssistedLogin
from kiosk.shared.masking import mask_id_number, mask_name

REQUEST_LIFETIME = 300.0     # seconds a request waits for staff before it lapses

bp = Blueprint("assisted", __name__)


def _terminal_id() -> str:
    return signed_terminal(required=True).id


@bp.post("/api/v1/assisted-logins")
def start():
    terminal_id = _terminal_id()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("id_number"), str) or len(body["id_number"]) != 18:
        raise ApiError(400, "invalid_request", "id_number (18 characters) is required")
    store = central().store
    citizen = store.citizen_by_id_number(body["id_number"].upper())
    if citizen is None:
        raise ApiError(404, "unknown_citizen", "no record for this ID number: the citizen goes to a counter")
    request_id = "AL-" + secrets.token_hex(6).upper()
    store.add_assisted_login(request_id, terminal_id, citizen, mask_name(citizen.name),
                             mask_id_number(citizen.id_number))
    return json_response({"id": request_id, "status": "pending", "expires_in": int(REQUEST_LIFETIME)}, 201)


def _own_request(request_id: str):
    """The request, when the signing terminal made it; 404 otherwise (another terminal's is not revealed)."""
    terminal_id = _terminal_id()
    row = central().store.assisted_login(request_id)
    if row is None or row.terminal_id != terminal_id:
        raise ApiError(404, "unknown_request", "no such assisted login for this terminal")
    return row


@bp.delete("/api/v1/assisted-logins/<request_id>")
def withdraw(request_id: str):
    """The citizen left before staff decided: the request leaves the hall page. A decided one stays as it is."""
    row = _own_request(request_id)
    central().store.withdraw_assisted_login(request_id)
    status = "withdrawn" if row.status == "pending" else row.status
    return json_response({"status": status}, 200)


@bp.get("/api/v1/assisted-logins/<request_id>")
def poll(request_id: str):
    row = _own_request(request_id)
    status = row.status
    if status == "pending" and central().clock() - row.created_at > REQUEST_LIFETIME:
        status = "expired"
    answer: dict = {"status": status}
    if status == "approved":
        answer.update(access_token=row.token, token_type="Bearer", expires_in=int(central().token_lifetime),
                      staff=row.staff)
    return json_response(answer, 200)


def pending_for(rows: list[AssistedLogin], visible_terminals: dict[str, str]) -> list[dict]:
    """The waiting requests (`rows`) of the terminals a member of staff looks after (masked, for the hall page)."""
    now = central().clock()
    return [{"id": r.id, "terminal": visible_terminals[r.terminal_id], "name": r.name_masked,
             "id_number": r.id_masked} for r in rows
            if r.terminal_id in visible_terminals and now - r.created_at <= REQUEST_LIFETIME]


@bp.post("/staff/assisted/<request_id>/<decision>")
@login_required
def decide(request_id: str, decision: str):
    state = central()
    row = state.store.assisted_login(request_id)
    if row is None or not current_user.sees(row.hall) or decision not in ("approve", "deny"):
        return redirect(url_for("pages.staff", notice="没有这个帮办登录请求"), 303)
    if decision == "approve":
        decided = state.store.approve_assisted_login(request_id, current_user.username, state.token_lifetime,
                                                     made_after=state.clock() - REQUEST_LIFETIME)
    else:
        decided = state.store.deny_assisted_login(request_id, current_user.username)
    if not decided:          # another member of staff, the terminal's withdrawal or the request's lapse came first
        return redirect(url_for("pages.staff", notice="该请求已处理、已撤回或已过期"), 303)
    words = "已核验并同意登录" if decision == "approve" else "已拒绝登录"
    return redirect(url_for("pages.staff", notice=f"帮办登录 {row.name_masked}：{words}"), 303)
