"""PrinterService on the `virtual` connection of the config: bytes and a PNG per job, faults from a file."""
from __future__ import annotations

from PIL import Image, ImageChops

from kiosk.config import embedded_defaults
from kiosk_devtools.escpos_decode import decode_escpos
from kiosk.printing.service import PrinterService
from kiosk.printing.status import PrinterState
from kiosk.receipt.preview import preview_mono


def test_virtual_printer_writes_bytes_and_the_png_of_what_they_draw(tmp_path, receipt):
    config = embedded_defaults(tmp_path)
    service = PrinterService.from_config(config)
    try:
        assert service.profile.name == "generic-80mm" and service.status().ready
        outcome = service.print_receipt(receipt)
        assert outcome.ok and outcome.preview_path is not None
        assert outcome.preview_path.parent == tmp_path / "virtual-printer"
        data = outcome.preview_path.with_suffix(".bin").read_bytes()
        printed = decode_escpos(data, 576).image
        expected = preview_mono(receipt, service.profile)
        png = Image.open(outcome.preview_path).convert("L")
        assert png.size == expected.size
        # The PNG shows the paper (plus a dashed cut mark on its last row).
        body = (0, 0, png.width, png.height - 1)
        assert ImageChops.difference(png.crop(body), expected.convert("L").crop(body)).getbbox() is None
        assert ImageChops.difference(printed.convert("L"), expected.convert("L")).getbbox() is None
        assert (tmp_path / "spool.sqlite3").is_file()
    finally:
        service.close()


def test_virtual_printer_fault_file_stops_printing_and_explains_why(tmp_path, receipt):
    config = embedded_defaults(tmp_path)
    service = PrinterService.from_config(config)
    try:
        (tmp_path / "virtual-printer").mkdir(exist_ok=True)
        (tmp_path / "virtual-printer" / "fault").write_text("cover_open", encoding="utf-8")
        outcome = service.print_receipt(receipt)
        assert not outcome.ok and outcome.status.state is PrinterState.COVER_OPEN
        assert outcome.status.describe("zh_CN") == "打印机上盖未关好"
        assert list((tmp_path / "virtual-printer").glob("job-*.png")) == []
        (tmp_path / "virtual-printer" / "fault").unlink()
        [again] = service.resume_unfinished()
        assert again.ok and not again.reprint and again.preview_path.is_file()
    finally:
        service.close()


def test_spool_survives_the_service_being_closed_and_reopened(tmp_path, receipt):
    config = embedded_defaults(tmp_path)
    (tmp_path / "virtual-printer").mkdir()
    (tmp_path / "virtual-printer" / "fault").write_text("paper_out", encoding="utf-8")
    first = PrinterService.from_config(config)
    job_id = first.print_receipt(receipt).job_id
    first.close()
    (tmp_path / "virtual-printer" / "fault").unlink()
    second = PrinterService.from_config(config)
    try:
        [pending] = second.pending_jobs()
        assert pending.id == job_id and pending.receipt == receipt
        assert [o.ok for o in second.resume_unfinished()] == [True]
    finally:
        second.close()


def test_a_running_service_forgets_confirmed_slips_older_than_a_day(tmp_path, receipt):
    from kiosk.printing import service as service_module

    now = [1000.0]
    service = PrinterService.from_config(embedded_defaults(tmp_path), clock=lambda: now[0])
    try:
        old = service.print_receipt(receipt).job_id
        service.spool.conn.execute("UPDATE print_jobs SET printed_at = printed_at - ? WHERE id = ?",
                                   (service_module.KEEP_DONE_SECONDS + 60, old))
        recent = service.print_receipt(receipt).job_id          # within the hour: nothing is purged yet
        assert {j.id for j in service.recent_jobs()} == {old, recent}
        now[0] += service_module.PURGE_EVERY_SECONDS                 # an hour has passed
        newest = service.print_receipt(receipt).job_id          # the day-old slip goes after this print
        assert [j.id for j in service.recent_jobs()] == [newest, recent]
    finally:
        service.close()
