"""Heartbeat loop: jittered timing, commands stored and acknowledged, reachability and clock offset, clean stop."""
from __future__ import annotations

import random
import sqlite3
import threading
import time

import pytest

from kiosk.central.errors import CentralRefused, CentralUnavailable
from kiosk.central.models import Command, HeartbeatAnswer
from kiosk.ops.heartbeat import HeartbeatLoop, status_for_central
from kiosk.ops.remote_commands import CommandQueue
from kiosk.ops.status_file import TerminalStatus


class FakeCentral:
    """Behaves like central's heartbeat endpoint: records status and acks, answers with every command not
    yet acknowledged and its own clock; raises CentralUnavailable while `down`."""

    def __init__(self, clock, offset: float = 0.0):
        self.clock = clock
        self.offset = offset
        self.queued: list[Command] = []
        self.acked: set[str] = set()
        self.calls: list[tuple[dict, list[str]]] = []
        self.down = False
        self.refuse = False
        self.lock = threading.Lock()

    def queue(self, command: Command) -> None:
        with self.lock:
            self.queued.append(command)

    def heartbeat(self, status: dict, acked: list[str]) -> HeartbeatAnswer:
        if self.down:
            raise CentralUnavailable("connection refused", retry_after=None)
        if self.refuse:
            raise CentralRefused("bad signature", reason="invalid_signature", status=401)
        with self.lock:
            self.calls.append((dict(status), list(acked)))
            self.acked.update(acked)
            waiting = tuple(c for c in self.queued if c.id not in self.acked)
        return HeartbeatAnswer(server_time=self.clock() + self.offset, commands=waiting)


def _status() -> dict:
    return {"version": "0.1.0", "session_active": False}


@pytest.fixture
def queue(db, clock):
    return CommandQueue(db, clock=clock)


def test_waits_are_the_interval_plus_or_minus_twenty_percent(queue):
    loop = HeartbeatLoop(FakeCentral(time.time), queue, _status, interval=30, rng=random.Random(7))
    waits = [loop.next_delay() for _ in range(2000)]
    assert all(24.0 <= w <= 36.0 for w in waits)
    assert min(waits) < 24.5 and max(waits) > 35.5        # the whole band is used, not a fixed value


def test_first_wait_is_spread_over_one_interval(queue):
    firsts = [HeartbeatLoop(FakeCentral(time.time), queue, _status, interval=30,
                            rng=random.Random(seed)).first_delay() for seed in range(300)]
    assert all(0.0 <= f <= 30.0 for f in firsts)
    assert min(firsts) < 1.5 and max(firsts) > 28.5
    assert len({round(f) for f in firsts}) > 25           # terminals booted together do not call together


def test_commands_are_stored_then_acknowledged_in_the_next_heartbeat(queue, clock):
    central = FakeCentral(clock)
    central.queue(Command(id="CMD-1", kind="reload_catalog"))
    seen = []
    loop = HeartbeatLoop(central, queue, _status, interval=30, on_commands=seen.append, clock=clock)

    loop.beat()
    assert seen == [[Command(id="CMD-1", kind="reload_catalog")]]
    assert queue.due(session_active=False) == [Command(id="CMD-1", kind="reload_catalog")]

    loop.beat()                                            # not applied yet: resent, stored once, not re-announced
    assert len(seen) == 1 and central.calls[-1][1] == []

    queue.mark_applied("CMD-1")
    loop.beat()
    assert central.calls[-1][1] == ["CMD-1"]
    assert queue.acks() == []
    loop.beat()
    assert central.calls[-1][1] == [] and queue.due(session_active=False) == []


def test_acknowledgements_wait_while_central_is_unreachable(queue, clock):
    central = FakeCentral(clock)
    central.queue(Command(id="CMD-2", kind="restart"))
    loop = HeartbeatLoop(central, queue, _status, interval=30, clock=clock)
    loop.beat()
    queue.mark_applied("CMD-2")

    central.down = True
    state = loop.beat()
    assert state.reachable is False and state.failures == 1 and "CentralUnavailable" in state.last_error
    assert queue.acks() == ["CMD-2"]
    assert loop.beat().failures == 2

    central.down = False
    clock.advance(10)
    state = loop.beat()
    assert state.reachable is True and state.failures == 0 and state.last_error == ""
    assert state.last_heartbeat == clock.now
    assert central.calls[-1][1] == ["CMD-2"] and queue.acks() == []


def test_refused_heartbeat_means_reachable_but_failing(queue, clock):
    central = FakeCentral(clock)
    central.refuse = True
    state = HeartbeatLoop(central, queue, _status, interval=30, clock=clock).beat()
    assert state.reachable is True and state.failures == 1 and "bad signature" in state.last_error
    assert state.last_heartbeat is None


def test_clock_offset_is_central_time_minus_local_time(queue, clock):
    loop = HeartbeatLoop(FakeCentral(clock, offset=-95.5), queue, _status, interval=30, clock=clock)
    assert loop.state.reachable is None and loop.state.clock_offset is None
    assert loop.beat().clock_offset == pytest.approx(-95.5)


def test_a_failing_status_provider_does_not_kill_the_heartbeat(queue, clock):
    def broken() -> dict:
        raise KeyError("printer")

    central = FakeCentral(clock)
    state = HeartbeatLoop(central, queue, broken, interval=30, clock=clock).beat()
    assert state.failures == 1 and central.calls == []


def test_thread_beats_repeatedly_and_stops_promptly(queue):
    central = FakeCentral(time.time)
    loop = HeartbeatLoop(central, queue, _status, interval=0.05, rng=random.Random(1))
    loop.start()
    deadline = time.monotonic() + 5
    while len(central.calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    loop.stop()
    assert time.monotonic() - started < 2.0
    assert len(central.calls) >= 3 and not loop._thread.is_alive()


def test_stop_does_not_wait_out_a_long_interval(queue):
    loop = HeartbeatLoop(FakeCentral(time.time), queue, _status, interval=600)
    loop.start()
    started = time.monotonic()
    loop.stop()
    assert time.monotonic() - started < 2.0 and not loop._thread.is_alive()


def test_wake_sends_a_heartbeat_at_once(queue):
    central = FakeCentral(time.time)
    loop = HeartbeatLoop(central, queue, _status, interval=600, rng=random.Random(3))
    loop.start()
    loop.wake()
    deadline = time.monotonic() + 5
    while not central.calls and time.monotonic() < deadline:
        time.sleep(0.01)
    loop.stop()
    assert len(central.calls) == 1


def test_interval_must_be_positive(queue):
    with pytest.raises(ValueError, match="greater than 0"):
        HeartbeatLoop(FakeCentral(time.time), queue, _status, interval=0)


def test_status_for_central_uses_central_field_names():
    status = TerminalStatus(version="0.1.0", pid=1, started_at=0, uptime=12.5, printer_state="paper_low",
                            printer_detail="", spool_depth=1, outbox_depth=2, central_reachable=True,
                            clock_offset=0.1, last_heartbeat=None, session_active=True, out_of_service=True,
                            out_of_service_message="维护中", updated_at=0)
    assert status_for_central(status) == {
        "version": "0.1.0", "uptime": 12.5, "printer": "paper_low", "paper": "low", "spool_depth": 1,
        "outbox_depth": 2, "session_active": True, "out_of_service": True, "message": "维护中"}


def test_against_the_reference_server_commands_arrive_are_acknowledged_and_an_outage_is_seen(tmp_path, queue):
    from central_server.embedded import start_embedded_central
    from kiosk.central.client import CentralClient

    terminal = "T-OPS-0001"
    central = start_embedded_central(tmp_path / "central", terminal, "1号自助终端", "示范大厅")
    client = CentralClient(central.base_url, terminal, central.secret, max_retries=0)
    store = central.app.extensions["central"].store
    try:
        status = TerminalStatus(version="0.1.0", pid=1, started_at=0, uptime=5.0, printer_state="ready",
                                printer_detail="", spool_depth=0, outbox_depth=0, central_reachable=None,
                                clock_offset=None, last_heartbeat=None, session_active=False,
                                out_of_service=False, out_of_service_message="", updated_at=0)
        command_id = store.queue_command(terminal, "show_message", "今晚22:00系统维护")
        loop = HeartbeatLoop(client, queue, lambda: status_for_central(status), interval=30)

        state = loop.beat()
        assert state.reachable is True and abs(state.clock_offset) < 5
        assert queue.due(session_active=False) == [Command(id=command_id, kind="show_message",
                                                           message="今晚22:00系统维护")]
        queue.mark_applied(command_id)
        loop.beat()
        assert queue.acks() == [] and [c.id for c in store.pending_commands(terminal)] == []
    finally:
        central.stop()
        client.close()
    state = loop.beat()
    assert state.reachable is False and state.failures == 1


@pytest.mark.parametrize("retry_after", [1e20, float("inf"), float("nan"), -5.0, 251606013902.5])
def test_a_retry_after_of_any_size_delays_the_next_heartbeat_by_at_most_ten_intervals(queue, clock, retry_after):
    central = FakeCentral(clock)
    loop = HeartbeatLoop(central, queue, _status, interval=30, clock=clock, rng=random.Random(2))
    central.heartbeat = lambda status, acked: (_ for _ in ()).throw(
        CentralUnavailable("busy", retry_after=retry_after))
    loop.beat()
    wait = loop.wait_after_beat()
    assert 0 <= wait <= 300.0 == loop.longest_wait
    assert loop.wait_after_beat() <= 36.0      # honoured once, then the usual interval


def _wait_for(predicate, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


def test_the_heartbeat_thread_survives_a_round_that_fails_outside_the_call(queue, monkeypatch):
    central = FakeCentral(time.time)
    failures = iter([sqlite3.OperationalError("disk I/O error"), OverflowError("timeout value is too large")])

    def acks():
        error = next(failures, None)
        if error is not None:
            raise error
        return []

    monkeypatch.setattr(queue, "acks", acks)
    loop = HeartbeatLoop(central, queue, _status, interval=0.05, rng=random.Random(4))
    loop.start()
    try:
        assert _wait_for(lambda: len(central.calls) >= 2), "the heartbeat stopped after a failed round"
        assert loop._thread.is_alive()
    finally:
        loop.stop()


def test_a_hostile_retry_after_from_a_real_server_never_stops_the_heartbeat(queue):
    from kiosk.central.client import CentralClient

    from tests.central.hostile_server import JSON, HostileAnswer, HostileServer

    server = HostileServer().start()
    client = CentralClient(server.base_url, "T-1", b"s" * 32, connect_timeout=1, read_timeout=1)
    server.serve(HostileAnswer(status=429, headers=JSON + (("Retry-After", "9" * 20),), body=b"{}"))
    loop = HeartbeatLoop(client, queue, _status, interval=0.05, rng=random.Random(5))
    try:
        state = loop.beat()
        assert state.reachable is False and "busy" in state.last_error
        assert loop.wait_after_beat() <= 0.5
        server.serve(HostileAnswer(status=429, headers=JSON + (("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"),),
                                   body=b"{}"))
        loop.start()
        assert _wait_for(lambda: server.stats.requests >= 3), "the heartbeat waited as long as central asked"
        assert loop._thread.is_alive()
    finally:
        loop.stop()
        client.close()
        server.stop()
