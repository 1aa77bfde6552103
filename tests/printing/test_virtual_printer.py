"""The virtual network printer answers DLE EOT like a real one; the service reads every state through it."""
from __future__ import annotations

import socket
import time

import pytest

from kiosk_devtools.escpos_decode import decode_escpos
from kiosk.printing.status import ErrorKind, PrinterState
from kiosk_devtools.virtual_printer import VirtualPaper
from kiosk.receipt.escpos_render import render_escpos

FAULT_STATES = [
    ("none", PrinterState.READY, ""),
    ("paper_low", PrinterState.PAPER_LOW, ""),
    ("paper_out", PrinterState.PAPER_OUT, ""),
    ("cover_open", PrinterState.COVER_OPEN, ""),
    ("offline", PrinterState.OFFLINE, ""),
    ("cutter_error", PrinterState.ERROR, "cutter"),
    ("unrecoverable", PrinterState.ERROR, "unrecoverable"),
    ("recoverable", PrinterState.ERROR, "recoverable"),
    ("silent", PrinterState.UNKNOWN, ""),
]


@pytest.mark.parametrize("fault,state,kind", FAULT_STATES)
def test_service_reads_every_printer_state_over_the_network(printer, network_service, fault, state, kind):
    printer.set_fault(fault)
    status = network_service().status()
    assert (status.state, status.error_kind) == (state, kind)


def test_a_printer_that_is_switched_off_is_unknown(network_config, tmp_path):
    from kiosk.printing.service import PrinterService

    config = network_config()
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    text = (tmp_path / "config.toml").read_text(encoding="utf-8").replace(f"port = {config.printer.network.port}",
                                                                         f"port = {port}")
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    from kiosk.config import load_config
    service = PrinterService.from_config(load_config(tmp_path / "config.toml"))
    try:
        status = service.status()
        assert status.state is PrinterState.UNKNOWN and "cannot open" in status.detail
    finally:
        service.close()


def test_fault_file_and_control_port_both_set_the_fault(printer, network_service):
    service = network_service()
    (printer.paper.out_dir / "fault").write_text("cover_open\n", encoding="utf-8")
    assert service.status().state is PrinterState.COVER_OPEN
    (printer.paper.out_dir / "fault").unlink()
    with socket.create_connection(("127.0.0.1", printer.control_port), timeout=2) as control:
        f = control.makefile("rw", encoding="utf-8")
        f.write("fault paper_out\n")
        f.flush()
        assert f.readline().strip() == "ok fault paper_out"
        f.write("fault jammed\n")
        f.flush()
        assert f.readline().startswith("error unknown printer fault 'jammed'")
    assert service.status().state is PrinterState.PAPER_OUT


def test_printed_job_is_stored_with_a_png_of_what_its_bytes_draw(printer, network_service, receipt):
    service = network_service()
    outcome = service.print_receipt(receipt)
    assert outcome.ok and outcome.status.state is PrinterState.READY
    assert printer.wait_for_jobs(1)
    job = printer.jobs[0]
    data = job.bin_path.read_bytes()
    assert data == render_escpos(receipt, service.profile)
    assert job.png_path.is_file() and not job.torn
    assert service.pending_jobs() == []
    decoded = decode_escpos(data, 576)
    assert any("340102********1234" in line for line in decoded.text_lines)


def test_paper_out_before_printing_keeps_the_job_and_sends_nothing(printer, network_service, receipt):
    service = network_service()
    printer.set_fault("paper_out")
    outcome = service.print_receipt(receipt)
    assert not outcome.ok and outcome.status.state is PrinterState.PAPER_OUT
    assert "80 mm" in outcome.status.advice("zh_CN")
    pending = service.pending_jobs()
    assert [j.id for j in pending] == [outcome.job_id] and not pending[0].may_be_printed
    assert pending[0].last_status.state is PrinterState.PAPER_OUT
    assert printer.jobs == []
    printer.set_fault("none")
    [resumed] = service.resume_unfinished()
    assert resumed.ok and not resumed.reprint
    assert printer.wait_for_jobs(1)
    assert not any("重印" in line for line in decode_escpos(printer.jobs[0].bin_path.read_bytes(), 576).text_lines)


def test_connection_dropped_mid_job_leaves_it_queued_then_reprinted_marked(printer, network_service, receipt):
    service = network_service()
    printer.set_fault("drop", drop_after=3000)
    outcome = service.print_receipt(receipt)
    assert not outcome.ok
    assert outcome.status.state is PrinterState.ERROR and outcome.status.error_kind is ErrorKind.CONNECTION
    [pending] = service.pending_jobs()
    assert pending.may_be_printed and pending.attempts == 1
    assert printer.wait_for_jobs(1) and printer.jobs[0].torn
    [again] = service.resume_unfinished()
    assert again.ok and again.reprint
    assert printer.wait_for_jobs(2)
    text = decode_escpos(printer.jobs[1].bin_path.read_bytes(), 576).text_lines
    assert "【重印】" in text[0]
    assert service.pending_jobs() == []


def test_printer_that_never_confirms_keeps_the_job(printer, network_service, receipt):
    service = network_service()
    printer.set_fault("silent_after_print")
    outcome = service.print_receipt(receipt)
    assert not outcome.ok and outcome.status.state is PrinterState.UNKNOWN
    assert service.pending_jobs()[0].may_be_printed


def test_staff_reprint_prints_a_marked_copy(printer, network_service, receipt):
    service = network_service()
    first = service.print_receipt(receipt)
    again = service.reprint(first.job_id)
    assert again.ok and again.reprint and again.job_id != first.job_id
    assert [j.id for j in service.recent_jobs()] == [again.job_id, first.job_id]
    assert service.recent_jobs()[0].reprint_of == first.job_id
    with pytest.raises(KeyError):
        service.reprint(999)


def test_finished_connections_leave_no_thread_behind(printer, network_service, receipt):
    listeners = printer.running_threads           # the printer port and the control port
    service = network_service()
    for _ in range(5):                             # each print and status reading is a connection of its own
        assert service.print_receipt(receipt).ok
        service.status()
    assert printer.wait_for_jobs(5)
    deadline = time.monotonic() + 10
    while printer.running_threads > listeners and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (listeners, printer.running_threads) == (2, 2)


def test_paper_remembers_the_last_jobs_and_keeps_every_one_on_disk(tmp_path, receipt):
    from kiosk.config import default_profiles_dir
    from kiosk.receipt.profiles import load_profile

    data = render_escpos(receipt, load_profile("xprinter-xp-80c", default_profiles_dir()))
    paper = VirtualPaper(tmp_path / "paper", 576, keep_jobs=2)
    numbers = [paper.store_job(data).number for _ in range(3)]
    assert numbers == [1, 2, 3] and paper.stored == 3
    assert [j.number for j in paper.jobs] == [2, 3]
    assert sorted(p.name for p in (tmp_path / "paper").glob("job-*.bin")) == \
        ["job-0001.bin", "job-0002.bin", "job-0003.bin"]
    again = VirtualPaper(tmp_path / "paper", 576)  # a fresh printer on the same folder numbers on
    assert again.store_job(data).number == 4 and paper.store_job(data).number == 5
