"""The reference server's SQLite storage: terminals, citizens, login codes, tokens, applications and the rest.

Survives restarts; every change runs in one transaction, so a committed answer is never lost or doubled."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kiosk.central.server.citizens import SAMPLE_CITIZENS
from kiosk.shared.store import Transaction, db_lock, open_db

SCHEMA = """
CREATE TABLE IF NOT EXISTS terminals (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, hall TEXT NOT NULL, secret TEXT NOT NULL,
    registered_at REAL NOT NULL, last_heartbeat REAL, status TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS assisted_logins (
    id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, citizen_id TEXT NOT NULL, name_masked TEXT NOT NULL,
    id_masked TEXT NOT NULL, status TEXT NOT NULL, staff TEXT NOT NULL DEFAULT '', token TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL, decided_at REAL);
CREATE TABLE IF NOT EXISTS staff_users (
    username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, hall TEXT NOT NULL,
    created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS citizens (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, id_number TEXT NOT NULL UNIQUE, phone TEXT NOT NULL,
    card_code TEXT NOT NULL UNIQUE, note TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS device_codes (
    device_code_hash TEXT PRIMARY KEY, user_code TEXT NOT NULL UNIQUE, terminal_id TEXT NOT NULL,
    signed INTEGER NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL, interval REAL NOT NULL,
    last_poll REAL, scanned INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'pending',
    citizen_id TEXT);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, citizen_id TEXT NOT NULL, terminal_id TEXT NOT NULL,
    issued_at REAL NOT NULL, expires_at REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS idempotent_answers (
    terminal_id TEXT NOT NULL, key TEXT NOT NULL, endpoint TEXT NOT NULL, request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL, body TEXT NOT NULL, created_at REAL NOT NULL,
    PRIMARY KEY (terminal_id, key));
CREATE TABLE IF NOT EXISTS applications (
    number TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, item_id TEXT NOT NULL, citizen_id TEXT NOT NULL,
    status TEXT NOT NULL, document TEXT NOT NULL, verification_code TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS ratings (
    application_number TEXT PRIMARY KEY REFERENCES applications(number), terminal_id TEXT NOT NULL,
    level TEXT NOT NULL, comment TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS help_requests (
    id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, reason TEXT NOT NULL, created_at REAL NOT NULL,
    closed_at REAL);
CREATE TABLE IF NOT EXISTS commands (
    id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL,
    created_at REAL NOT NULL, acked_at REAL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1: no vowels, no look-alikes
SLOW_DOWN_STEP = 5.0
POLL_SLACK = 0.2  # seconds a poll may come early before it counts as too fast


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_user_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def display_user_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class PollOutcome:
    """What one token request gets: an RFC 8628 error code, or a token for a citizen."""
    error: str = ""
    scanned: bool = False
    access_token: str = ""
    expires_in: int = 0


class CentralStore:
    """All of the reference server's state in one SQLite file; methods are safe to call from any thread."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.clock = clock
        self.conn = open_db(self.path, SCHEMA)
        os.chmod(self.path, 0o600)  # it holds terminal secrets; SQLite gives the WAL files the same mode
        self.lock = db_lock(self.conn)
        self._seed()

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def _seed(self) -> None:
        with Transaction(self.conn) as c:
            for p in SAMPLE_CITIZENS:
                c.execute("INSERT OR IGNORE INTO citizens (id, name, id_number, phone, card_code, note) "
                          "VALUES (?, ?, ?, ?, ?, ?)", (p.id, p.name, p.id_number, p.phone, p.card_code, p.note))

    def _one(self, sql: str, args: tuple = ()) -> sqlite3.Row | None:
        with self.lock:
            return self.conn.execute(sql, args).fetchone()

    def _all(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, args).fetchall()

    # Terminals

    def register_terminal(self, terminal_id: str, name: str, hall: str, secret: bytes) -> None:
        """Add a terminal, or update the name, hall and secret of a known one."""
        with Transaction(self.conn) as c:
            c.execute("INSERT INTO terminals (id, name, hall, secret, registered_at) VALUES (?, ?, ?, ?, ?) "
                      "ON CONFLICT(id) DO UPDATE SET name=excluded.name, hall=excluded.hall, secret=excluded.secret",
                      (terminal_id, name, hall, secret.decode("ascii"), self.clock()))

    def terminal(self, terminal_id: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM terminals WHERE id = ?", (terminal_id,))

    def terminals(self, hall: str | None = None) -> list[sqlite3.Row]:
        """Every terminal, or those of one hall."""
        if hall is None:
            return self._all("SELECT * FROM terminals ORDER BY id")
        return self._all("SELECT * FROM terminals WHERE hall = ? ORDER BY id", (hall,))

    # Assisted logins (帮办登录): a card read at a terminal, approved or denied by a member of staff

    def add_assisted_login(self, request_id: str, terminal_id: str, citizen: sqlite3.Row, name_masked: str,
                           id_masked: str) -> None:
        with Transaction(self.conn) as c:
            c.execute("INSERT INTO assisted_logins (id, terminal_id, citizen_id, name_masked, id_masked, status, "
                      "created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
                      (request_id, terminal_id, citizen["id"], name_masked, id_masked, self.clock()))

    def assisted_login(self, request_id: str) -> sqlite3.Row | None:
        return self._one("SELECT a.*, t.hall FROM assisted_logins a JOIN terminals t ON t.id = a.terminal_id "
                         "WHERE a.id = ?", (request_id,))

    def pending_assisted_logins(self) -> list[sqlite3.Row]:
        return self._all("SELECT * FROM assisted_logins WHERE status = 'pending' ORDER BY created_at")

    def decide_assisted_login(self, request_id: str, staff: str, token: str) -> bool:
        """Approve (with the citizen's new token) or deny (token "") a pending request; False if not pending."""
        with Transaction(self.conn) as c:
            changed = c.execute("UPDATE assisted_logins SET status = ?, staff = ?, token = ?, decided_at = ? "
                                "WHERE id = ? AND status = 'pending'",
                                ("approved" if token else "denied", staff, token, self.clock(), request_id))
            return changed.rowcount == 1

    def withdraw_assisted_login(self, request_id: str) -> bool:
        """The terminal withdrew a pending request (its citizen left); False if it was no longer pending."""
        with Transaction(self.conn) as c:
            changed = c.execute("UPDATE assisted_logins SET status = 'withdrawn', decided_at = ? "
                                "WHERE id = ? AND status = 'pending'", (self.clock(), request_id))
            return changed.rowcount == 1

    # Staff accounts (the pages' logins; passwords only as salted hashes)

    def save_staff(self, username: str, password_hash: str, role: str, hall: str) -> None:
        with Transaction(self.conn) as c:
            c.execute("INSERT INTO staff_users (username, password_hash, role, hall, created_at) VALUES (?, ?, ?, ?, ?) "
                      "ON CONFLICT(username) DO UPDATE SET password_hash=excluded.password_hash, role=excluded.role, "
                      "hall=excluded.hall", (username, password_hash, role, hall, self.clock()))

    def staff_user(self, username: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM staff_users WHERE username = ?", (username,))

    # Citizens

    def citizens(self) -> list[sqlite3.Row]:
        return self._all("SELECT * FROM citizens ORDER BY id")

    def citizen(self, citizen_id: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM citizens WHERE id = ?", (citizen_id,))

    def citizen_by_id_number(self, id_number: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM citizens WHERE id_number = ?", (id_number.upper(),))

    def citizen_by_card_code(self, code: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM citizens WHERE card_code = ?", (code,))

    # Device codes (RFC 8628)

    def create_device_code(self, terminal_id: str, signed: bool, lifetime: float,
                           interval: float) -> tuple[str, str]:
        """A new (device_code, user_code) pair for `terminal_id`; the user code is returned as XXXX-XXXX."""
        device_code = secrets.token_urlsafe(32)
        now = self.clock()
        with Transaction(self.conn) as c:
            c.execute("DELETE FROM device_codes WHERE expires_at < ?", (now - 3600,))
            while True:
                user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
                if c.execute("SELECT 1 FROM device_codes WHERE user_code = ?", (user_code,)).fetchone() is None:
                    break
            c.execute("INSERT INTO device_codes (device_code_hash, user_code, terminal_id, signed, created_at, "
                      "expires_at, interval) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (digest(device_code), user_code, terminal_id, int(signed), now, now + lifetime, interval))
        return device_code, display_user_code(user_code)

    def device_code_by_user_code(self, user_code: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM device_codes WHERE user_code = ?", (normalise_user_code(user_code),))

    def mark_scanned(self, user_code: str) -> None:
        with Transaction(self.conn) as c:
            c.execute("UPDATE device_codes SET scanned = 1 WHERE user_code = ?", (normalise_user_code(user_code),))

    def decide(self, user_code: str, citizen_id: str | None) -> str:
        """Approve (with a citizen) or deny (None) a pending code; returns "" or why it cannot be decided."""
        code = normalise_user_code(user_code)
        with Transaction(self.conn) as c:
            row = c.execute("SELECT * FROM device_codes WHERE user_code = ?", (code,)).fetchone()
            if row is None:
                return "unknown"
            if self.clock() >= row["expires_at"]:
                return "expired"
            if row["status"] != "pending":
                return "decided"
            c.execute("UPDATE device_codes SET status = ?, citizen_id = ?, scanned = 1 WHERE user_code = ?",
                      ("approved" if citizen_id else "denied", citizen_id, code))
        return ""

    def poll(self, device_code: str, client_id: str, token_lifetime: float) -> PollOutcome:
        """One RFC 8628 token request, decided atomically (a code yields at most one token)."""
        now = self.clock()
        with Transaction(self.conn) as c:
            row = c.execute("SELECT * FROM device_codes WHERE device_code_hash = ?", (digest(device_code),)).fetchone()
            if row is None or row["terminal_id"] != client_id or row["status"] == "used":
                return PollOutcome("invalid_grant")
            if now >= row["expires_at"]:
                return PollOutcome("expired_token")
            if row["status"] == "denied":
                return PollOutcome("access_denied")
            last = row["last_poll"]
            if last is not None and now - last < row["interval"] - POLL_SLACK:
                c.execute("UPDATE device_codes SET interval = interval + ?, last_poll = ? WHERE device_code_hash = ?",
                          (SLOW_DOWN_STEP, now, row["device_code_hash"]))
                return PollOutcome("slow_down")
            c.execute("UPDATE device_codes SET last_poll = ? WHERE device_code_hash = ?", (now, row["device_code_hash"]))
            if row["status"] == "pending":
                return PollOutcome("authorization_pending", scanned=bool(row["scanned"]))
            c.execute("UPDATE device_codes SET status = 'used' WHERE device_code_hash = ?", (row["device_code_hash"],))
            token = self._issue_token(c, row["citizen_id"], client_id, token_lifetime)
        return PollOutcome(access_token=token, expires_in=int(token_lifetime))

    # Tokens

    def _issue_token(self, c: sqlite3.Connection, citizen_id: str, terminal_id: str, lifetime: float) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        c.execute("INSERT INTO tokens (token_hash, citizen_id, terminal_id, issued_at, expires_at) "
                  "VALUES (?, ?, ?, ?, ?)", (digest(token), citizen_id, terminal_id, now, now + lifetime))
        return token

    def issue_token(self, citizen_id: str, terminal_id: str, lifetime: float) -> str:
        with Transaction(self.conn) as c:
            return self._issue_token(c, citizen_id, terminal_id, lifetime)

    def token_citizen(self, token: str, terminal_id: str) -> sqlite3.Row | None:
        """The citizen a live token of this terminal belongs to; None when unknown, expired or revoked."""
        return self._one("SELECT c.* FROM tokens t JOIN citizens c ON c.id = t.citizen_id "
                         "WHERE t.token_hash = ? AND t.terminal_id = ? AND t.revoked = 0 AND t.expires_at > ?",
                         (digest(token), terminal_id, self.clock()))

    def revoke_token(self, token: str, terminal_id: str) -> None:
        with Transaction(self.conn) as c:
            c.execute("UPDATE tokens SET revoked = 1 WHERE token_hash = ? AND terminal_id = ?",
                      (digest(token), terminal_id))

    # Idempotent answers

    def stored_answer(self, terminal_id: str, key: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM idempotent_answers WHERE terminal_id = ? AND key = ?", (terminal_id, key))

    def save_answer(self, c: sqlite3.Connection, terminal_id: str, key: str, endpoint: str, request_hash: str,
                    status_code: int, body: Any) -> None:
        c.execute("INSERT INTO idempotent_answers (terminal_id, key, endpoint, request_hash, status_code, body, "
                  "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (terminal_id, key, endpoint, request_hash, status_code,
                   json.dumps(body, ensure_ascii=False), self.clock()))

    def transaction(self) -> Transaction:
        return Transaction(self.conn)

    def next_number(self, c: sqlite3.Connection, name: str) -> int:
        c.execute("INSERT INTO counters (name, value) VALUES (?, 1) "
                  "ON CONFLICT(name) DO UPDATE SET value = value + 1", (name,))
        return c.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]

    # Applications and their documents

    def application(self, number: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM applications WHERE number = ?", (number,))

    def application_by_code(self, code: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM applications WHERE verification_code = ?", (code.upper(),))

    def count_applications(self) -> int:
        row = self._one("SELECT COUNT(*) FROM applications")
        return row[0] if row is not None else 0

    # Ratings

    def recent_ratings(self, limit: int = 20) -> list[sqlite3.Row]:
        return self._all("SELECT r.*, a.item_id FROM ratings r JOIN applications a ON a.number = r.application_number "
                         "ORDER BY r.created_at DESC LIMIT ?", (limit,))

    # Help requests

    def open_help_requests(self) -> list[sqlite3.Row]:
        return self._all("SELECT * FROM help_requests WHERE closed_at IS NULL ORDER BY created_at")

    def close_help_request(self, request_id: str) -> bool:
        with Transaction(self.conn) as c:
            return c.execute("UPDATE help_requests SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                             (self.clock(), request_id)).rowcount == 1

    # Commands and heartbeats

    def queue_command(self, terminal_id: str, kind: str, message: str = "") -> str:
        command_id = "CMD-" + secrets.token_hex(6).upper()
        with Transaction(self.conn) as c:
            c.execute("INSERT INTO commands (id, terminal_id, kind, message, created_at) VALUES (?, ?, ?, ?, ?)",
                      (command_id, terminal_id, kind, message, self.clock()))
        return command_id

    def heartbeat(self, terminal_id: str, status: dict, acked: list[str]) -> list[sqlite3.Row]:
        """Record a terminal's status and acknowledgements; returns the commands still waiting for it."""
        now = self.clock()
        with Transaction(self.conn) as c:
            c.execute("UPDATE terminals SET last_heartbeat = ?, status = ? WHERE id = ?",
                      (now, json.dumps(status, ensure_ascii=False), terminal_id))
            for command_id in acked:
                c.execute("UPDATE commands SET acked_at = ? WHERE id = ? AND terminal_id = ? AND acked_at IS NULL",
                          (now, command_id, terminal_id))
            return c.execute("SELECT * FROM commands WHERE terminal_id = ? AND acked_at IS NULL ORDER BY created_at",
                             (terminal_id,)).fetchall()

    def pending_commands(self, terminal_id: str) -> list[sqlite3.Row]:
        return self._all("SELECT * FROM commands WHERE terminal_id = ? AND acked_at IS NULL ORDER BY created_at",
                         (terminal_id,))
