"""The staff PIN: salted scrypt hashes, weak-PIN refusal, and the lockout gate in front of the staff screen.

Five wrong PINs lock the gate for 5 minutes, a second lockout for 15, later ones for 60; the locks and their
count live in SQLite so a restart does not lift them, and a correct PIN or a quiet day forgets the count."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import sqlite3
import time
from dataclasses import dataclass
from typing import Callable

from kiosk.shared.store import Transaction
from kiosk.ops.audit import AuditLog

PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 8
MAX_FAILURES = 5
LOCK_STEPS = (300.0, 900.0, 3600.0)   # the 1st, 2nd and every later lockout in a row
LOCK_SECONDS = LOCK_STEPS[0]
LOCKOUT_MEMORY = 86400.0              # a day without a lockout starts the count again

# scrypt cost: 2**14 × 8 × 128 bytes = 16 MiB and ~50 ms per check on a terminal.
SCRYPT_N = 2 ** 14
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_KEY_BYTES = 32
# A stored hash names its own cost; refuse costs that would exhaust a terminal's memory.
_MAX_SCRYPT_MEMORY = 256 * 1024 * 1024


class PinError(ValueError):
    """A PIN that cannot be used: wrong shape or too easy to guess."""


class PinHashError(ValueError):
    """A stored PIN hash that is not a valid "scrypt$n$r$p$salt$hash" string."""


class PinNotSet(Exception):
    """No staff PIN is configured, so the staff screen cannot be opened."""


def check_pin(pin: str) -> None:
    """Raise PinError unless `pin` is 4–8 digits and not all one digit or a straight run (1234, 9876, 7890)."""
    if not (isinstance(pin, str) and pin.isascii() and pin.isdigit()):
        raise PinError(f"a staff PIN is {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits (0-9) and nothing else")
    if not PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS:
        raise PinError(f"a staff PIN is {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits, this one has {len(pin)}")
    if len(set(pin)) == 1:
        raise PinError("this PIN is one digit repeated and too easy to guess; choose another")
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    if steps in ({1}, {9}):
        raise PinError("this PIN is a straight run of digits and too easy to guess; choose another")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=128 * n * r * p + 128 * r * 2 + 1024 * 1024)


def hash_pin(pin: str) -> str:
    """A new salted scrypt hash of `pin` as "scrypt$n$r$p$salt$hash"; raises PinError for a bad or weak PIN."""
    check_pin(pin)
    salt = os.urandom(_SALT_BYTES)
    key = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, _KEY_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


@dataclass(frozen=True)
class PinHash:
    """A parsed stored hash."""
    n: int
    r: int
    p: int
    salt: bytes
    key: bytes


def parse_pin_hash(stored: str) -> PinHash:
    """Parse "scrypt$n$r$p$salt$hash"; raises PinHashError saying what is wrong."""
    parts = stored.strip().split("$") if isinstance(stored, str) else []
    if len(parts) != 6 or parts[0] != "scrypt":
        raise PinHashError("the staff PIN hash must look like scrypt$n$r$p$salt$hash "
                           "(set it with `kiosk config set-pin`)")
    try:
        n, r, p = (int(x) for x in parts[1:4])
    except ValueError:
        raise PinHashError("the staff PIN hash has a cost (n, r, p) that is not a whole number") from None
    if n < 2 or n & (n - 1) or r < 1 or p < 1 or 128 * n * r * p > _MAX_SCRYPT_MEMORY:
        raise PinHashError(f"the staff PIN hash has unusable scrypt costs n={n}, r={r}, p={p} "
                           "(n a power of two, at most 256 MiB of memory)")
    try:
        salt, key = _unb64(parts[4]), _unb64(parts[5])
    except (binascii.Error, ValueError):
        raise PinHashError("the staff PIN hash has a salt or hash that is not base64") from None
    if len(salt) < 8 or len(key) < 16:
        raise PinHashError("the staff PIN hash has a salt or hash that is too short")
    return PinHash(n=n, r=r, p=p, salt=salt, key=key)


def verify_pin(pin: str, stored: str) -> bool:
    """True when `pin` matches the stored hash (constant-time compare); raises PinHashError for a bad hash."""
    parsed = parse_pin_hash(stored)
    if not (isinstance(pin, str) and pin.isascii() and pin.isdigit() and len(pin) <= 64):
        return False
    candidate = _scrypt(pin, parsed.salt, parsed.n, parsed.r, parsed.p, len(parsed.key))
    return hmac.compare_digest(candidate, parsed.key)


@dataclass(frozen=True)
class PinResult:
    """The outcome of one attempt: `locked_until` (Unix time) is set while the gate is locked."""
    ok: bool
    locked_until: float | None
    attempts_left: int


_GATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS pin_gate (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    failures      INTEGER NOT NULL DEFAULT 0,
    locked_until  REAL NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO pin_gate (id, failures, locked_until) VALUES (1, 0, 0);
"""
# Added after the first release: how many lockouts in a row, and when the last one began.
_GATE_COLUMNS = {"lockouts": "INTEGER NOT NULL DEFAULT 0", "locked_at": "REAL NOT NULL DEFAULT 0"}


def lock_seconds(lockouts: int) -> float:
    """How long the `lockouts`-th lockout in a row lasts: 5 min, 15 min, then 60 min each."""
    return LOCK_STEPS[min(max(lockouts, 1), len(LOCK_STEPS)) - 1]


class PinGate:
    """Checks PIN attempts for the staff screen, locking after five failures for longer each lockout in a row;
    every attempt is audited."""

    def __init__(self, conn: sqlite3.Connection, stored_hash: str, clock: Callable[[], float] = time.time,
                 audit: AuditLog | None = None):
        self.conn = conn
        self.stored_hash = stored_hash.strip()
        if self.stored_hash:
            parse_pin_hash(self.stored_hash)
        self.clock = clock
        self.audit = audit if audit is not None else AuditLog(conn, clock=clock)
        conn.executescript(_GATE_SCHEMA)
        have = {row[1] for row in conn.execute("PRAGMA table_info(pin_gate)")}
        for name, kind in _GATE_COLUMNS.items():
            if name not in have:
                conn.execute(f"ALTER TABLE pin_gate ADD COLUMN {name} {kind}")

    @property
    def configured(self) -> bool:
        return bool(self.stored_hash)

    def _load(self, conn: sqlite3.Connection, now: float) -> tuple[int, float, int]:
        """(failures, locked_until, lockouts) as they stand at `now`."""
        row = conn.execute("SELECT failures, locked_until, lockouts, locked_at FROM pin_gate WHERE id = 1").fetchone()
        failures, locked_until = int(row["failures"]), float(row["locked_until"])
        lockouts, locked_at = int(row["lockouts"]), float(row["locked_at"])
        length = lock_seconds(lockouts)
        if locked_until > now + length:
            # The clock went back since the lock began: never lock longer than this lock's length from now.
            locked_until = now + length
            conn.execute("UPDATE pin_gate SET locked_until = ? WHERE id = 1", (locked_until,))
        elif locked_until and locked_until <= now:
            failures, locked_until = 0, 0.0
            conn.execute("UPDATE pin_gate SET failures = 0, locked_until = 0 WHERE id = 1")
        if lockouts and not locked_until and now - locked_at > LOCKOUT_MEMORY:
            lockouts = 0
            conn.execute("UPDATE pin_gate SET lockouts = 0 WHERE id = 1")
        return failures, locked_until, lockouts

    def state(self) -> PinResult:
        """Where the gate stands now, without an attempt (`ok` is always False)."""
        now = self.clock()
        with Transaction(self.conn) as conn:
            failures, locked_until, _ = self._load(conn, now)
        if locked_until:
            return PinResult(ok=False, locked_until=locked_until, attempts_left=0)
        return PinResult(ok=False, locked_until=None, attempts_left=MAX_FAILURES - failures)

    def attempt(self, pin: str) -> PinResult:
        """Check one PIN entry. Raises PinNotSet when no PIN is configured."""
        if not self.configured:
            self.audit.record("staff", "pin.refused", "no staff PIN is set")
            raise PinNotSet("no staff PIN is set: a technician sets one with `kiosk config set-pin`")
        now = self.clock()
        with Transaction(self.conn) as conn:
            failures, locked_until, lockouts = self._load(conn, now)
            if locked_until:
                result = PinResult(ok=False, locked_until=locked_until, attempts_left=0)
                action, detail = "pin.locked_out", f"gate locked for {locked_until - now:.0f} s more"
            elif verify_pin(pin, self.stored_hash):
                conn.execute("UPDATE pin_gate SET failures = 0, locked_until = 0, lockouts = 0 WHERE id = 1")
                result = PinResult(ok=True, locked_until=None, attempts_left=MAX_FAILURES)
                action, detail = "pin.accepted", ""
            else:
                failures += 1
                if failures >= MAX_FAILURES:
                    lockouts += 1
                    length = lock_seconds(lockouts)
                    locked_until = now + length
                    conn.execute("UPDATE pin_gate SET failures = 0, locked_until = ?, lockouts = ?, locked_at = ? "
                                 "WHERE id = 1", (locked_until, lockouts, now))
                    result = PinResult(ok=False, locked_until=locked_until, attempts_left=0)
                    action = "pin.locked"
                    detail = f"wrong PIN {failures} times; lockout {lockouts} in a row, locked for {length:.0f} s"
                else:
                    conn.execute("UPDATE pin_gate SET failures = ? WHERE id = 1", (failures,))
                    result = PinResult(ok=False, locked_until=None, attempts_left=MAX_FAILURES - failures)
                    action, detail = "pin.rejected", f"wrong PIN, attempt {failures} of {MAX_FAILURES}"
        self.audit.record("staff", action, detail)
        return result
