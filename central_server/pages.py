"""The reference server's HTML pages: the phone simulator, the hall-staff page and document verification.

Server-rendered, Chinese, no scripts; the phone pages are what `verification_uri_complete` points to."""
from __future__ import annotations

import datetime as _dt
import json
import logging

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from central_server.api import queue_command, verification_facts
from central_server.assisted import pending_for
from central_server.auth import ApiError, central, json_response
from central_server.documents import CHINA_TZ
from central_server.records import Terminal
from central_server.staff_auth import check_login
from central_server.storage import display_user_code
from central_server.terminal_status import OFFLINE_AFTER
from kiosk.central.models import COMMAND_KINDS
from kiosk.shared.masking import mask_id_number

log = logging.getLogger(__name__)
bp = Blueprint("pages", __name__)


@bp.before_request
def phone_pages_only_in_demo():
    """The phone simulator lists sample citizens and approves logins as any of them: demo servers only."""
    if request.path.startswith("/phone") and not current_app.config.get("KIOSK_DEMO"):
        return Response("the phone simulator exists only on a demo server (kiosk central serve --demo)\n",
                        status=404, mimetype="text/plain")
    return None

PRINTER_WORDS = {"ready": "正常", "busy": "打印中", "paper_low": "纸将用完", "paper_out": "缺纸",
                 "cover_open": "机盖打开", "offline": "脱机", "error": "故障", "unknown": "无应答"}
PAPER_WORDS = {"ok": "充足", "full": "充足", "low": "将用完", "out": "缺纸", "jammed": "卡纸", "unknown": "未知"}
COMMAND_WORDS = {"restart": "重启", "reload_catalog": "重新加载目录", "out_of_service": "暂停服务",
                 "in_service": "恢复服务", "show_message": "显示消息"}
LEVEL_WORDS = {"very_satisfied": "非常满意", "satisfied": "满意", "basically_satisfied": "基本满意",
               "dissatisfied": "不满意", "very_dissatisfied": "非常不满意"}


def _when(stamp: float | None) -> str:
    if stamp is None:
        return "从未"
    return _dt.datetime.fromtimestamp(stamp, CHINA_TZ).strftime("%m-%d %H:%M:%S")


def _page(template: str, status: int = 200, **context) -> Response:
    return Response(render_template(template, **context), status=status, mimetype="text/html")


@bp.get("/")
def index():
    return _page("index.html")


# Phone simulator (the citizen's provincial app, RFC 8628 §3.3 and §5.4)

def _citizens() -> list[dict]:
    return [{"id": c.id, "name": c.name, "id_masked": mask_id_number(c.id_number), "note": c.note}
            for c in central().store.citizens()]


_CODE_TROUBLE = {
    "unknown": (404, "验证码无效", "请核对终端屏幕上的验证码，或重新扫描二维码。"),
    "expired": (410, "验证码已过期", "请在终端上重新获取二维码。"),
    "decided": (409, "该验证码已使用", "每个验证码只能使用一次，请在终端上重新获取二维码。"),
}


def _trouble(kind: str) -> Response:
    status, message, detail = _CODE_TROUBLE[kind]
    return _page("phone.html", status, message=message, detail=detail, ok=False, ask_code=True)


@bp.get("/phone")
def phone():
    user_code = request.args.get("user_code", "").strip()
    if not user_code:
        return _page("phone.html", ask_code=True)
    state = central()
    row = state.store.device_code_by_user_code(user_code)
    if row is None:
        return _trouble("unknown")
    if state.clock() >= row.expires_at:
        return _trouble("expired")
    if row.status != "pending":
        return _trouble("decided")
    state.store.mark_scanned(user_code)
    terminal = state.store.terminal(row.terminal_id)
    info = {"terminal_name": terminal.name if terminal else row.terminal_id,
            "hall": terminal.hall if terminal else "未知", "signed": row.signed,
            "user_code": display_user_code(row.user_code)}
    return _page("phone.html", request_info=info, citizens=_citizens())


@bp.get("/phone/citizens")
def phone_citizens():
    return json_response([{"id": c["id"], "name": c["name"], "note": c["note"]} for c in _citizens()])


@bp.post("/phone/approve")
def phone_approve():
    user_code = request.form.get("user_code", "")
    citizen_id = request.form.get("citizen_id", "")
    store = central().store
    if store.citizen(citizen_id) is None:
        return _page("phone.html", 400, message="请选择登录的市民", ok=False, ask_code=True)
    trouble = store.decide(user_code, citizen_id)
    if trouble:
        return _trouble(trouble)
    log.info("phone approved a login code")
    return _page("phone.html", message="登录成功", detail="请回到自助终端继续办理。办理完成后终端会自动退出登录。",
                 ok=True)


@bp.post("/phone/deny")
def phone_deny():
    trouble = central().store.decide(request.form.get("user_code", ""), None)
    if trouble:
        return _trouble(trouble)
    log.info("phone denied a login code")
    return _page("phone.html", message="已拒绝登录", detail="终端不会获得您的任何信息。", ok=True)


# Hall staff

def _terminal_view(row: Terminal, waiting: dict[str, list[str]]) -> dict:
    state = central()
    try:
        status = json.loads(row.status or "{}")
    except ValueError:
        status = {}
    last = row.last_heartbeat
    online = last is not None and state.clock() - last < OFFLINE_AFTER
    printer = status.get("printer", "")
    paper = status.get("paper", "")
    return {
        "id": row.id, "name": row.name, "hall": row.hall,
        "online": online, "last_heartbeat": _when(last) + ("" if online else "（离线）"),
        "printer": PRINTER_WORDS.get(printer, printer or "未上报"),
        "paper": PAPER_WORDS.get(paper, paper or "未上报"),
        "service": "暂停服务" if status.get("out_of_service") else "正常服务",
        "session": "是" if status.get("session_active") else "否",
        "spool": status.get("spool_depth", "-"), "outbox": status.get("outbox_depth", "-"),
        "version": status.get("version", "-"),
        "commands": waiting.get(row.id, []),
    }


PAGE_SIZE = 50          # terminals per page of the staff list: a province has thousands
SHOW = {"all": "全部", "offline": "离线", "attention": "需处理（离线、缺纸、打印机故障或暂停服务）"}


def _scope() -> str | None:
    """The hall whose terminals this member of staff sees: their own, or for the province admin the one chosen
    with ?hall= (None: all of them)."""
    return (request.args.get("hall", "") or None) if current_user.is_admin else current_user.hall


def _terminal_page(state) -> dict:
    """One page of the terminals in view (filtered by ?show= and, for the admin, ?hall=) and the counts the
    filters offer, each from SQL: one grouped count, one page of rows and their waiting commands."""
    show = request.args.get("show", "all")
    show = show if show in SHOW else "all"
    hall = _scope()
    counts = state.store.terminal_counts(hall)
    matching = {"all": counts.total, "offline": counts.offline, "attention": counts.attention}[show]
    pages = max(1, -(-matching // PAGE_SIZE))
    try:
        page = min(max(1, int(request.args.get("page", "1"))), pages)
    except ValueError:
        page = 1
    rows = state.store.terminal_page(hall, show, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    waiting: dict[str, list[str]] = {}
    for command in state.store.pending_commands_of([t.id for t in rows]):
        waiting.setdefault(command.terminal_id, []).append(COMMAND_WORDS.get(command.kind, command.kind))
    return {"terminals": [_terminal_view(t, waiting) for t in rows], "page": page, "pages": pages,
            "matching": matching, "show": show, "show_words": SHOW, "hall": hall or "",
            "halls": state.store.hall_names() if current_user.is_admin else [],
            "total": counts.total, "offline": counts.offline if show == "all" else None}


@bp.route("/staff/login", methods=["GET", "POST"])
def staff_login():
    """Hall staff and the province admin log in (the form carries a CSRF token like every other)."""
    if request.method == "POST":
        user = check_login(central().store, request.form.get("username", ""), request.form.get("password", ""))
        if user is not None:
            login_user(user)
            log.info("staff %s logged in", user.username)
            return redirect(url_for("pages.staff"), 303)
        return _page("staff_login.html", 401, error="用户名或密码不正确")
    return _page("staff_login.html")


@bp.post("/staff/logout")
@login_required
def staff_logout():
    logout_user()
    return redirect(url_for("pages.staff_login"), 303)


@bp.get("/staff")
@login_required
def staff():
    state = central()
    own_hall = None if current_user.is_admin else current_user.hall
    open_help = state.store.open_help_requests()
    recent = state.store.recent_ratings(hall=own_hall)
    waiting_logins = state.store.pending_assisted_logins()
    names = state.store.terminal_names({h.terminal_id for h in open_help} | {r.terminal_id for r in recent}
                                       | {a.terminal_id for a in waiting_logins}, own_hall)
    items = {it.id: it.name_zh for it in state.catalog.parsed.items}
    help_requests = [{"id": h.id, "when": _when(h.created_at), "terminal": names[h.terminal_id],
                      "reason": h.reason} for h in open_help if h.terminal_id in names]
    ratings = [{"when": _when(r.created_at), "terminal": names[r.terminal_id],
                "number": r.application_number, "item": items.get(r.item_id, r.item_id),
                "level": LEVEL_WORDS.get(r.level, r.level), "comment": r.comment, "assisted_by": r.assisted_by,
                "bad": r.level in ("dissatisfied", "very_dissatisfied")}
               for r in recent if r.terminal_id in names]
    return _page("staff.html", **_terminal_page(state), user=current_user,
                 assisted=pending_for(waiting_logins, names),
                 help_requests=help_requests, ratings=ratings, notice=request.args.get("notice", ""))


@bp.post("/staff/terminals/<terminal_id>/commands")
@login_required
def staff_command(terminal_id: str):
    kind = request.form.get("kind", "")
    message = request.form.get("message", "").strip()[:100]
    terminal = central().store.terminal(terminal_id)
    if terminal is None or not current_user.sees(terminal.hall):
        return _page("staff.html", 404, **_terminal_page(central()), help_requests=[], ratings=[], assisted=[],
                     notice="没有这台终端", user=current_user)
    if kind not in COMMAND_KINDS or (kind == "show_message" and not message):
        return redirect(url_for("pages.staff", notice="指令无效：显示消息需要填写消息内容"), 303)
    queue_command(terminal_id, kind, message)
    return redirect(url_for("pages.staff", notice=f"已向终端 {terminal_id} 发送指令：{COMMAND_WORDS[kind]}"), 303)


@bp.post("/staff/help/<request_id>/close")
@login_required
def staff_close_help(request_id: str):
    store = central().store
    asked = store.help_request(request_id)
    terminal = store.terminal(asked.terminal_id) if asked is not None else None
    if terminal is None or not current_user.sees(terminal.hall):     # hall staff close only their hall's
        return redirect(url_for("pages.staff", notice="没有这个帮办请求"), 303)
    closed = store.close_help_request(request_id)
    return redirect(url_for("pages.staff", notice="帮办请求已处理" if closed else "该请求已处理过"), 303)


# Verification of printed documents (可查可验)

@bp.get("/verify/<code>")
def verify_page(code: str):
    try:
        facts = verification_facts(code)
    except ApiError:
        return _page("verify.html", 404, facts=None, code=code)
    return _page("verify.html", facts=facts, code=code)
