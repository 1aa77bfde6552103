"""The JSON endpoints of the reference server: RFC 8628 login, profile, catalogue, applications and status.

Implements docs/central-api.yaml; every answer other than success is {"error", "error_description"}."""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import secrets
from typing import Any

from flask import Blueprint, Response, request

from central_server.auth import (ApiError, bearer_assistant, bearer_citizen, central, json_response as _json,
                                 signed_terminal)
from central_server.database import Conflict
from central_server.documents import CHINA_TZ, SubmissionProblem, build_document, check_values, public_fields
from central_server.records import Citizen
from central_server.storage import Writes
from kiosk.central.models import COMMAND_KINDS, RATING_CODES
from kiosk.core.forms import id_number_is_valid

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
MAX_KEY_LENGTH = 200
STATUS_TYPES = {"version": str, "uptime": (int, float), "printer": str, "paper": str, "spool_depth": int,
                "outbox_depth": int, "session_active": bool, "out_of_service": bool, "message": str}
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _no_store(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Pragma"] = "no-cache"
    return resp


def _form_field(name: str, required: bool = True) -> str:
    if request.mimetype != "application/x-www-form-urlencoded":
        raise ApiError(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
    value = request.form.get(name, "")
    if required and not value:
        raise ApiError(400, "invalid_request", f"parameter {name} is missing")
    return value


def _body() -> dict:
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "the body must be application/json")
    try:
        body = json.loads(request.get_data(cache=True).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "the body must be a JSON object")
    return body


def _string(body: dict, key: str, required: bool = True, max_length: int = 500) -> str:
    value = body.get(key, None)
    if value is None:
        if required:
            raise ApiError(422, "invalid_request", f"{key} is missing")
        return ""
    if not isinstance(value, str):
        raise ApiError(422, "invalid_request", f"{key} must be a string")
    if len(value) > max_length:
        raise ApiError(422, "invalid_request", f"{key} is longer than {max_length} characters")
    return value


def _idempotency_key(required: bool) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        if required:
            raise ApiError(400, "missing_idempotency_key", "this call needs an Idempotency-Key header")
        return ""
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiError(400, "invalid_idempotency_key", f"Idempotency-Key must be printable, at most "
                                                       f"{MAX_KEY_LENGTH} characters")
    return key


def _request_hash(endpoint: str, content: Any) -> str:
    text = json.dumps([endpoint, content], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replay(terminal_id: str, key: str, endpoint: str, request_hash: str) -> Response | None:
    """The stored answer for a repeated key; refuses the key for a different request."""
    if not key:
        return None
    stored = central().store.stored_answer(terminal_id, key)
    if stored is None:
        return None
    if stored.endpoint != endpoint or stored.request_hash != request_hash:
        raise ApiError(422, "idempotency_key_reused",
                       "this Idempotency-Key was already used for a different request")
    return _json(json.loads(stored.body), stored.status_code, {"Idempotent-Replayed": "true"})


# RFC 8628 device authorization grant, RFC 7009 revocation

@bp.post("/oauth/device_authorization")
def device_authorization():
    client_id = _form_field("client_id")
    signer = signed_terminal(required=False)
    state = central()
    if signer is not None and signer.id != client_id:
        raise ApiError(401, "invalid_client", "client_id differs from the signing terminal")
    if state.store.terminal(client_id) is None:
        raise ApiError(401, "invalid_client", "unknown client_id")
    device_code, user_code = state.store.create_device_code(client_id, signer is not None,
                                                            state.device_code_lifetime, state.device_interval)
    base = state.public_base()
    log.info("device code issued for terminal %s (signed=%s)", client_id, signer is not None)
    return _no_store(_json({
        "device_code": device_code, "user_code": user_code,
        "verification_uri": f"{base}/phone",
        "verification_uri_complete": f"{base}/phone?user_code={user_code}",
        "expires_in": int(state.device_code_lifetime), "interval": int(state.device_interval),
    }))


@bp.post("/oauth/token")
def token():
    grant_type = _form_field("grant_type")
    if grant_type != DEVICE_GRANT:
        raise ApiError(400, "unsupported_grant_type", f"only {DEVICE_GRANT} is supported")
    device_code = _form_field("device_code")
    client_id = _form_field("client_id")
    signer = signed_terminal(required=False)
    if signer is not None and signer.id != client_id:
        raise ApiError(401, "invalid_client", "client_id differs from the signing terminal")
    state = central()
    outcome = state.store.poll(device_code, client_id, state.token_lifetime)
    if outcome.error:
        descriptions = {
            "authorization_pending": "the citizen has not confirmed yet",
            "slow_down": "polling too fast; the interval grew by 5 seconds",
            "access_denied": "the citizen refused the login",
            "expired_token": "the code expired; ask for a new one",
            "invalid_grant": "unknown, used or foreign device_code",
        }
        extra = {"scanned": outcome.scanned} if outcome.error == "authorization_pending" else {}
        return _no_store(_json({"error": outcome.error, "error_description": descriptions[outcome.error],
                                **extra}, 400))
    log.info("device login approved for terminal %s", client_id)
    return _no_store(_json({"access_token": outcome.access_token, "token_type": "Bearer",
                            "expires_in": outcome.expires_in}))


@bp.post("/oauth/revoke")
def revoke():
    terminal = signed_terminal()
    token_value = _form_field("token")
    central().store.revoke_token(token_value, terminal.id)
    return _json({})


# Citizen login by code, profile

@bp.post("/api/v1/login/code")
def login_with_code():
    terminal = signed_terminal()
    code = _string(_body(), "code", max_length=200).strip()
    state = central()
    citizen = state.store.citizen_by_card_code(code)
    if citizen is None:
        raise ApiError(400, "invalid_code", "this code is not a valid login code")
    token_value = state.store.issue_token(citizen.id, terminal.id, state.token_lifetime)
    return _no_store(_json({"access_token": token_value, "token_type": "Bearer",
                            "expires_in": int(state.token_lifetime)}))


@bp.get("/api/v1/profile")
def profile():
    terminal = signed_terminal()
    citizen = bearer_citizen(terminal.id, required=True)
    return _no_store(_json(_person(citizen)))


# Catalogue

@bp.get("/api/v1/catalog")
def catalog():
    signed_terminal()
    served = central().catalog
    if request.if_none_match.contains(served.etag.strip('"')) or request.if_none_match.star_tag:
        resp = Response(status=304)
    elif "gzip" in request.accept_encodings:   # 2,100 items: 3 MB of JSON, 0.1 MB compressed
        resp = Response(served.gzipped, mimetype="application/json")
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp = Response(served.body, mimetype="application/json")
    resp.headers["Vary"] = "Accept-Encoding"
    resp.headers["ETag"] = served.etag
    resp.headers["Cache-Control"] = "no-cache"
    return resp


# Applications

def _applicant(terminal_id: str, body: dict) -> tuple[dict[str, str], str, bool]:
    """(applicant name/id_number/phone, citizen id, whether a bearer token vouched for it)."""
    citizen = bearer_citizen(terminal_id, required=False)
    store = central().store
    if citizen is not None:
        if body.get("applicant") is not None:
            raise ApiError(422, "invalid_request", "applicant must not be sent together with a bearer token")
        return _person(citizen), citizen.id, True
    raw = body.get("applicant")
    if raw is None:
        raise ApiError(403, "login_required", "a submission needs the citizen's bearer token, or an applicant "
                                              "for an item that may be accepted offline")
    if not isinstance(raw, dict):
        raise ApiError(422, "invalid_request", "applicant must be an object with name and id_number")
    name = _string(raw, "name", max_length=30).strip()
    id_number = _string(raw, "id_number", max_length=18).strip().upper()
    if not id_number_is_valid(id_number):
        raise ApiError(422, "invalid_applicant", "applicant.id_number is not a valid ID number")
    known = store.citizen_by_id_number(id_number)
    if known is None or known.name != name:
        raise ApiError(422, "unknown_applicant", "no citizen with this name and ID number")
    return _person(known), known.id, False


def _person(citizen: Citizen) -> dict[str, str]:
    return {"name": citizen.name, "id_number": citizen.id_number, "phone": citizen.phone}


@bp.post("/api/v1/submissions")
def submit():
    terminal = signed_terminal()
    key = _idempotency_key(required=True)
    body = _body()
    item_id = _string(body, "item_id", max_length=100)
    values = body.get("values")
    if not isinstance(values, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
        raise ApiError(422, "invalid_request", "values must be an object of strings")
    state = central()
    applicant, citizen_id, by_token = _applicant(terminal.id, body)
    request_hash = _request_hash("submission", {"item_id": item_id, "values": values, "citizen": citizen_id})
    replay = _replay(terminal.id, key, "submission", request_hash)
    if replay is not None:
        return replay
    item = state.catalog.parsed.item(item_id)
    if item is not None and not by_token and not item.offline_ok:
        raise ApiError(403, "login_required", f"item {item_id} needs the citizen's login; only items marked "
                                              "offline_ok are accepted without it")
    now = state.clock()
    today = _dt.datetime.fromtimestamp(now, CHINA_TZ).date()
    try:
        cleaned = check_values(state.catalog, item_id, values, applicant, today)
    except SubmissionProblem as exc:
        raise ApiError(404 if exc.reason == "unknown_item" else 422, exc.reason, str(exc)) from None
    spec = state.catalog.specs[item_id]
    try:
        with state.store.transaction() as tx:
            # Checked again inside the transaction: two requests with one key never make two applications.
            raced = tx.answer_exists(terminal.id, key)
            if not raced:
                answer = _create_application(tx, terminal.id, item_id, citizen_id, applicant, cleaned, spec, now,
                                             bearer_assistant(terminal.id) if by_token else "")
                tx.save_answer(terminal.id, key, "submission", request_hash, 201, answer)
    except Conflict:      # the same key, committed first by a request running beside this one (PostgreSQL)
        raced = True
    if raced:
        replay = _replay(terminal.id, key, "submission", request_hash)
        if replay is None:    # the clash was on another unique value (a generated number or code), not the key
            raise ApiError(503, "temporarily_unavailable", "central could not record the application this time; "
                                                           "send it again", headers={"Retry-After": "1"})
        return replay
    log.info("application %s for item %s from terminal %s", answer["application_number"], item_id, terminal.id)
    return _json(answer, 201)


def _create_application(tx: Writes, terminal_id: str, item_id: str, citizen_id: str, applicant: dict[str, str],
                        values: dict[str, str], spec: dict, now: float, assisted_by: str = "") -> dict:
    """Insert one application with its document; returns the submission answer."""
    state = central()
    stamp = _dt.datetime.fromtimestamp(now, CHINA_TZ)
    seq = tx.next_number("application")
    number = f"340100{stamp:%Y%m%d}{seq:06d}"
    doc_seq = tx.next_number(f"document:{spec['number_prefix']}:{stamp:%Y}")
    doc_number = f"{spec['number_prefix']}{stamp:%Y}{doc_seq:06d}"
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    document = build_document(spec, applicant, values, number=doc_number, verification_code=code,
                              verification_url=f"{state.public_base()}/verify/{code}", now=now)
    status = spec.get("status", "issued")
    message = "已出具，请取走打印的凭证" if status == "issued" else "已受理，请保留受理回执"
    tx.add_application(number, terminal_id, item_id, citizen_id, status, document, code, now, assisted_by)
    return {"application_number": number, "status": status, "document": document, "message": message}


@bp.get("/api/v1/verify/<code>")
def verify(code: str):
    signed_terminal()
    return _json(verification_facts(code))


def verification_facts(code: str) -> dict:
    """What anyone holding a verification code may learn about the document (personal values masked)."""
    row = central().store.application_by_code(code)
    if row is None:
        raise ApiError(404, "unknown_code", "no document has this verification code")
    doc = json.loads(row.document)
    return {"valid": True, "verification_code": doc["verification_code"], "application_number": row.number,
            "status": row.status, "title": doc["title"], "number": doc["number"], "issuer": doc["issuer"],
            "issued_at": doc["issued_at"], "fields": public_fields(doc)}


# Ratings (好差评), help requests

@bp.post("/api/v1/ratings")
def rate():
    terminal = signed_terminal()
    key = _idempotency_key(required=False)
    body = _body()
    number = _string(body, "application_number", max_length=40)
    level = _string(body, "level", max_length=40)
    comment = _string(body, "comment", required=False, max_length=500)
    if level not in RATING_CODES:
        raise ApiError(422, "invalid_level", f"level must be one of {', '.join(RATING_CODES)}")
    state = central()
    citizen = bearer_citizen(terminal.id, required=False)
    request_hash = _request_hash("rating", {"application_number": number, "level": level, "comment": comment})
    replay = _replay(terminal.id, key, "rating", request_hash)
    if replay is not None:
        return replay
    application = state.store.application(number)
    if application is None or application.terminal_id != terminal.id:
        raise ApiError(404, "unknown_application", "no application with this number was made at this terminal")
    if citizen is not None and citizen.id != application.citizen_id:
        raise ApiError(403, "not_applicant", "only the applicant may rate this application")
    answer = {"application_number": number, "level": level, "status": "recorded"}
    already_rated = ApiError(409, "already_rated", "this application has already been rated; a service is rated "
                                                   "once")
    try:
        with state.store.transaction() as tx:
            if tx.rating_exists(number):
                raise already_rated
            tx.add_rating(number, terminal.id, level, comment)
            if key:
                tx.save_answer(terminal.id, key, "rating", request_hash, 201, answer)
    except Conflict:      # a rating or this key, committed first by a request running beside this one
        replay = _replay(terminal.id, key, "rating", request_hash)
        if replay is None:
            raise already_rated from None
        return replay
    log.info("rating %s for application %s", level, number)
    return _json(answer, 201)


@bp.post("/api/v1/help-requests")
def help_request():
    terminal = signed_terminal()
    key = _idempotency_key(required=False)
    reason = _string(_body(), "reason", required=False, max_length=200)
    state = central()
    request_hash = _request_hash("help", {"reason": reason})
    replay = _replay(terminal.id, key, "help", request_hash)
    if replay is not None:
        return replay
    request_id = "HELP-" + secrets.token_hex(4).upper()
    answer = {"id": request_id, "status": "open"}
    try:
        with state.store.transaction() as tx:
            tx.add_help_request(request_id, terminal.id, reason)
            if key:
                tx.save_answer(terminal.id, key, "help", request_hash, 201, answer)
    except Conflict:      # this key, committed first by a request running beside this one
        replay = _replay(terminal.id, key, "help", request_hash)
        if replay is None:
            raise
        return replay
    log.info("help request %s from terminal %s", request_id, terminal.id)
    return _json(answer, 201)


# Heartbeat

@bp.post("/api/v1/heartbeat")
def heartbeat():
    terminal = signed_terminal()
    body = _body()
    status = body.get("status", {})
    acked = body.get("acked", [])
    if not isinstance(status, dict):
        raise ApiError(422, "invalid_request", "status must be an object")
    for key, kind in STATUS_TYPES.items():
        value = status.get(key)
        if value is not None and (not isinstance(value, kind) or (kind is not bool and isinstance(value, bool))):
            raise ApiError(422, "invalid_request", f"status.{key} has the wrong type")
    if not isinstance(acked, list) or not all(isinstance(a, str) for a in acked):
        raise ApiError(422, "invalid_request", "acked must be a list of command ids")
    state = central()
    commands = state.store.heartbeat(terminal.id, status, acked, known=terminal)
    return _json({"server_time": state.clock(),
                  "commands": [{"id": c.id, "kind": c.kind, "message": c.message} for c in commands]})


def queue_command(terminal_id: str, kind: str, message: str = "") -> str:
    if kind not in COMMAND_KINDS:
        raise ValueError(f"unknown command {kind!r}")
    return central().store.queue_command(terminal_id, kind, message)
