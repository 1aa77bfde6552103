"""`kiosk printer …` for technicians: clear output, one-line errors, no tracebacks."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kiosk.cli import main
from kiosk_devtools.escpos_decode import decode_escpos

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "receipt" / "sample_document.json"


def test_profiles_lists_every_profile_with_its_facts(capsys):
    assert main(["printer", "profiles"]) == 0
    out = capsys.readouterr().out
    for name in ("generic-80mm", "generic-58mm", "epson-tm-t88", "xprinter-xp-80c"):
        assert f"{name}:" in out
    assert "576 dots" in out and "native GB18030" in out


def test_sample_renders_a_document_file_to_bytes_and_preview(tmp_path, capsys):
    out, png = tmp_path / "slip.bin", tmp_path / "slip.png"
    rc = main(["printer", "sample", "--document", str(SAMPLE), "--profile", "xprinter-xp-80c",
               "--out", str(out), "--preview", str(png), "--reprint"])
    assert rc == 0, capsys.readouterr().err
    job = decode_escpos(out.read_bytes(), 576)
    document = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert document["title"] in "".join(job.text_lines)
    assert job.qr_payloads == [document["verification_url"]]
    assert "【重印】" in job.text_lines[0] and png.stat().st_size > 1000


def test_sample_without_a_document_uses_the_built_in_one(tmp_path):
    assert main(["printer", "sample", "--profile", "generic-58mm", "--out", str(tmp_path / "s.bin")]) == 0
    assert decode_escpos((tmp_path / "s.bin").read_bytes(), 384).image.width == 384


def test_sample_errors_are_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x"}', encoding="utf-8")
    assert main(["printer", "sample", "--document", str(bad), "--out", str(tmp_path / "o.bin")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("kiosk printer:") and "document.fields: missing" in err and "\n" not in err
    assert main(["printer", "sample", "--profile", "generic-80", "--out", str(tmp_path / "o.bin")]) == 1
    assert "did you mean 'generic-80mm'" in capsys.readouterr().err
    assert not (tmp_path / "o.bin").exists()


def test_status_and_test_page_on_the_virtual_printer(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text('[terminal]\nid = "T-1"\nname = "终端"\nhall = "测试大厅"\n\n[printer]\n'
                      'connection = "virtual"\n[printer.virtual]\nout_dir = "paper"\n\n[data]\ndir = "data"\n',
                      encoding="utf-8")
    assert main(["printer", "status", "--config", str(config), "--locale", "en"]) == 0
    assert "Printer ready" in capsys.readouterr().out
    assert main(["printer", "test", "--config", str(config)]) == 0
    assert "test page printed" in capsys.readouterr().out
    [binary] = (tmp_path / "paper").glob("job-*.bin")
    job = decode_escpos(binary.read_bytes(), 576)
    assert job.cuts and job.rasters and not job.unknown     # generic-80mm: Chinese, seal and QR are raster
    assert binary.with_suffix(".png").is_file()
    (tmp_path / "paper" / "fault").write_text("paper_out", encoding="utf-8")
    assert main(["printer", "status", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "缺纸" in out and "80 mm" in out


def test_virtual_printer_command_serves_and_stops(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "printer", "virtual", "--port", "0", "--out",
                             str(tmp_path / "paper"), "--fault", "cover_open"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = proc.stdout.readline()
        assert banner.startswith("virtual printer on 127.0.0.1:")
        port = int(banner.split(":")[1].split(",")[0])
        import socket
        with socket.create_connection(("127.0.0.1", port), timeout=3) as conn:
            conn.sendall(b"\x10\x04\x02")
            assert conn.recv(1) == bytes([0x16])   # cover open bit in the offline-cause reply
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        proc.stdout.close()
        proc.stderr.close()


def test_unknown_fault_is_refused(tmp_path, capsys):
    assert main(["printer", "virtual", "--port", "0", "--out", str(tmp_path), "--fault", "jam"]) == 2
    assert "unknown printer fault 'jam'" in capsys.readouterr().err
