"""Any configuration `kiosk config check` passes starts: property-tested with hypothesis over good and bad
values of every key; and a base_url ending in /api/v1 (the form older docs showed) loads the catalogue."""
from __future__ import annotations

import math
import os
import ssl
import threading
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings, strategies as st

from central_server.embedded import SECRET_NAME
from kiosk.central.client import CentralClient
from kiosk.central.signing import load_secret
from kiosk.config import ConfigError, load_config
from kiosk.core.storage import prepare_storage
from kiosk.ops.heartbeat import HeartbeatLoop
from kiosk.ops.pin import PinGate
from kiosk.ops.preflight import preflight_problems
from kiosk.printing.service import PrinterService
from kiosk.terminal import Terminal

from tests.reliability.bad_configs import GOOD_PIN_HASH, SYSTEM_CA, to_toml
from tests.reliability.conftest import write_config


def test_a_base_url_ending_in_api_v1_is_trimmed_and_the_catalogue_loads(tmp_path, central, proxy, printer,
                                                                        make_terminal):
    for suffix in ("/api/v1", "/api/v1/"):
        path = write_config(tmp_path, proxy.base_url + suffix, central.data_dir / SECRET_NAME, printer.port)
        config = load_config(path)
        assert config.central.base_url == proxy.base_url
        terminal = make_terminal(config)
        assert terminal.catalog.central_answered and terminal.central_reachable
        assert proxy.count("GET", "/api/v1/catalog") >= 1
        assert proxy.count("GET", "/api/v1/api/v1/catalog") == 0


def _files(folder: Path) -> dict[str, str]:
    """Support files a generated config may name: good and bad secrets, CA bundles, a data dir that is a file."""
    made = {}
    for name, data, mode in (("good.secret", b"s" * 40, 0o600), ("open.secret", b"s" * 40, 0o644),
                             ("short.secret", b"s" * 5, 0o600), ("garbage.pem", b"garbage\n", 0o644),
                             ("afile", b"x", 0o644)):
        path = folder / name
        if not path.exists():
            path.write_bytes(data)
        os.chmod(path, mode)
        made[name] = str(path)
    return made


def _mostly(good, bad):
    """Nineteen draws in twenty from `good` (None leaves the key out: its default), one from `bad`."""
    good = good if isinstance(good, st.SearchStrategy) else st.just(good)
    return st.integers(0, 19).flatmap(lambda n: bad if n == 0 else good)


ANY_NUMBER = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10 ** 7),
                       st.sampled_from([0, 0.001, 61.0, 301.0, 3601.0, 1e300]))
TEXT = st.text(max_size=20)
GOOD_TIMEOUT = st.one_of(st.none(), st.floats(0.05, 60.0))
CONFIGS = st.fixed_dictionaries({
    "terminal.id": _mostly(st.sampled_from(["T-1", "T-DEMO-0001", "a.b:c_d"]),
                           st.one_of(st.sampled_from(["T 1", "T\n1", "终端", "", "T" * 65]), TEXT)),
    "terminal.name": _mostly("1号自助终端", TEXT),
    "central.base_url": _mostly(
        st.sampled_from(["embedded", "https://central.example.gov.cn", "https://central.example.gov.cn/api/v1",
                         "http://127.0.0.1:8600/", "https://central.example.gov.cn:8443/gateway"]),
        st.one_of(st.sampled_from(["https://", "https://h:0", "https://h:70000", "ftp://h", "", "https://h/?x=1"]),
                  st.builds(lambda host, port: f"https://{host}:{port}", TEXT, st.integers(-5, 70000)))),
    "central.credentials_file": _mostly("good.secret", st.sampled_from([None, "open.secret", "short.secret",
                                                                        "none.secret", "good.secret\x00"])),
    "central.connect_timeout": _mostly(GOOD_TIMEOUT, ANY_NUMBER),
    "central.read_timeout": _mostly(GOOD_TIMEOUT, ANY_NUMBER),
    "central.heartbeat_interval": _mostly(GOOD_TIMEOUT, ANY_NUMBER),
    "central.ca_bundle": _mostly(st.sampled_from([None, "", str(SYSTEM_CA)]),
                                 st.sampled_from(["garbage.pem", "missing.pem", "afile"])),
    "printer.profile": _mostly(st.sampled_from(["generic-80mm", "generic-58mm", "xprinter-xp-80c"]),
                               st.one_of(st.sampled_from(["../x", "/etc/passwd", "nope", ""]), TEXT)),
    "printer.connection": _mostly(st.sampled_from(["virtual", "network", "serial", "usb", "file"]),
                                  st.sampled_from(["pigeon", ""])),
    "printer.network.host": _mostly(st.sampled_from(["192.0.2.50", "printer.local", "打印机.local"]),
                                    st.one_of(st.sampled_from(["", " ", "a" * 70 + ".local"]), TEXT)),
    "printer.network.port": _mostly(st.one_of(st.none(), st.integers(1, 65535)), st.integers(-5, 70000)),
    "printer.network.timeout": _mostly(GOOD_TIMEOUT, ANY_NUMBER),
    "printer.serial.device": _mostly("/dev/ttyUSB0", st.sampled_from(["", "/dev/tty\x00"])),
    "printer.serial.baudrate": _mostly(st.sampled_from([None, 9600, 115200]), st.integers(-10, 10 ** 7)),
    "printer.usb.vendor_id": _mostly(st.integers(0, 0xFFFF), st.integers(-2, 0x20000)),
    "printer.usb.product_id": _mostly(st.integers(0, 0xFFFF), st.integers(-2, 0x20000)),
    "printer.file.path": _mostly("/dev/usb/lp0", st.sampled_from(["", "lp\x00"])),
    "ui.idle_timeout": _mostly(st.one_of(st.none(), st.integers(30, 3600)), st.integers(-10, 10 ** 10)),
    "ui.idle_warning": _mostly(st.one_of(st.none(), st.integers(5, 25)), st.integers(-10, 10 ** 4)),
    "ui.staff_pin_hash": _mostly(st.sampled_from([None, GOOD_PIN_HASH, ""]),
                                 st.one_of(st.sampled_from(["scrypt$1$1$1$a$b", "2580"]), TEXT)),
    "data.dir": _mostly(st.sampled_from([None, "var"]), st.sampled_from(["afile", "afile/sub", "var\x00"])),
})


def _config_dict(values: dict, files: dict[str, str]) -> dict:
    config: dict = {"terminal": {"hall": "测试大厅"}}
    for key, value in values.items():
        if value is None:
            continue
        if key in ("central.credentials_file", "central.ca_bundle", "data.dir") and value.split("/")[0] in files:
            head, _, rest = value.partition("/")
            value = files[head] + (f"/{rest}" if rest else "")
        *tables, last = key.split(".")
        table = config
        for name in tables:
            table = table.setdefault(name, {})
        table[last] = value
    return config


def _start_services(config) -> None:
    """Everything `kiosk run` builds before its window, and what the services check on first use."""
    prepare_storage(config.data_dir, min_free=0)
    terminal = Terminal(config)
    printer = None
    try:
        if not config.is_embedded_central:
            secret = load_secret(config.resolve(config.central.credentials_file))
            client = CentralClient(config.central.base_url, config.terminal.id, secret,
                                   connect_timeout=config.central.connect_timeout,
                                   read_timeout=config.central.read_timeout, ca_bundle=config.central.ca_bundle)
            headers = client.session.headers   # what every request carries must be a valid header value
            assert all("\n" not in str(v) for v in headers.values())
            config.terminal.id.encode("latin-1")
            if config.central.ca_bundle:
                assert ssl.create_default_context(cafile=config.central.ca_bundle).get_ca_certs()
            client.close()
        printer = PrinterService.from_config(config)
        settings_ = config.printer.connection_settings
        if config.printer.connection == "network":
            settings_.host.encode("idna")
        for timeout in (getattr(settings_, "timeout", 1.0), config.central.connect_timeout,
                        config.central.read_timeout):
            threading.Event().wait(min(timeout, 0.0))   # a socket timeout Python accepts
            assert math.isfinite(timeout) and timeout > 0
        heartbeat = HeartbeatLoop(None, None, dict, config.central.heartbeat_interval)
        assert 0 < heartbeat.next_delay() < 7200
        PinGate(terminal.db, config.ui.staff_pin_hash)
        assert config.ui.idle_timeout * 1000 < 2 ** 31   # a QTimer's interval in ms
    finally:
        if printer is not None:
            printer.close()
        terminal.stop()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
@given(values=CONFIGS)
def test_any_config_that_passes_check_starts(values, tmp_path):
    files = _files(tmp_path)
    path = tmp_path / "config.toml"
    path.write_text(to_toml(_config_dict(values, files)), encoding="utf-8")
    try:
        config = load_config(path)
    except ConfigError as exc:
        assert exc.problems and all(str(path) in p for p in exc.problems)
        event("refused by the file check")
        return
    problems = preflight_problems(config)
    if problems:
        assert all(str(path) in p for p in problems)
        event("refused by the preflight")
        return
    _start_services(config)
    event("passed check and started")


def test_the_base_urls_the_docs_show_are_valid_and_already_in_their_final_form():
    import re

    from kiosk.config import central_url_problem, normalised_base_url

    repo = Path(__file__).resolve().parents[2]
    shown = []
    for name in ("config.toml", "deploy/terminal-config.toml", "README.md", "docs/configuration.md"):
        for line in (repo / name).read_text(encoding="utf-8").splitlines():
            if "base_url" in line:
                shown += re.findall(r'"(https?://[^"]+)"', line) + re.findall(r"`(https?://[^`]+)`", line)
    assert len(shown) >= 4
    for url in shown:
        if "…" in url or "[" in url:
            continue
        assert central_url_problem(url) == "", url
        assert normalised_base_url(url) == url, url
