"""A corpus of bad (and a few good) terminal configurations, generated from one table, and a runner that
puts each through `kiosk config check` and `kiosk run --exit-after-paint` and records what they said.

`python -m tests.reliability.bad_configs` prints how many cases disagreed, printed a traceback or passed
both commands though the terminal cannot work with them."""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[2]
SYSTEM_CA = Path("/etc/ssl/certs/ca-certificates.crt")
DELETE = object()

# A valid PIN hash of "2580", made once with kiosk.ops.pin.hash_pin (scrypt is slow; the table is static).
GOOD_PIN_HASH = "scrypt$16384$8$1$y8iFYjb6OP7ic6qo_y4w0A$45YgIG0XlR7Xo2XAVF_fpI9ZE0CWfA5bWXMgfsWDqsA"


def base_config() -> dict:
    """A configuration that both commands accept (a URL central that is never contacted: no services start)."""
    return {
        "terminal": {"id": "T-CORPUS-01", "name": "1号自助终端", "hall": "测试大厅", "contact": "0551-1"},
        "central": {"base_url": "https://central.example.gov.cn", "credentials_file": "terminal.secret",
                    "connect_timeout": 3.0, "read_timeout": 10.0, "heartbeat_interval": 30.0},
        "printer": {"profile": "generic-80mm", "connection": "virtual", "virtual": {"out_dir": "var/printer"}},
        "ui": {"locale": "zh_CN", "idle_timeout": 60, "idle_warning": 20, "fullscreen": False, "voice": False},
        "data": {"dir": "var"},
    }


# TOML writing (tomllib reads only): enough for the corpus and the property tests.

def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\\/", "/")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {value!r}")


def to_toml(config: dict) -> str:
    """Tables as [a] and [a.b]; plain keys before sub-tables."""
    lines: list[str] = []

    def table(name: str, body: dict) -> None:
        plain = {k: v for k, v in body.items() if not isinstance(v, dict)}
        nested = {k: v for k, v in body.items() if isinstance(v, dict)}
        lines.append(f"[{name}]")
        lines.extend(f"{json.dumps(k)} = {toml_value(v)}" for k, v in plain.items())
        for key, sub in nested.items():
            table(f"{name}.{json.dumps(key)}", sub)

    for key, value in config.items():
        if isinstance(value, dict):
            table(json.dumps(key), value)
        else:
            lines.insert(0, f"{json.dumps(key)} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Case:
    """One configuration: `changes` apply to the base (a value, DELETE, or a function of the case folder
    returning a value); `raw` replaces the whole file. `mentions` must appear in what the commands say."""
    id: str
    changes: tuple = ()
    raw: Callable[[Path], bytes] | None = None
    ok: bool = False
    mentions: str = ""


def _file(name: str, data: bytes, mode: int = 0o600) -> Callable[[Path], str]:
    def make(folder: Path) -> str:
        path = folder / name
        path.write_bytes(data)
        os.chmod(path, mode)
        return str(path)
    return make


def _dir(name: str) -> Callable[[Path], str]:
    def make(folder: Path) -> str:
        (folder / name).mkdir(exist_ok=True)
        return str(folder / name)
    return make


def _profiles(text: bytes) -> Callable[[Path], str]:
    """A profiles folder holding one file `custom.toml` with this text."""
    def make(folder: Path) -> str:
        d = folder / "profiles"
        d.mkdir(exist_ok=True)
        (d / "custom.toml").write_bytes(text)
        return str(d)
    return make


def _nested(depth: int, opener: str, closer: str, key: str = "x") -> Callable[[Path], bytes]:
    def make(folder: Path) -> bytes:
        return (to_toml(base_config()) + f"[data.extra]\n{key} = {opener * depth}1{closer * depth}\n").encode()
    return make


def _text(text: bytes) -> Callable[[Path], bytes]:
    return lambda folder: text


_SECRET = b"0123456789abcdef0123456789abcdef0123456789abcdef\n"

CASES: list[Case] = [
    # Good configurations: both commands must accept them.
    Case("good-base", ok=True),
    Case("good-base-url-with-api-v1", (("central.base_url", "https://central.example.gov.cn/api/v1"),), ok=True),
    Case("good-base-url-with-api-v1-slash", (("central.base_url", "https://central.example.gov.cn/api/v1/"),),
         ok=True),
    Case("good-embedded", (("central.base_url", "embedded"), ("central.credentials_file", DELETE)), ok=True),
    Case("good-ca-bundle", (("central.ca_bundle", str(SYSTEM_CA)),), ok=True),
    Case("good-network-printer", (("printer.connection", "network"),
                                  ("printer.network", {"host": "192.0.2.50", "port": 9100})), ok=True),
    Case("good-serial-printer", (("printer.connection", "serial"),
                                 ("printer.serial", {"device": "/dev/ttyUSB0", "baudrate": 9600})), ok=True),
    Case("good-pin-hash", (("ui.staff_pin_hash", GOOD_PIN_HASH),), ok=True),
    Case("good-custom-profile", (("printer.profiles_dir", _profiles(
        (REPO / "printers" / "generic-80mm.toml").read_bytes().replace(b'"generic-80mm"', b'"custom"'))),
        ("printer.profile", "custom")), ok=True),
    # [terminal]
    Case("terminal-id-empty", (("terminal.id", ""),), mentions="terminal.id"),
    Case("terminal-id-newline", (("terminal.id", "T-1\nX-Injected: 1"),), mentions="terminal.id"),
    Case("terminal-id-nul", (("terminal.id", "T-1\x00"),), mentions="terminal.id"),
    Case("terminal-id-chinese", (("terminal.id", "终端一"),), mentions="terminal.id"),
    Case("terminal-id-space", (("terminal.id", "T 1"),), mentions="terminal.id"),
    Case("terminal-id-long", (("terminal.id", "T" * 300),), mentions="terminal.id"),
    Case("terminal-id-number", (("terminal.id", 12),), mentions="terminal.id"),
    Case("terminal-name-missing", (("terminal.name", DELETE),), mentions="terminal.name"),
    Case("terminal-name-control", (("terminal.name", "1号\x1b[2J"),), mentions="terminal.name"),
    Case("terminal-hall-newline", (("terminal.hall", "大厅\n二楼"),), mentions="terminal.hall"),
    Case("terminal-not-a-table", (("terminal", DELETE),), raw=None, mentions="terminal"),
    # [central]
    Case("url-empty", (("central.base_url", ""),), mentions="central.base_url"),
    Case("url-no-host", (("central.base_url", "https://"),), mentions="central.base_url"),
    Case("url-only-port", (("central.base_url", "https://:443/"),), mentions="central.base_url"),
    Case("url-port-70000", (("central.base_url", "https://central.example.gov.cn:70000"),),
         mentions="central.base_url"),
    Case("url-port-0", (("central.base_url", "https://central.example.gov.cn:0"),), mentions="central.base_url"),
    Case("url-port-letters", (("central.base_url", "https://central.example.gov.cn:abc"),),
         mentions="central.base_url"),
    Case("url-ftp", (("central.base_url", "ftp://central.example.gov.cn"),), mentions="central.base_url"),
    Case("url-no-scheme", (("central.base_url", "central.example.gov.cn"),), mentions="central.base_url"),
    Case("url-query", (("central.base_url", "https://central.example.gov.cn/?x=1"),), mentions="central.base_url"),
    Case("url-space", (("central.base_url", "https://central example.gov.cn"),), mentions="central.base_url"),
    Case("url-nul", (("central.base_url", "https://central.example.gov.cn\x00"),), mentions="central.base_url"),
    Case("url-newline", (("central.base_url", "https://central.example.gov.cn/\nx"),), mentions="central.base_url"),
    Case("url-userinfo", (("central.base_url", "https://user:pw@central.example.gov.cn"),),
         mentions="central.base_url"),
    Case("url-bad-ipv6", (("central.base_url", "https://[::1/"),), mentions="central.base_url"),
    Case("credentials-missing-key", (("central.credentials_file", DELETE),), mentions="credentials_file"),
    Case("credentials-no-file", (("central.credentials_file", "nowhere.secret"),), mentions="nowhere.secret"),
    Case("credentials-too-open", (("central.credentials_file", _file("open.secret", _SECRET, 0o644)),),
         mentions="open.secret"),
    Case("credentials-too-short", (("central.credentials_file", _file("short.secret", b"abc\n")),),
         mentions="short.secret"),
    Case("credentials-empty", (("central.credentials_file", _file("empty.secret", b"")),), mentions="empty.secret"),
    Case("credentials-directory", (("central.credentials_file", _dir("secretdir")),), mentions="secretdir"),
    Case("credentials-nul", (("central.credentials_file", "terminal.secret\x00x"),),
         mentions="central.credentials_file"),
    Case("connect-timeout-zero", (("central.connect_timeout", 0),), mentions="central.connect_timeout"),
    Case("connect-timeout-negative", (("central.connect_timeout", -1.5),), mentions="central.connect_timeout"),
    Case("connect-timeout-inf", (("central.connect_timeout", math.inf),), mentions="central.connect_timeout"),
    Case("connect-timeout-nan", (("central.connect_timeout", math.nan),), mentions="central.connect_timeout"),
    Case("connect-timeout-string", (("central.connect_timeout", "3"),), mentions="central.connect_timeout"),
    Case("read-timeout-huge", (("central.read_timeout", 1e12),), mentions="central.read_timeout"),
    Case("read-timeout-inf", (("central.read_timeout", math.inf),), mentions="central.read_timeout"),
    Case("read-timeout-nan", (("central.read_timeout", math.nan),), mentions="central.read_timeout"),
    Case("heartbeat-zero", (("central.heartbeat_interval", 0),), mentions="central.heartbeat_interval"),
    Case("heartbeat-nan", (("central.heartbeat_interval", math.nan),), mentions="central.heartbeat_interval"),
    Case("heartbeat-huge", (("central.heartbeat_interval", 1e300),), mentions="central.heartbeat_interval"),
    Case("ca-bundle-missing", (("central.ca_bundle", "nowhere.pem"),), mentions="nowhere.pem"),
    Case("ca-bundle-garbage", (("central.ca_bundle", _file("garbage.pem", b"not a certificate\n", 0o644)),),
         mentions="garbage.pem"),
    Case("ca-bundle-empty", (("central.ca_bundle", _file("empty.pem", b"", 0o644)),), mentions="empty.pem"),
    Case("ca-bundle-directory", (("central.ca_bundle", _dir("cadir")),), mentions="cadir"),
    Case("ca-bundle-nul", (("central.ca_bundle", "ca.pem\x00"),), mentions="central.ca_bundle"),
    Case("ca-bundle-private-key-only", (("central.ca_bundle", _file(
        "key.pem", b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", 0o644)),),
        mentions="key.pem"),
    # [printer]
    Case("profile-escapes-dotdot", (("printer.profile", "../../etc/passwd"),), mentions="printer.profile"),
    Case("profile-absolute", (("printer.profile", "/etc/passwd"),), mentions="printer.profile"),
    Case("profile-subfolder", (("printer.profile", "sub/generic-80mm"),), mentions="printer.profile"),
    Case("profile-unknown", (("printer.profile", "no-such-printer"),), mentions="printer.profile"),
    Case("profile-empty", (("printer.profile", ""),), mentions="printer.profile"),
    Case("profile-nul", (("printer.profile", "generic\x00"),), mentions="printer.profile"),
    Case("profile-file-garbage", (("printer.profiles_dir", _profiles(b"\x00\xff garbage [[[")),
                                  ("printer.profile", "custom")), mentions="custom.toml"),
    Case("profile-file-wrong-keys", (("printer.profiles_dir", _profiles(b'name = "custom"\ncolour = "red"\n')),
                                     ("printer.profile", "custom")), mentions="custom.toml"),
    Case("profile-file-bad-width", (("printer.profiles_dir", _profiles(
        (REPO / "printers" / "generic-80mm.toml").read_bytes().replace(b'"generic-80mm"', b'"custom"')
        .replace(b"width_dots = 576", b"width_dots = 577"))), ("printer.profile", "custom")), mentions="custom.toml"),
    Case("profile-file-deep", (("printer.profiles_dir", _profiles(b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n")),
                               ("printer.profile", "custom")), mentions="custom.toml"),
    Case("profiles-dir-missing", (("printer.profiles_dir", "no-such-folder"),), mentions="printer.profile"),
    Case("profiles-dir-nul", (("printer.profiles_dir", "p\x00"),), mentions="printer.profiles_dir"),
    Case("connection-unknown", (("printer.connection", "pigeon"),), mentions="printer.connection"),
    Case("connection-network-no-table", (("printer.connection", "network"),), mentions="printer.network"),
    Case("network-host-empty", (("printer.connection", "network"), ("printer.network", {"host": ""})),
         mentions="printer.network.host"),
    Case("network-host-blank", (("printer.connection", "network"), ("printer.network", {"host": "  "})),
         mentions="printer.network.host"),
    Case("network-host-nul", (("printer.connection", "network"), ("printer.network", {"host": "192.0.2.1\x00"})),
         mentions="printer.network.host"),
    Case("network-port-zero", (("printer.connection", "network"),
                               ("printer.network", {"host": "192.0.2.50", "port": 0})), mentions="printer.network.port"),
    Case("network-port-70000", (("printer.connection", "network"),
                                ("printer.network", {"host": "192.0.2.50", "port": 70000})),
         mentions="printer.network.port"),
    Case("network-port-negative", (("printer.connection", "network"),
                                   ("printer.network", {"host": "192.0.2.50", "port": -1})),
         mentions="printer.network.port"),
    Case("network-timeout-inf", (("printer.connection", "network"),
                                 ("printer.network", {"host": "192.0.2.50", "timeout": math.inf})),
         mentions="printer.network.timeout"),
    Case("network-timeout-zero", (("printer.connection", "network"),
                                  ("printer.network", {"host": "192.0.2.50", "timeout": 0})),
         mentions="printer.network.timeout"),
    Case("serial-baud-zero", (("printer.connection", "serial"),
                              ("printer.serial", {"device": "/dev/ttyUSB0", "baudrate": 0})),
         mentions="printer.serial.baudrate"),
    Case("serial-baud-negative", (("printer.connection", "serial"),
                                  ("printer.serial", {"device": "/dev/ttyUSB0", "baudrate": -9600})),
         mentions="printer.serial.baudrate"),
    Case("serial-device-empty", (("printer.connection", "serial"), ("printer.serial", {"device": ""})),
         mentions="printer.serial.device"),
    Case("serial-device-nul", (("printer.connection", "serial"), ("printer.serial", {"device": "/dev/tty\x00"})),
         mentions="printer.serial.device"),
    Case("serial-timeout-nan", (("printer.connection", "serial"),
                                ("printer.serial", {"device": "/dev/ttyUSB0", "timeout": math.nan})),
         mentions="printer.serial.timeout"),
    Case("usb-vendor-too-big", (("printer.connection", "usb"),
                                ("printer.usb", {"vendor_id": 0x1FFFF, "product_id": 0x5011})),
         mentions="printer.usb.vendor_id"),
    Case("usb-product-negative", (("printer.connection", "usb"),
                                  ("printer.usb", {"vendor_id": 0x0416, "product_id": -1})),
         mentions="printer.usb.product_id"),
    Case("usb-product-missing", (("printer.connection", "usb"), ("printer.usb", {"vendor_id": 0x0416})),
         mentions="printer.usb.product_id"),
    Case("usb-endpoint-300", (("printer.connection", "usb"),
                              ("printer.usb", {"vendor_id": 0x0416, "product_id": 0x5011, "in_ep": 300})),
         mentions="printer.usb.in_ep"),
    Case("usb-not-a-table", (("printer.connection", "usb"), ("printer.usb", DELETE)), mentions="printer.usb"),
    Case("file-path-empty", (("printer.connection", "file"), ("printer.file", {"path": ""})),
         mentions="printer.file.path"),
    Case("file-path-nul", (("printer.connection", "file"), ("printer.file", {"path": "/dev/usb/lp0\x00"})),
         mentions="printer.file.path"),
    Case("virtual-out-dir-nul", (("printer.virtual", {"out_dir": "out\x00"}),), mentions="printer.virtual.out_dir"),
    Case("virtual-out-dir-is-file", (("printer.virtual", {"out_dir": _file("vfile", b"x", 0o644)}),),
         mentions="printer.virtual.out_dir"),
    # [ui]
    Case("locale-unknown", (("ui.locale", "fr"),), mentions="ui.locale"),
    Case("voice-volume-unknown", (("ui.voice_volume", "max"),), mentions="ui.voice_volume"),
    Case("voice-volume-number", (("ui.voice_volume", 11),), mentions="ui.voice_volume"),
    Case("embedded-catalog-missing", (("central.embedded_catalog", "no-such-catalog.json"),),
         mentions="central.embedded_catalog"),
    Case("embedded-catalog-not-json", (("central.embedded_catalog", _file("catalog.json", b"{items", 0o644)),),
         mentions="central.embedded_catalog"),
    Case("idle-timeout-small", (("ui.idle_timeout", 5),), mentions="ui.idle_timeout"),
    Case("idle-timeout-absurd", (("ui.idle_timeout", 10 ** 9),), mentions="ui.idle_timeout"),
    Case("idle-timeout-overflow", (("ui.idle_timeout", 2 ** 62),), mentions="ui.idle_timeout"),
    Case("idle-warning-zero", (("ui.idle_warning", 0),), mentions="ui.idle_warning"),
    Case("idle-warning-too-long", (("ui.idle_warning", 60),), mentions="ui.idle_warning"),
    Case("pin-hash-garbage", (("ui.staff_pin_hash", "abc"),), mentions="ui.staff_pin_hash"),
    Case("pin-hash-plain-pin", (("ui.staff_pin_hash", "2580"),), mentions="ui.staff_pin_hash"),
    Case("pin-hash-bad-cost", (("ui.staff_pin_hash", "scrypt$x$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA"),),
         mentions="ui.staff_pin_hash"),
    Case("pin-hash-huge-cost", (("ui.staff_pin_hash", "scrypt$1073741824$64$64$" + GOOD_PIN_HASH.split("$", 4)[4]),),
         mentions="ui.staff_pin_hash"),
    Case("pin-hash-bad-base64", (("ui.staff_pin_hash", "scrypt$16384$8$1$!!!!$????"),), mentions="ui.staff_pin_hash"),
    Case("elderly-mode-string", (("ui.elderly_mode", "yes"),), mentions="ui.elderly_mode"),
    # [data]
    Case("data-dir-is-file", (("data.dir", _file("datafile", b"x", 0o644)),), mentions="datafile"),
    Case("data-dir-under-file", (("data.dir", lambda f: _file("datafile2", b"x", 0o644)(f) + "/sub"),),
         mentions="datafile2"),
    Case("data-dir-nul", (("data.dir", "var\x00"),), mentions="data.dir"),
    # The file itself
    Case("toml-deep-arrays", raw=_nested(5000, "[", "]"), mentions="nested"),
    Case("toml-deep-inline-tables", raw=_nested(5000, "{a = ", "}"), mentions="nested"),
    Case("toml-not-utf8", raw=_text(b'[terminal]\nid = "T-1"\nname = "\xff\xfe"\nhall = "h"\n'), mentions="config.toml"),
    Case("toml-empty", raw=_text(b""), mentions="terminal"),
    Case("toml-binary", raw=_text(bytes(range(256))), mentions="config.toml"),
    Case("toml-duplicate-key", raw=_text(b'[terminal]\nid = "a"\nid = "b"\nname = "n"\nhall = "h"\n'),
         mentions="config.toml"),
    Case("toml-unknown-section", raw=lambda f: (to_toml(base_config()) + "[printers]\nx = 1\n").encode(),
         mentions="printers"),
    Case("toml-section-is-value", raw=lambda f: b'terminal = 1\n', mentions="terminal"),
]


def _resolve(value, folder: Path):
    if callable(value):
        return value(folder)
    if isinstance(value, dict):
        return {k: _resolve(v, folder) for k, v in value.items()}
    return value


def build(case: Case, folder: Path) -> Path:
    """Write the case's config.toml (and the files it names) into `folder`; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "terminal.secret"
    if not secret.exists():
        secret.write_bytes(_SECRET)
        os.chmod(secret, 0o600)
    path = folder / "config.toml"
    if case.raw is not None:
        path.write_bytes(case.raw(folder))
        return path
    config = base_config()
    for key, value in case.changes:
        *parents, last = key.split(".")
        table = config
        for name in parents:
            table = table.setdefault(name, {})
        if value is DELETE:
            table.pop(last, None)
        else:
            table[last] = _resolve(value, folder)
    path.write_text(to_toml(config), encoding="utf-8")
    return path


@dataclass
class Outcome:
    """What one command did with a case: its exit status and everything it printed."""
    code: int
    output: str

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.output


def run_in_process(argv: list[str]) -> Outcome:
    """`kiosk ARGV` through kiosk.cli.main in this process; an exception escaping it is a traceback."""
    from kiosk.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - what the corpus counts
            traceback.print_exc()
            code = 1
    return Outcome(int(code or 0), out.getvalue() + err.getvalue())


def run_subprocess(argv: list[str], cwd: Path, timeout: float = 120) -> Outcome:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    env.pop("KIOSK_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "kiosk", *argv], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=timeout)
    return Outcome(done.returncode, done.stdout + done.stderr)


def check_and_run(case: Case, folder: Path, in_process: bool = True) -> tuple[Outcome, Outcome]:
    path = build(case, folder)
    runner = run_in_process if in_process else (lambda argv: run_subprocess(argv, folder))
    check = runner(["config", "check", str(path)])
    run = runner(["run", "--config", str(path), "--exit-after-paint"])
    return check, run


def verdict(case: Case, check: Outcome, run: Outcome) -> list[str]:
    """What is wrong with how the two commands treated the case (empty when all is well)."""
    wrong = []
    if check.traceback or run.traceback:
        wrong.append("traceback")
    if (check.code == 0) != (run.code == 0):
        wrong.append(f"disagree (check {check.code}, run {run.code})")
    elif case.ok and check.code != 0:
        wrong.append(f"good config refused (check {check.code}, run {run.code})")
    elif not case.ok and check.code == 0:
        wrong.append("passes both though the terminal cannot work with it")
    elif not case.ok and case.mentions and case.mentions not in check.output:
        wrong.append(f"check does not mention {case.mentions!r}")
    return wrong


def main(argv: list[str] | None = None) -> int:
    """Run every case in this process; `--json` prints one JSON object per case (for the tests), else a tally."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="one JSON line per case with both outcomes")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    root = Path(tempfile.mkdtemp(prefix="kiosk-corpus-"))
    counts = {"traceback": 0, "disagree": 0, "passes both": 0, "other": 0}
    real_stdout = sys.stdout
    try:
        for case in CASES:
            check, run = check_and_run(case, root / case.id)
            if args.json:
                real_stdout.write(json.dumps({"id": case.id, "check": [check.code, check.output],
                                              "run": [run.code, run.output]}, ensure_ascii=False) + "\n")
                real_stdout.flush()
                continue
            wrong = verdict(case, check, run)
            for w in wrong:
                key = next((k for k in counts if w.startswith(k) or k in w), "other")
                counts[key] += 1
            print(f"{case.id:<34} check {check.code} run {run.code}  {'; '.join(wrong) or 'ok'}", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if not args.json:
        print(f"{len(CASES)} cases: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
