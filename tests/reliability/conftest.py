"""Fixtures for the fault matrix: the reference central behind a fault proxy, a virtual network printer,
a config pointing at both, and terminals started on it (stopped by the fixtures).

Everything listens on 127.0.0.1, port 0; central's own database is the witness for lost and doubled."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from central_server.citizens import SAMPLE_CITIZENS
from central_server.embedded import SECRET_NAME, start_embedded_central
from kiosk.config import load_config
from kiosk.terminal import Terminal
from kiosk_devtools.virtual_printer import VirtualPrinterServer

from tests.reliability.fault_proxy import FaultProxy
from tests.reliability.visits import (OFFLINE_ITEM, ONLINE_ITEM,  # noqa: F401; noqa: F401 (used by the tests)
                                      form_values, logged_in_visit)

TERMINAL_ID = "T-REL-0001"
CITIZEN = SAMPLE_CITIZENS[0]

FAST_CLIENT = {"backoff_base": 0.01, "backoff_cap": 0.05, "retry_after_cap": 3.0}
FAST_PRINTER = {"confirm_timeout": 0.6, "poll_interval": 0.05}


class CentralWitness:
    """What central holds: applications and ratings, read straight from its database."""

    def __init__(self, embedded):
        self.embedded = embedded
        self.store = embedded.app.extensions["central"].store

    def _rows(self, query) -> list[dict]:
        with self.store.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def applications(self, item_id: str | None = None) -> list[dict]:
        from central_server.schema import applications

        query = select(applications).order_by(applications.c.number)
        return self._rows(query.where(applications.c.item_id == item_id) if item_id else query)

    def ratings(self) -> list[dict]:
        from central_server.schema import ratings

        return self._rows(select(ratings).order_by(ratings.c.application_number))


def write_config(folder: Path, base_url: str, secret_file: Path, printer_port: int, *,
                 read_timeout: float = 0.5) -> Path:
    path = folder / "config.toml"
    path.write_text(f"""
[terminal]
id = "{TERMINAL_ID}"
name = "可靠性测试终端"
hall = "示范区政务服务中心"

[central]
base_url = "{base_url}"
credentials_file = "{secret_file}"
connect_timeout = 0.5
read_timeout = {read_timeout}

[printer]
profile = "xprinter-xp-80c"
connection = "network"
[printer.network]
host = "127.0.0.1"
port = {printer_port}
timeout = 0.3

[data]
dir = "data"
""", encoding="utf-8")
    return path


@pytest.fixture
def central(tmp_path):
    embedded = start_embedded_central(tmp_path / "central", TERMINAL_ID, "可靠性测试终端", "示范区政务服务中心")
    yield embedded
    embedded.stop()


@pytest.fixture
def witness(central) -> CentralWitness:
    return CentralWitness(central)


@pytest.fixture
def proxy(central):
    p = FaultProxy(central.base_url).start()
    yield p
    p.stop()


@pytest.fixture
def printer(tmp_path):
    server = VirtualPrinterServer("127.0.0.1", 0, tmp_path / "paper", width_dots=576)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def config(tmp_path, central, proxy, printer):
    return load_config(write_config(tmp_path, proxy.base_url, central.data_dir / SECRET_NAME, printer.port))


@pytest.fixture
def make_terminal(config):
    """Start a terminal (a fresh one each call, as after a restart); all are stopped at the end."""
    started: list[Terminal] = []

    def make(cfg=None, **options) -> Terminal:
        options.setdefault("replay_interval", 3600.0)
        options.setdefault("client_options", FAST_CLIENT)
        options.setdefault("printer_options", FAST_PRINTER)
        terminal = Terminal(cfg or config, **options)
        started.append(terminal)
        terminal.start()
        return terminal

    yield make
    for terminal in started:
        terminal.stop()


# Personal data as it would appear in a log line: an ID number or a mobile number standing alone
# (an application number is longer and does not match), or any sample citizen's own values.
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
PERSONAL_VALUES = tuple(v for c in SAMPLE_CITIZENS for v in (c.name, c.id_number, c.phone))


def personal_data_in(text: str) -> list[str]:
    """What in `text` looks like, or is, a citizen's personal data."""
    found = ID_NUMBER.findall(text) + MOBILE.findall(text)
    return found + [v for v in PERSONAL_VALUES if v in text]


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(f"{record.name}: {record.getMessage()}")
        except Exception:  # a record that cannot be formatted is a bug the test below reports
            self.lines.append(f"{record.name}: unformattable {record.msg!r}")


@pytest.fixture(autouse=True)
def no_personal_data_in_log_records():
    """Every log record written during a reliability test, before any masking filter, is free of
    personal data."""
    recorder = _Recorder()
    root = logging.getLogger()
    level = root.level
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
        root.setLevel(level)
    leaks = [(line, personal_data_in(line)) for line in recorder.lines if personal_data_in(line)]
    assert not leaks, f"personal data in log records: {leaks[:5]}"
