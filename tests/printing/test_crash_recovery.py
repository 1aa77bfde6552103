"""The kiosk killed (SIGKILL) in the middle of a job, then restarted: the slip comes out, at most once
more, marked 重印."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk_devtools.escpos_decode import decode_partial
from kiosk.printing.service import PrinterService

REPO = Path(__file__).resolve().parents[2]
CHILD = """
import json, sys
from kiosk.config import load_config
from kiosk.printing.service import PrinterService
from kiosk.receipt.model import Receipt
service = PrinterService.from_config(load_config(sys.argv[1]), confirm_timeout=60)
receipt = Receipt.from_json(json.loads(open(sys.argv[2], encoding="utf-8").read()))
print("printing", flush=True)
service.print_receipt(receipt)
print("returned", flush=True)
"""


def _start_child(tmp_path: Path, config, receipt) -> subprocess.Popen:
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_text(json.dumps(receipt.to_json(), ensure_ascii=False), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-c", CHILD, config.source, str(receipt_file)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _texts(job) -> list[str]:
    return decode_partial(job.bin_path.read_bytes(), 576).text_lines


def _kill(child: subprocess.Popen) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    child.stdout.close()
    child.stderr.close()


def _restart_and_resume(config, printer) -> list:
    printer.set_fault("none")
    service = PrinterService.from_config(config, confirm_timeout=2, poll_interval=0.05)
    try:
        outcomes = service.resume_unfinished()
        assert service.pending_jobs() == []
        return outcomes
    finally:
        service.close()


@pytest.mark.parametrize("fault,wait", [
    ("stall", "bytes"),                  # killed while the printer was still taking the job's bytes
    ("silent_after_print", "job"),       # killed after the slip came out, before the printer confirmed it
])
def test_killed_mid_job_prints_once_more_marked_reprint(tmp_path, printer, network_config, receipt, fault, wait):
    config = network_config(timeout=30)
    printer.set_fault(fault, drop_after=4096)
    child = _start_child(tmp_path, config, receipt)
    try:
        if wait == "bytes":
            assert printer.wait_for_bytes(4096, timeout=30), child.stderr.read() if child.poll() is not None else ""
        else:
            assert printer.wait_for_jobs(1, timeout=30)
        time.sleep(0.2)
        assert child.poll() is None, "the kiosk must still be waiting on the printer when it is killed"
    finally:
        _kill(child)

    outcomes = _restart_and_resume(config, printer)
    assert [(o.ok, o.reprint) for o in outcomes] == [(True, True)]
    assert printer.wait_for_jobs(2)
    first, second = printer.jobs
    assert first.torn == (wait == "bytes")
    assert not any("重印" in line for line in _texts(first))
    assert "【重印】" in _texts(second)[0]
    assert any("340102********1234" in line for line in _texts(second))
    # Nothing more comes out on a further restart.
    assert _restart_and_resume(config, printer) == []
    assert len(printer.jobs) == 2


def test_killed_before_sending_prints_once_without_reprint_mark(tmp_path, printer, network_config, receipt):
    config = network_config(timeout=30)
    printer.set_fault("silent")        # the first status reading never returns: nothing has been sent
    child = _start_child(tmp_path, config, receipt)
    try:
        assert child.stdout.readline().strip() == "printing"
        time.sleep(0.5)
        assert child.poll() is None
    finally:
        _kill(child)
    outcomes = _restart_and_resume(config, printer)
    assert [(o.ok, o.reprint) for o in outcomes] == [(True, False)]
    assert printer.wait_for_jobs(1) and len(printer.jobs) == 1
