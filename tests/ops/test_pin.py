"""Staff PIN: salted scrypt hashes, weak-PIN refusal, and the five-strikes lockout that survives a restart."""
from __future__ import annotations

import pytest

from kiosk.shared.store import open_db
from kiosk.ops.audit import AuditLog
from kiosk.ops.pin import (LOCK_SECONDS, LOCK_STEPS, LOCKOUT_MEMORY, MAX_FAILURES, PinError, PinGate, PinHashError,
                           PinNotSet, check_pin, hash_pin, lock_seconds, parse_pin_hash, verify_pin)

GOOD_PIN = "2580"
WRONG_PIN = "4071"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_pin(GOOD_PIN)


def test_hash_is_salted_scrypt_string_that_verifies_only_the_right_pin(stored):
    algorithm, n, r, p, salt, key = stored.split("$")
    assert (algorithm, n, r, p) == ("scrypt", "16384", "8", "1")
    assert GOOD_PIN not in stored
    assert verify_pin(GOOD_PIN, stored)
    assert not verify_pin(WRONG_PIN, stored)
    assert not verify_pin(GOOD_PIN + "0", stored)
    assert not verify_pin("", stored)


def test_same_pin_hashes_differently_each_time(stored):
    again = hash_pin(GOOD_PIN)
    assert again != stored
    assert parse_pin_hash(again).salt != parse_pin_hash(stored).salt
    assert verify_pin(GOOD_PIN, again)


@pytest.mark.parametrize("pin, reason", [
    ("123", "4 to 8 digits"),
    ("123456789", "4 to 8 digits"),
    ("12a4", "digits"),
    ("١٢٣٤٥", "digits"),        # Arabic-Indic digits are not 0-9
    (" 2580", "digits"),
    ("0000", "one digit repeated"),
    ("77777777", "one digit repeated"),
    ("1234", "straight run"),
    ("456789", "straight run"),
    ("9876", "straight run"),
    ("7890", "straight run"),
    ("3210", "straight run"),
])
def test_bad_or_weak_pins_are_refused_with_the_reason(pin, reason):
    with pytest.raises(PinError, match=reason):
        check_pin(pin)
    with pytest.raises(PinError):
        hash_pin(pin)


@pytest.mark.parametrize("pin", ["2580", "4071", "13579", "11223344", "12345670"])
def test_ordinary_pins_are_accepted(pin):
    check_pin(pin)


@pytest.mark.parametrize("stored", [
    "", "pbkdf2$1$2$3$4$5", "scrypt$16384$8$1$onlyfive",
    "scrypt$abc$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
    "scrypt$1000$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",          # n not a power of two
    "scrypt$1073741824$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",    # would need 1 TiB
    "scrypt$16384$8$1$!!$a2V5a2V5a2V5a2V5a2V5",
])
def test_malformed_stored_hash_is_an_error_not_a_silent_false(stored):
    with pytest.raises(PinHashError):
        verify_pin(GOOD_PIN, stored)


def _wrong(gate: PinGate, times: int):
    return [gate.attempt(WRONG_PIN) for _ in range(times)]


def test_five_wrong_pins_lock_the_gate_for_five_minutes(db, clock, stored):
    gate = PinGate(db, stored, clock=clock)
    results = _wrong(gate, MAX_FAILURES - 1)
    assert [r.attempts_left for r in results] == [4, 3, 2, 1]
    assert not any(r.ok or r.locked_until for r in results)
    locked = gate.attempt(WRONG_PIN)
    assert not locked.ok and locked.locked_until == clock.now + LOCK_SECONDS and locked.attempts_left == 0

    clock.advance(LOCK_SECONDS - 1)
    still = gate.attempt(GOOD_PIN)  # even the right PIN does not open a locked gate
    assert not still.ok and still.locked_until == locked.locked_until

    clock.advance(1)
    opened = gate.attempt(GOOD_PIN)
    assert opened.ok and opened.locked_until is None and opened.attempts_left == MAX_FAILURES


def test_right_pin_resets_the_count_of_wrong_ones(db, clock, stored):
    gate = PinGate(db, stored, clock=clock)
    _wrong(gate, 4)
    assert gate.attempt(GOOD_PIN).ok
    assert gate.attempt(WRONG_PIN).attempts_left == 4


def test_lock_survives_reopening_the_database(db_path, clock, stored):
    conn = open_db(db_path)
    _wrong(PinGate(conn, stored, clock=clock), MAX_FAILURES)
    conn.close()

    clock.advance(60)
    reopened = open_db(db_path)
    gate = PinGate(reopened, stored, clock=clock)
    state = gate.state()
    assert state.locked_until is not None and state.locked_until - clock.now == pytest.approx(LOCK_SECONDS - 60)
    assert not gate.attempt(GOOD_PIN).ok
    reopened.close()


def test_failures_short_of_a_lock_also_survive_a_restart(db_path, clock, stored):
    conn = open_db(db_path)
    _wrong(PinGate(conn, stored, clock=clock), 3)
    conn.close()
    reopened = open_db(db_path)
    assert PinGate(reopened, stored, clock=clock).attempt(WRONG_PIN).attempts_left == 1
    reopened.close()


def test_clock_set_back_never_lengthens_the_lock(db, clock, stored):
    gate = PinGate(db, stored, clock=clock)
    _wrong(gate, MAX_FAILURES)
    clock.advance(-3600)
    assert gate.state().locked_until == clock.now + LOCK_SECONDS
    clock.advance(LOCK_SECONDS)
    assert gate.attempt(GOOD_PIN).ok


def test_every_attempt_is_audited_without_the_pin(db, clock, stored):
    audit = AuditLog(db, clock=clock)
    gate = PinGate(db, stored, clock=clock, audit=audit)
    _wrong(gate, MAX_FAILURES)
    gate.attempt(GOOD_PIN)
    clock.advance(LOCK_SECONDS)
    gate.attempt(GOOD_PIN)
    actions = [e.action for e in reversed(audit.recent(20))]
    assert actions == ["pin.rejected"] * 4 + ["pin.locked", "pin.locked_out", "pin.accepted"]
    assert all(e.actor == "staff" for e in audit.recent(20))
    text = " ".join(f"{e.action} {e.detail}" for e in audit.recent(20))
    assert GOOD_PIN not in text and WRONG_PIN not in text


def test_gate_without_a_configured_pin_refuses_and_says_how_to_set_one(db, clock):
    gate = PinGate(db, "", clock=clock)
    assert not gate.configured
    with pytest.raises(PinNotSet, match="kiosk config set-pin"):
        gate.attempt(GOOD_PIN)
    assert AuditLog(db).recent(1)[0].action == "pin.refused"


def test_gate_refuses_a_malformed_configured_hash_at_once(db, clock):
    with pytest.raises(PinHashError):
        PinGate(db, "scrypt$nonsense", clock=clock)


def _lock(gate: PinGate, clock) -> float:
    """Five wrong PINs; the length of the lock they cause."""
    result = _wrong(gate, MAX_FAILURES)[-1]
    assert result.locked_until is not None
    return result.locked_until - clock.now


def _sit_out(gate: PinGate, clock) -> None:
    clock.advance(gate.state().locked_until - clock.now)


def test_repeated_lockouts_last_longer_each_time_up_to_an_hour(db, clock, stored):
    gate = PinGate(db, stored, clock=clock)
    lengths = []
    for _ in range(5):
        lengths.append(_lock(gate, clock))
        _sit_out(gate, clock)
    assert lengths == [300.0, 900.0, 3600.0, 3600.0, 3600.0]
    assert [lock_seconds(n) for n in (1, 2, 3, 9)] == list(LOCK_STEPS) + [LOCK_STEPS[-1]]


def test_the_lockout_count_survives_a_restart(db_path, clock, stored):
    for expected in (300.0, 900.0, 3600.0):
        conn = open_db(db_path)
        gate = PinGate(conn, stored, clock=clock)
        assert _lock(gate, clock) == expected
        conn.close()
        reopened = open_db(db_path)             # the terminal restarts while locked
        gate = PinGate(reopened, stored, clock=clock)
        assert gate.state().locked_until == clock.now + expected
        _sit_out(gate, clock)
        reopened.close()


def test_the_right_pin_or_a_quiet_day_forgets_earlier_lockouts(db, clock, stored):
    gate = PinGate(db, stored, clock=clock)
    _lock(gate, clock)
    _sit_out(gate, clock)
    assert _lock(gate, clock) == 900.0
    _sit_out(gate, clock)
    assert gate.attempt(GOOD_PIN).ok
    assert _lock(gate, clock) == 300.0          # the right PIN started the count again
    _sit_out(gate, clock)
    clock.advance(LOCKOUT_MEMORY + 1)
    assert _lock(gate, clock) == 300.0          # so did a day without a lockout


def test_clock_set_back_never_lengthens_an_escalated_lock(db, clock, stored):
    gate = PinGate(db, stored, clock=clock)
    _lock(gate, clock)
    _sit_out(gate, clock)
    _lock(gate, clock)
    clock.advance(-86400)
    assert gate.state().locked_until == clock.now + 900.0


def test_a_gate_table_from_before_escalation_is_upgraded_in_place(db, clock, stored):
    db.executescript("DROP TABLE IF EXISTS pin_gate; CREATE TABLE pin_gate (id INTEGER PRIMARY KEY CHECK (id = 1), "
                     "failures INTEGER NOT NULL DEFAULT 0, locked_until REAL NOT NULL DEFAULT 0); "
                     "INSERT INTO pin_gate VALUES (1, 3, 0);")
    gate = PinGate(db, stored, clock=clock)
    assert gate.state().attempts_left == MAX_FAILURES - 3
    assert _lock(gate, clock) == 300.0
