"""Slips and the people they belong to: a slip prints while its citizen can take it, or it is held for staff.

Against the virtual network printer: paper out during a visit, the visit ends, the paper is refilled, and
nothing falls into the empty tray; a staff reprint delivers it and closes it; failed test pages are dropped."""
from __future__ import annotations

import time

from kiosk.printing.spool import PrintSpool
from kiosk.printing.status import PrinterState


def test_a_slip_that_failed_during_the_visit_is_held_when_the_visit_ends_and_never_printed_by_itself(
        network_service, printer, receipt):
    service = network_service()
    printer.set_fault("paper_out")
    job_id = service.queue_slip(receipt, "key-1")
    outcome = service.print_job(job_id)
    assert not outcome.ok and outcome.status.state is PrinterState.PAPER_OUT
    assert service.hold_undelivered() == 1                      # the citizen left
    printer.set_fault("none")                                   # staff refill the paper
    assert service.resume_unfinished() == [] and service.resume_after_restart(3600) == []
    time.sleep(0.2)
    assert printer.jobs == []
    [held] = service.held_jobs()
    assert held.id == job_id and held.held and not held.finished


def test_a_staff_reprint_delivers_a_held_slip_and_closes_it(network_service, printer, receipt):
    service = network_service()
    job_id = service.queue_slip(receipt, "key-1", held=True)
    outcome = service.reprint(job_id)
    assert outcome.ok and printer.wait_for_jobs(1)
    assert service.held_jobs() == [] and service.pending_jobs() == []
    original = service.spool.get(job_id)
    assert original.finished and original.closed_by == outcome.job_id and original.printed_at is None


def test_a_slip_is_stored_once_per_application_however_often_it_is_queued(network_service, receipt):
    service = network_service()
    first = service.queue_slip(receipt, "key-1")
    assert service.queue_slip(receipt, "key-1") == first
    assert len(service.pending_jobs()) == 1
    assert service.print_job(first).ok and service.print_job(first).ok     # printed once, not twice
    assert len(service.recent_jobs()) == 1


def test_after_a_restart_fresh_slips_print_old_ones_are_held_and_test_pages_are_dropped(
        tmp_path, network_config, network_service, printer, receipt):
    service = network_service()
    printer.set_fault("paper_out")
    test_page = service.print_receipt(receipt, kind="test")
    old = service.queue_slip(receipt, "old")
    fresh = service.queue_slip(receipt, "fresh")
    assert not test_page.ok
    service.spool.conn.execute("UPDATE print_jobs SET created_at = created_at - 600 WHERE id = ?", (old,))
    service.close()
    printer.set_fault("none")
    restarted = network_service()
    outcomes = restarted.resume_after_restart(120)
    assert [o.job_id for o in outcomes] == [fresh] and outcomes[0].ok
    assert [job.id for job in restarted.held_jobs()] == [old]
    assert restarted.spool.get(test_page.job_id) is None


def test_an_older_spool_gains_the_new_columns(tmp_path, receipt):
    import sqlite3

    from kiosk.printing.spool import SCHEMA
    path = tmp_path / "spool.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO print_jobs (created_at, updated_at, title, receipt, state) "
                 "VALUES (1, 1, 't', ?, 'queued')", ('{}',))
    conn.commit()
    conn.close()
    spool = PrintSpool(path)
    columns = {row["name"] for row in spool.conn.execute("PRAGMA table_info(print_jobs)")}
    assert {"kind", "slip_key", "held_at", "closed_by"} <= columns
    assert spool.add(receipt, slip_key="k") == 2
    spool.close()
