"""Fixtures for the central API tests: the reference server on 127.0.0.1, clients, and a fault injector.

Faults are injected by a WSGI middleware in front of the real app, so the client meets real HTTP. Every server
runs once on SQLite and once on PostgreSQL (a cluster started for the session, see postgres.py)."""
from __future__ import annotations

import os
import random
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest
import requests

from central_server.citizens import SAMPLE_CITIZENS
from central_server.embedded import EmbeddedCentral, start_embedded_central
from central_server.storage import CentralStore
from kiosk.central.client import CentralClient
from kiosk.central.models import Token

from .postgres import TEMPLATE, Cluster, PostgresUnavailable

STORES = ("sqlite", "postgresql")
TERMINAL_ID = "T-TEST-0001"
TERMINAL_NAME = "测试1号自助终端"
HALL = "测试区政务服务中心"


class FakeClock:
    """A clock that moves only when told; `sleep` advances it, so waiting costs no real time."""

    def __init__(self, start: float | None = None):
        self.now = time.time() if start is None else start
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += max(0.0, seconds)

    sleep = advance


@dataclass
class Fault:
    """What to do to the next request whose path starts with `path`."""
    path: str
    status: int = 0
    headers: dict = field(default_factory=dict)
    body: bytes | None = None
    content_type: str = "application/json"
    delay_before: float = 0.0
    delay_after: float = 0.0
    truncate_to: int | None = None
    times: int = 1


class FaultInjector:
    """WSGI middleware: applies queued faults, counts requests per path, otherwise passes through."""

    def __init__(self, app):
        self.app = app
        self.faults: list[Fault] = []
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def _take(self, path: str) -> Fault | None:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            for f in self.faults:
                if path.startswith(f.path) and f.times > 0:
                    f.times -= 1
                    return f
        return None

    def __call__(self, environ, start_response):
        fault = self._take(environ.get("PATH_INFO", ""))
        if fault is None:
            return self.app(environ, start_response)
        if fault.delay_before:
            time.sleep(fault.delay_before)
        if fault.status:
            body = fault.body if fault.body is not None else b'{"error":"injected","error_description":"fault"}'
            headers = [("Content-Type", fault.content_type), ("Content-Length", str(len(body)))]
            headers += list(fault.headers.items())
            start_response(f"{fault.status} Injected", headers)
            return [body]
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.app(environ, capture))  # the real app runs and commits
        if fault.delay_after:
            time.sleep(fault.delay_after)
        if fault.body is not None:
            body = fault.body
        if fault.truncate_to is not None:
            body = body[:fault.truncate_to]
        replaced = ("content-length", "content-type") + (("content-encoding",) if fault.body is not None else ())
        headers = [(k, v) for k, v in captured["headers"] if k.lower() not in replaced]
        headers += [("Content-Type", fault.content_type), ("Content-Length", str(len(body)))]
        start_response(captured["status"], headers)
        return [body]


@dataclass
class Central:
    """A running reference server for one test, with its fault injector and clock."""
    embedded: EmbeddedCentral
    faults: FaultInjector
    clock: object

    @property
    def base_url(self) -> str:
        return self.embedded.base_url

    @property
    def secret(self) -> bytes:
        return self.embedded.secret

    @property
    def store(self):
        return self.embedded.app.extensions["central"].store

    def staff(self) -> "StaffBrowser":
        """A browser logged in to the staff pages as the demo's staff account."""
        return StaffBrowser(self.base_url, self.embedded.data_dir)

    def client(self, **options) -> CentralClient:
        defaults = dict(connect_timeout=1.0, read_timeout=3.0, backoff_base=0.01, backoff_cap=0.05,
                        rng=random.Random(7))
        defaults.update(options)
        secret = defaults.pop("secret", self.secret)
        terminal_id = defaults.pop("terminal_id", TERMINAL_ID)
        return CentralClient(self.base_url, terminal_id, secret, **defaults)


class StaffBrowser:
    """A member of hall staff in a browser: logged in, sending each form with the CSRF token its page gave."""

    def __init__(self, base_url: str, data_dir: Path):
        self.base_url = base_url
        self.session = requests.Session()
        password = (data_dir / "staff.password").read_text(encoding="ascii").strip()
        self.token = _csrf(self.session.get(base_url + "/staff/login", timeout=5).text)
        answer = self.session.post(base_url + "/staff/login", timeout=5, allow_redirects=False,
                                   data={"username": "staff", "password": password, "csrf_token": self.token})
        assert answer.status_code == 303, answer.text[:300]

    def page(self) -> str:
        text = self.session.get(self.base_url + "/staff", timeout=5).text
        self.token = _csrf(text)
        return text

    def post(self, path: str, **form) -> requests.Response:
        self.page()
        return self.session.post(self.base_url + path, data={**form, "csrf_token": self.token}, timeout=5)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def start_central(data_dir: Path, **app_options) -> Central:
    clock = app_options.get("clock", time.time)
    embedded = start_embedded_central(data_dir, TERMINAL_ID, TERMINAL_NAME, HALL, **app_options)
    app = embedded.app
    injector = FaultInjector(app.wsgi_app)
    app.wsgi_app = injector
    return Central(embedded, injector, clock)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """The session's PostgreSQL cluster, with a template database already migrated. Skipped where PostgreSQL is
    not installed, except in CI (CI=true), where the PostgreSQL half of the suite must not vanish silently."""
    try:
        cluster = Cluster.start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI needs PostgreSQL for the central tests: {exc}")
        pytest.skip(f"PostgreSQL variant skipped: {exc}")
    try:
        CentralStore(cluster.url(TEMPLATE)).close()     # schema and sample citizens, copied into each database
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=STORES)
def store_kind(request) -> str:
    return request.param


class Databases:
    """Makes databases of one kind for the servers of a test (SQLite files in `folder`, or databases of the
    session's PostgreSQL cluster), and drops the PostgreSQL ones when done."""

    def __init__(self, cluster: Cluster | None, folder: Path):
        self.cluster = cluster
        self.folder = folder
        self.made: list[str] = []

    def new(self, empty: bool = False) -> str:
        """A database's URL; `empty`: without the schema (otherwise PostgreSQL's comes migrated)."""
        if self.cluster is not None:
            url = self.cluster.create_database("template0" if empty else TEMPLATE)
        else:
            url = str(self.folder / f"db-{len(self.made)}" / "central.sqlite3")
        self.made.append(url)
        return url

    def drop_all(self) -> None:
        if self.cluster is not None:
            for url in self.made:
                self.cluster.drop_database(url)


def databases_of(request, kind: str, folder: Path) -> Databases:
    return Databases(request.getfixturevalue("postgres") if kind == "postgresql" else None, folder)


@pytest.fixture
def new_database(request, store_kind, tmp_path) -> Iterator[Callable[..., str]]:
    """Makes a database for one server of this test, of the kind the test runs with."""
    databases = databases_of(request, store_kind, tmp_path)
    yield databases.new
    databases.drop_all()


@pytest.fixture
def central(tmp_path, new_database):
    server = start_central(tmp_path / "central", database=new_database())
    yield server
    server.embedded.stop()


@pytest.fixture
def central_factory(tmp_path, new_database):
    """Start a server with options (clock, lifetimes, interval); all are stopped after the test."""
    started: list[Central] = []

    def start(**options) -> Central:
        options.setdefault("database", new_database())
        server = start_central(tmp_path / f"central-{len(started)}", **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.embedded.stop()


@pytest.fixture
def client(central):
    c = central.client()
    yield c
    c.close()


def citizen_token(client: CentralClient, index: int = 0) -> Token:
    """Log in as a sample citizen with the code of their electronic social security card."""
    return client.login_with_code(SAMPLE_CITIZENS[index].card_code)


def certificate_values(index: int = 0, **changes) -> dict[str, str]:
    """A valid form for the social insurance certificate (sb-cbjfzm) of sample citizen `index`."""
    c = SAMPLE_CITIZENS[index]
    values = {"name": c.name, "id_number": c.id_number, "year_from": "2018", "year_to": "2023", "purpose": "购房"}
    values.update(changes)
    return values
