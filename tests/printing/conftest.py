"""Fixtures for printing tests: a virtual network printer on 127.0.0.1 (port 0) and configs pointing at it.

The printer runs in-process and is stopped by the fixture; every test has its own data directory."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.central.models import Document
from kiosk.config import load_config
from kiosk.printing.service import PrinterService
from kiosk_devtools.virtual_printer import VirtualPrinterServer
from kiosk.receipt.model import receipt_from_document

SAMPLE = Path(__file__).parents[1] / "receipt" / "sample_document.json"


@pytest.fixture
def receipt():
    document = Document.from_json(json.loads(SAMPLE.read_text(encoding="utf-8")))
    return receipt_from_document(document, application_number="AH-340100-20240520-000042")


@pytest.fixture
def printer(tmp_path):
    server = VirtualPrinterServer("127.0.0.1", 0, tmp_path / "paper", width_dots=576, control_port=0)
    server.start()
    yield server
    server.stop()


def write_config(folder: Path, printer_toml: str, profile: str = "xprinter-xp-80c") -> Path:
    path = folder / "config.toml"
    path.write_text(f"""
[terminal]
id = "T-TEST-0001"
name = "测试终端"
hall = "测试政务服务中心"

[printer]
profile = "{profile}"
{printer_toml}

[data]
dir = "data"
""", encoding="utf-8")
    return path


@pytest.fixture
def network_config(tmp_path, printer):
    def make(timeout: float = 0.3, profile: str = "xprinter-xp-80c"):
        path = write_config(tmp_path, f"""connection = "network"
[printer.network]
host = "127.0.0.1"
port = {printer.port}
timeout = {timeout}
""", profile)
        return load_config(path)
    return make


@pytest.fixture
def network_service(network_config):
    services = []

    def make(**kwargs):
        timeout = kwargs.pop("timeout", 0.3)
        kwargs.setdefault("confirm_timeout", 0.5)
        kwargs.setdefault("poll_interval", 0.05)
        service = PrinterService.from_config(network_config(timeout), **kwargs)
        services.append(service)
        return service
    yield make
    for service in services:
        service.close()


@pytest.fixture
def network_config_file(tmp_path, printer):
    """A config file for a network printer on `port` (default: the `printer` fixture's) with `profile`."""
    def make(profile: str = "xprinter-xp-80c", port: int | None = None) -> Path:
        return write_config(tmp_path, f"""connection = "network"
[printer.network]
host = "127.0.0.1"
port = {port or printer.port}
timeout = 0.5
""", profile)
    return make
