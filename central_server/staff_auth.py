"""Staff logins for the reference central's pages: salted password hashes, sessions (flask-login), a CSRF token
on every form (flask-wtf), and two roles: hall staff see their own hall's terminals, the province admin all.

The signed JSON API is not a browser's: it keeps its own authentication and needs no CSRF token."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from central_server.auth import is_api_path
from central_server.storage import CentralStore

ROLES = ("hall", "admin")            # hall staff, province admin
MIN_PASSWORD = 8
SESSION_KEY_NAME = "staff_sessions"
SESSION_KEY_BYTES = 32


class StaffAccountError(ValueError):
    """A staff account that cannot be saved (unknown role, short password, no hall for hall staff)."""


@dataclass
class StaffUser(UserMixin):
    """A logged-in member of staff; `hall` limits what hall staff see ("" for the admin)."""
    username: str
    role: str
    hall: str

    def get_id(self) -> str:
        return self.username

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def sees(self, hall: str) -> bool:
        return self.is_admin or hall == self.hall


def add_staff(store: CentralStore, username: str, password: str, role: str, hall: str = "") -> None:
    """Create or update a staff account, keeping only a salted hash of the password."""
    if role not in ROLES:
        raise StaffAccountError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if len(password) < MIN_PASSWORD:
        raise StaffAccountError(f"the password needs at least {MIN_PASSWORD} characters")
    if role == "hall" and not hall.strip():
        raise StaffAccountError("hall staff need a hall (--hall, as the terminals were registered)")
    if not username.strip() or len(username) > 64:
        raise StaffAccountError("the user name must be 1 to 64 characters")
    store.save_staff(username.strip(), generate_password_hash(password), role, hall.strip())


def check_login(store: CentralStore, username: str, password: str) -> StaffUser | None:
    row = store.staff_user(username.strip())
    if row is None:
        check_password_hash(generate_password_hash("x"), password)   # the same work for an unknown name
        return None
    if not check_password_hash(row.password_hash, password):
        return None
    return StaffUser(row.username, row.role, row.hall)


class PageSessions(SecureCookieSessionInterface):
    """Sessions (signed cookies) for the pages people use; the terminals' API gets none: it carries no cookie,
    and a province's heartbeats would each pay for reading one."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if is_api_path(request.path):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_staff_auth(app: Flask, store: CentralStore, api_blueprint) -> None:
    # The key signing sessions is kept in the database: logins survive a restart and every server process on
    # one database accepts them.
    app.secret_key = store.server_key(SESSION_KEY_NAME, SESSION_KEY_BYTES)
    app.session_interface = PageSessions()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", WTF_CSRF_TIME_LIMIT=None)
    manager = LoginManager(app)
    manager.login_view = "pages.staff_login"
    manager.login_message = "请先登录"

    @manager.user_loader
    def load(username: str) -> StaffUser | None:
        row = store.staff_user(username)
        return StaffUser(row.username, row.role, row.hall) if row is not None else None

    csrf = CSRFProtect(app)
    csrf.exempt(api_blueprint)
    # The phone simulator stands in for the citizen's app (not a staff browser) and exists only on a demo server.
    for view in ("assisted.start", "assisted.withdraw"):     # signed by the terminal, like the API
        csrf.exempt(app.view_functions[view])
    for view in ("pages.phone_approve", "pages.phone_deny"):
        csrf.exempt(app.view_functions[view])
