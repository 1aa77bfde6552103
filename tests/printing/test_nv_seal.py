"""The seal stored once in the printer's NV memory and printed by key, proven on the virtual network printer.

store-seal checks key, room and the daily budget first, refuses an identical rewrite, and the slip that follows
is at most 3 KB with the QR and shows the stored seal where the preview puts it."""
from __future__ import annotations

import time

import numpy
import pytest
from PIL import ImageChops

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.printing.nv_seal import WRITES_PER_DAY, SealStoreError, SealUnchanged, store_seal
from kiosk.printing.service import PrinterService
from kiosk.receipt.escpos_render import render_escpos
from kiosk.receipt.nv_graphics import define_nv_graphic, print_nv_graphic
from kiosk.receipt.preview import paint_layout, preview_mono
from kiosk.receipt.layout import layout_receipt
from kiosk.receipt.seal import seal_graphic
from kiosk_devtools.escpos_decode import decode_escpos
from kiosk_devtools.nv_memory import NvMemory
from kiosk_devtools.virtual_printer import VirtualPrinterServer

SLIP_LIMIT = 3 * 1024


def _service(config_file, profile="hprt-tp809", port=None, **kwargs):
    return PrinterService.from_config(load_config(config_file(profile, port)), confirm_timeout=1.0,
                                      poll_interval=0.05, **kwargs)


@pytest.fixture
def nv_service(network_config_file):
    services = []

    def make(profile="hprt-tp809", port=None, **kwargs):
        service = _service(network_config_file, profile, port, **kwargs)
        services.append(service)
        return service
    yield make
    for service in services:
        service.close()


def _same(a, b) -> bool:
    return a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


def test_store_seal_then_a_slip_under_3_kb_prints_the_stored_seal_where_the_preview_puts_it(
        nv_service, printer, receipt):
    service = nv_service()
    outcome = store_seal(service, receipt.seal_text, receipt.seal_label)
    assert outcome.key == "S1" and outcome.writes_today == 1
    assert printer.paper.nv.keys() == ["S1"] and printer.paper.nv.writes == 1

    printed = service.print_receipt(receipt)
    assert printed.ok
    slip = printer.jobs[-1].bin_path.read_bytes()
    assert len(slip) <= SLIP_LIMIT, f"{len(slip)} bytes"
    assert print_nv_graphic("S1") in slip and b"\x1dv0" not in slip     # the seal by key, no raster at all

    job = decode_escpos(slip, service.profile.width_dots, printer.paper.nv, nv_writes=False)
    assert job.nv_printed == ["S1"] and not job.nv_missing and not job.unknown
    stored = service.usable_seals()
    assert _same(job.image, preview_mono(receipt, service.profile, stored))
    layers = paint_layout(layout_receipt(receipt, service.profile, stored), service.profile)
    left, top, right, bottom = layers.seal.getbbox()
    on_paper = numpy.array(job.image.crop((left, top, right, bottom))) == 0          # printed dots
    assert (on_paper == (numpy.array(layers.seal.crop((left, top, right, bottom))) != 0)).all()
    assert layers.ink.crop((left, top, right, bottom)).getbbox() is None, "text under the seal"
    assert right == service.profile.width_dots or right >= service.profile.width_dots - 8   # right-aligned


def test_a_second_identical_store_seal_is_refused_and_writes_nothing(nv_service, printer, receipt):
    service = nv_service()
    store_seal(service, receipt.seal_text, receipt.seal_label)
    with pytest.raises(SealUnchanged, match="already stored under key 'S1'"):
        store_seal(service, receipt.seal_text, receipt.seal_label)
    assert printer.paper.nv.writes == 1
    assert service.seals.writes_since(service.printer_id, 0) == 1


def test_another_seal_gets_the_next_key_and_both_print_by_key(nv_service, printer, receipt):
    import dataclasses

    service = nv_service()
    store_seal(service, receipt.seal_text, receipt.seal_label)
    other = dataclasses.replace(receipt, seal_text="合肥市住房公积金管理中心", issuer="合肥市住房公积金管理中心")
    assert store_seal(service, other.seal_text, other.seal_label).key == "S2"
    assert printer.paper.nv.keys() == ["S1", "S2"]
    assert service.print_receipt(other).ok
    assert print_nv_graphic("S2") in printer.jobs[-1].bin_path.read_bytes()


def test_a_key_not_stored_is_detected_and_the_slip_falls_back_to_the_raster_seal(nv_service, printer, receipt):
    service = nv_service()
    store_seal(service, receipt.seal_text, receipt.seal_label)
    printer.paper.nv.delete_all()                 # the printer was wiped or swapped for another
    bare = render_escpos(receipt, service.profile, {"x": "S1"} | service.seals.digests(service.printer_id))
    job = decode_escpos(bare, service.profile.width_dots, printer.paper.nv, nv_writes=False)
    assert job.nv_missing == ["S1"]               # printing by a key the printer lacks prints nothing: caught

    fresh = nv_service()                          # a terminal starting up checks the printer's keys
    assert fresh.usable_seals() == {}
    assert fresh.print_receipt(receipt).ok
    slip = printer.jobs[-1].bin_path.read_bytes()
    assert print_nv_graphic("S1") not in slip and b"\x1dv0" in slip
    assert not decode_escpos(slip, 576, printer.paper.nv, nv_writes=False).nv_missing


def test_store_seal_refuses_past_the_daily_write_budget(nv_service, printer, receipt):
    service = nv_service()
    now = time.time()
    for i in range(WRITES_PER_DAY):
        service.seals.record_write(service.printer_id, "S9", f"old-{i}", now - 3600)
    with pytest.raises(SealStoreError, match="daily budget of 10"):
        store_seal(service, receipt.seal_text, receipt.seal_label, now=now)
    assert printer.paper.nv.writes == 0
    assert store_seal(service, receipt.seal_text, receipt.seal_label, now=now + 86400).key == "S1"


def test_store_seal_refuses_a_seal_larger_than_the_free_nv_memory(tmp_path, receipt, network_config_file):
    with VirtualPrinterServer("127.0.0.1", 0, tmp_path / "small", nv_capacity=4096) as small:
        service = _service(network_config_file, port=small.port)
        try:
            with pytest.raises(SealStoreError, match=r"needs \d+ bytes of NV memory; the printer has 4096 bytes free"):
                store_seal(service, receipt.seal_text, receipt.seal_label)
            assert small.paper.nv.writes == 0
        finally:
            service.close()


def test_store_seal_never_overwrites_a_graphic_it_did_not_write(nv_service, printer, receipt):
    logo = seal_graphic("某某银行", "", 120, False)
    printer.paper.nv.define("S1", logo)
    service = nv_service()
    assert store_seal(service, receipt.seal_text, receipt.seal_label).key == "S2"   # S1 is somebody's logo
    with pytest.raises(SealStoreError, match="key 'S1' already holds a graphic"):
        store_seal(service, "另一个部门", "业务专用章", key="S1")
    with pytest.raises(SealStoreError, match="two printable ASCII characters"):
        store_seal(service, receipt.seal_text, receipt.seal_label, key="印章")


def test_a_printer_without_nv_graphics_keeps_the_raster_seal(nv_service, receipt):
    service = nv_service("generic-80mm")
    with pytest.raises(SealStoreError, match="has no NV graphics"):
        store_seal(service, receipt.seal_text, receipt.seal_label)


def test_fs_q_printers_store_the_seal_as_nv_bit_image_1(nv_service, printer, receipt):
    service = nv_service("xprinter-xp-80c")
    outcome = store_seal(service, receipt.seal_text, receipt.seal_label)
    assert outcome.key == "#1" and printer.paper.nv.bit_image(1) is not None
    with pytest.raises(SealStoreError, match="FS q, which has no keys"):
        store_seal(service, "另一个部门", "业务专用章", key="S2")
    assert service.print_receipt(receipt).ok
    slip = printer.jobs[-1].bin_path.read_bytes()
    assert b"\x1cp\x01\x00" in slip and len(slip) <= SLIP_LIMIT
    job = decode_escpos(slip, 576, printer.paper.nv, nv_writes=False)
    assert job.nv_printed == ["fsq:1"]
    assert _same(job.image, preview_mono(receipt, service.profile, service.usable_seals()))


def test_the_virtual_printers_nv_memory_survives_a_restart(tmp_path):
    graphic = seal_graphic("测试部门", "业务专用章", 200, True)
    NvMemory(tmp_path / "nv").define("AB", graphic)
    again = NvMemory(tmp_path / "nv")
    assert again.keys() == ["AB"] and again.get("AB") == graphic and again.writes == 1


def test_a_red_seal_is_stored_in_colour_2(nv_service, printer, receipt):
    service = nv_service("hprt-tp809-red")
    store_seal(service, receipt.seal_text, receipt.seal_label)
    assert printer.paper.nv.get("S1").colour == 2
    assert service.print_receipt(receipt).ok
    job = decode_escpos(printer.jobs[-1].bin_path.read_bytes(), 576, printer.paper.nv, nv_writes=False)
    assert job.red is not None and job.red.getbbox() is not None


def test_define_bytes_round_trip_through_the_decoder(receipt):
    graphic = seal_graphic(receipt.seal_text, receipt.seal_label, 288, False)
    memory = NvMemory(None)
    decode_escpos(define_nv_graphic("K1", graphic), 576, memory)
    assert memory.get("K1") == graphic


def test_cli_store_seal_then_seals_lists_it(network_config_file, receipt, capsys):
    config = network_config_file("hprt-tp809")
    args = ["printer", "store-seal", "--config", str(config), "--seal-text", receipt.seal_text]
    assert main(args) == 0
    assert "stored under key 'S1'" in capsys.readouterr().out
    assert main(args) == 0
    assert "already stored" in capsys.readouterr().out
    assert main(["printer", "seals", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "S1" in out and "(on the printer)" in out and "NV writes in the last 24 hours: 1 of 10" in out
    assert main(args[:-2] + ["--seal-text", "别的部门", "--key", "toolong"]) == 1
    assert "two printable ASCII characters" in capsys.readouterr().err


def test_a_printer_that_does_not_list_its_keys_is_not_asked_before_every_slip(nv_service, printer, receipt):
    service = nv_service()
    store_seal(service, receipt.seal_text, receipt.seal_label)
    now = [1000.0]
    fresh = nv_service(clock=lambda: now[0])
    printer.set_fault("silent")                   # answers nothing at all, prints what it gets
    asked = []
    original = fresh.nv_keys
    fresh.nv_keys = lambda: asked.append(1) or original()
    assert fresh.usable_seals() == {} and fresh.usable_seals() == {}
    assert len(asked) == 1
    printer.set_fault("none")
    now[0] += 301                                 # five minutes later the printer is asked again
    assert list(fresh.usable_seals().values()) == ["S1"] and len(asked) == 2
