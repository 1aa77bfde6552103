"""Fault matrix, SIGKILL rows: the kiosk killed after the outbox write, after sending, after the answer and
while printing; a fresh terminal started on the same data replays and resumes, and central holds exactly
the applications the citizen was promised, once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk_devtools.escpos_decode import decode_partial
from tests.reliability.fault_proxy import Fault
from tests.reliability.visits import OFFLINE_ITEM, ONLINE_ITEM

REPO = Path(__file__).resolve().parents[2]


def start_kiosk(config, item_id: str, kill_at: str = "") -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KIOSK_KILL_AT": kill_at}
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.kill_driver", config.source, item_id],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(what: str, predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def killed(child: subprocess.Popen, timeout: float = 30.0) -> None:
    """Wait for the child to die of SIGKILL (killing it ourselves if it is still running)."""
    try:
        child.wait(timeout=timeout)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(10)
        err = child.stderr.read()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL, err[-2000:]


def restarted(make_terminal):
    """A fresh terminal on the same data: its replayer runs at once; wait until the outbox is empty."""
    terminal = make_terminal()
    wait_for("the outbox to drain", lambda: terminal.outbox.depth() == 0)
    return terminal


@pytest.mark.parametrize("item_id,applications", [(OFFLINE_ITEM, 1), (ONLINE_ITEM, 0)])
def test_killed_after_the_outbox_write_the_restart_sends_it_once_or_settles_it(config, make_terminal, witness,
                                                                             item_id, applications):
    killed(start_kiosk(config, item_id, "after_outbox_write"))
    assert witness.applications() == []
    terminal = restarted(make_terminal)
    entry = terminal.outbox.get_by_id(1)
    assert len(witness.applications()) == applications
    if applications:           # an offline_ok item is forwarded terminal-signed
        assert entry.state == "done" and entry.reference == witness.applications()[0]["number"]
    else:                      # an online item without the citizen's login is refused: nothing was made
        assert entry.state == "refused" and entry.last_error == "login_required"
    assert entry.payload == {}


def test_killed_after_sending_before_the_answer_the_restart_gets_the_stored_answer(config, proxy, make_terminal,
                                                                                 witness):
    proxy.inject("POST", "/api/v1/submissions", Fault("timeout_after_commit", hold=30.0))
    child = start_kiosk(config, ONLINE_ITEM)
    wait_for("central to commit the application", lambda: len(witness.applications()) == 1)
    os.kill(child.pid, signal.SIGKILL)
    killed(child)
    proxy.clear()
    terminal = restarted(make_terminal)
    [app] = witness.applications()
    entry = terminal.outbox.get_by_id(1)
    assert entry.state == "done" and entry.reference == app["number"]


def test_killed_after_the_answer_before_settling_the_restart_does_not_double(config, make_terminal, witness,
                                                                           printer):
    killed(start_kiosk(config, ONLINE_ITEM, "after_answer"))
    [app] = witness.applications()
    terminal = restarted(make_terminal)
    assert terminal.outbox.get_by_id(1).reference == app["number"]
    assert len(witness.applications()) == 1
    # The citizen was not told yet, but central holds the application: its slip comes out after the restart.
    assert printer.wait_for_jobs(1) and len(printer.jobs) == 1 and terminal.resumed_slips == 1
    assert any(app["number"] in line for line in decode_partial(printer.jobs[0].bin_path.read_bytes(),
                                                                576).text_lines)


def test_killed_between_the_answer_and_printing_the_restart_prints_the_slip_once(config, make_terminal,
                                                                               witness, printer):
    killed(start_kiosk(config, ONLINE_ITEM, "before_print"))
    assert printer.jobs == []
    terminal = restarted(make_terminal)
    assert printer.wait_for_jobs(1) and terminal.resumed_slips == 1
    assert terminal.printer.pending_jobs() == [] and len(witness.applications()) == 1
    time.sleep(0.3)
    assert len(printer.jobs) == 1


def test_a_slip_left_by_a_restart_long_after_its_visit_is_held_for_staff_not_printed(config, make_terminal,
                                                                                   printer, monkeypatch):
    import kiosk.terminal

    killed(start_kiosk(config, ONLINE_ITEM, "before_print"))
    monkeypatch.setattr(kiosk.terminal, "RESTART_WINDOW_SECONDS", 0.0)    # the terminal came back much later
    terminal = restarted(make_terminal)
    [held] = terminal.printer.held_jobs()
    assert terminal.resumed_slips == 0 and printer.jobs == []
    outcome = terminal.printer.reprint(held.id)                          # staff hand it over
    assert outcome.ok and terminal.printer.held_jobs() == []
    assert terminal.printer.spool.get(held.id).closed_by == outcome.job_id
    assert printer.wait_for_jobs(1) and "【重印】" in decode_partial(printer.jobs[0].bin_path.read_bytes(),
                                                                    576).text_lines[0]


def test_killed_while_printing_the_restart_prints_once_more_marked_reprint(config, printer, make_terminal,
                                                                         witness):
    printer.set_fault("stall", drop_after=1024)
    child = start_kiosk(config, ONLINE_ITEM)
    assert printer.wait_for_bytes(1024, timeout=30)
    os.kill(child.pid, signal.SIGKILL)
    killed(child)
    printer.set_fault("none")
    terminal = restarted(make_terminal)
    assert terminal.printer.pending_jobs() == []
    assert printer.wait_for_jobs(2)
    torn, reprint = printer.jobs
    assert torn.torn and "【重印】" in decode_partial(reprint.bin_path.read_bytes(), 576).text_lines[0]
    [app] = witness.applications()
    assert terminal.outbox.get_by_id(1).reference == app["number"]
