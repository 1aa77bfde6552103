"""Fault matrix, printer rows: the slip stays in the spool until the printer confirms it, comes out once
when the fault is cleared (marked 重印 when a first copy may be on paper), and central holds one application."""
from __future__ import annotations

import socket
import threading

from central_server.embedded import SECRET_NAME
from kiosk.config import load_config
from kiosk.printing.status import ErrorKind, PrinterState
from kiosk_devtools.escpos_decode import decode_partial

from tests.reliability.conftest import ONLINE_ITEM, logged_in_visit, write_config


def texts(job) -> list[str]:
    return decode_partial(job.bin_path.read_bytes(), 576).text_lines


def submitted(terminal):
    visit = logged_in_visit(terminal, ONLINE_ITEM)
    return terminal.submit(visit)


def resume_after_fix(terminal, printer) -> list:
    printer.set_fault("none")
    outcomes = terminal.printer.resume_unfinished()
    assert terminal.printer.pending_jobs() == []
    assert terminal.printer.resume_unfinished() == []        # nothing more comes out
    return outcomes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_printer_refusing_the_connection_keeps_the_slip_queued_until_it_answers(tmp_path, central, proxy, printer,
                                                                              make_terminal, witness):
    dead = load_config(write_config(tmp_path, proxy.base_url, central.data_dir / SECRET_NAME, free_port()))
    terminal = make_terminal(dead)
    result = submitted(terminal)
    outcome = terminal.print_result(result)
    assert not outcome.ok and outcome.status.state is PrinterState.UNKNOWN
    [job] = terminal.printer.pending_jobs()
    assert job.state == "queued" and not job.may_be_printed
    terminal.stop()
    # The technician fixes the address; on restart the slip comes out once, not marked as a reprint.
    fixed = make_terminal()
    assert fixed.printer.pending_jobs() == []
    assert printer.wait_for_jobs(1) and len(printer.jobs) == 1
    assert not any("重印" in line for line in texts(printer.jobs[0]))
    assert any(result.application_number in line for line in texts(printer.jobs[0]))
    assert len(witness.applications()) == 1


def test_paper_out_before_printing_sends_nothing_and_prints_once_after_refill(make_terminal, printer, witness):
    terminal = make_terminal()
    result = submitted(terminal)
    printer.set_fault("paper_out")
    outcome = terminal.print_result(result)
    assert not outcome.ok and outcome.status.state is PrinterState.PAPER_OUT
    assert printer.received_bytes == 0
    [job] = terminal.printer.pending_jobs()
    assert not job.may_be_printed
    assert [(o.ok, o.reprint) for o in resume_after_fix(terminal, printer)] == [(True, False)]
    assert len(printer.jobs) == 1 and len(witness.applications()) == 1


def test_paper_out_in_the_middle_of_a_job_reprints_the_slip_marked_reprint(make_terminal, printer):
    terminal = make_terminal()
    result = submitted(terminal)
    printer.set_fault("stall", drop_after=1024)       # the printer stops taking paper mid-slip ...
    outcomes = []
    worker = threading.Thread(target=lambda: outcomes.append(terminal.print_result(result)))
    worker.start()
    assert printer.wait_for_bytes(1024)
    printer.set_fault("paper_out")                     # ... because the roll ran out
    worker.join(10)
    [outcome] = outcomes
    assert not outcome.ok                              # the printer cut the job short ...
    assert terminal.printer_status().state is PrinterState.PAPER_OUT   # ... and now reports why
    [job] = terminal.printer.pending_jobs()
    assert job.may_be_printed
    assert [(o.ok, o.reprint) for o in resume_after_fix(terminal, printer)] == [(True, True)]
    *cut_short, reprinted = printer.jobs               # what came out before the paper ran out, if any,
    assert len(cut_short) <= 1 and all(j.torn for j in cut_short)   # is a torn piece, never a whole slip
    assert "【重印】" in texts(reprinted)[0]


def test_cover_open_keeps_the_slip_and_says_so(make_terminal, printer):
    terminal = make_terminal()
    result = submitted(terminal)
    printer.set_fault("cover_open")
    outcome = terminal.print_result(result)
    assert not outcome.ok and outcome.status.state is PrinterState.COVER_OPEN
    assert "cover" in outcome.status.describe("en").lower() or "盖" in outcome.status.describe("zh_CN")
    assert [(o.ok, o.reprint) for o in resume_after_fix(terminal, printer)] == [(True, False)]
    assert len(printer.jobs) == 1


def test_printer_disconnected_mid_job_reprints_once_marked_reprint(make_terminal, printer, witness):
    terminal = make_terminal()
    result = submitted(terminal)
    printer.set_fault("drop", drop_after=1024)
    outcome = terminal.print_result(result)
    assert not outcome.ok
    assert outcome.status.state is PrinterState.ERROR and outcome.status.error_kind is ErrorKind.CONNECTION
    [job] = terminal.printer.pending_jobs()
    assert job.may_be_printed
    assert [(o.ok, o.reprint) for o in resume_after_fix(terminal, printer)] == [(True, True)]
    assert len(printer.jobs) == 2 and "【重印】" in texts(printer.jobs[1])[0]
    assert len(witness.applications()) == 1


def test_printer_not_answering_status_is_unknown_not_paper_out_and_nothing_is_sent(make_terminal, printer):
    terminal = make_terminal()
    result = submitted(terminal)
    printer.set_fault("silent")
    assert terminal.printer_status().state is PrinterState.UNKNOWN
    outcome = terminal.print_result(result)
    assert not outcome.ok and outcome.status.state is PrinterState.UNKNOWN
    assert printer.received_bytes == 0 and terminal.printer.pending_jobs()
    assert [(o.ok, o.reprint) for o in resume_after_fix(terminal, printer)] == [(True, False)]
