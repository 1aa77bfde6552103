"""config.toml → frozen dataclasses, with every problem named by file, key and expectation.

`load_config` returns a `Config` or raises `ConfigError` listing all problems found."""
from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import reprlib
import sys
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.errors import ConfigError  # noqa: F401  defined in kiosk.errors, kept importable from here
from kiosk.locale import available_locales

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DEFAULT_CONFIG_TEXT_PATH = PACKAGE_DIR / "data" / "default-config.toml"


@dataclass(frozen=True)
class TerminalConfig:
    id: str
    name: str
    hall: str
    contact: str = ""
    time_zone: str = "Asia/Shanghai"   # IANA name: the time printed on slips and shown on screens


@dataclass(frozen=True)
class CentralConfig:
    base_url: str = "embedded"
    credentials_file: str = ""
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    heartbeat_interval: float = 30.0
    ca_bundle: str = ""
    embedded_catalog: str = ""   # with base_url "embedded": the catalogue file it serves (default: the sample)


@dataclass(frozen=True)
class UsbConnection:
    vendor_id: int
    product_id: int
    interface: int = 0
    in_ep: int = 0x82
    out_ep: int = 0x01


@dataclass(frozen=True)
class SerialConnection:
    device: str
    baudrate: int = 115200
    timeout: float = 2.0


@dataclass(frozen=True)
class NetworkConnection:
    host: str
    port: int = 9100
    timeout: float = 5.0


@dataclass(frozen=True)
class FileConnection:
    path: str


@dataclass(frozen=True)
class VirtualConnection:
    out_dir: str = "virtual-printer"


CONNECTION_KINDS = {
    "usb": UsbConnection,
    "serial": SerialConnection,
    "network": NetworkConnection,
    "file": FileConnection,
    "virtual": VirtualConnection,
}


@dataclass(frozen=True)
class PrinterConfig:
    profile: str = "generic-80mm"
    connection: str = "virtual"
    profiles_dir: str = ""
    usb: UsbConnection | None = None
    serial: SerialConnection | None = None
    network: NetworkConnection | None = None
    file: FileConnection | None = None
    virtual: VirtualConnection | None = None

    @property
    def connection_settings(self):
        """The settings table of the chosen connection kind (defaults for `virtual`)."""
        chosen = getattr(self, self.connection)
        if chosen is None and self.connection == "virtual":
            return VirtualConnection()
        return chosen


@dataclass(frozen=True)
class UiConfig:
    locale: str = "zh_CN"
    idle_timeout: int = 60
    idle_warning: int = 20
    elderly_mode: bool = False
    fullscreen: bool = True
    show_cursor: bool = False
    voice: bool = True                   # spoken prompts in standard mode
    voice_in_elderly_mode: bool = True   # spoken prompts in 长辈模式 (a hall may turn both off)
    voice_volume: str = "normal"         # quiet, normal or loud (20 dB from quiet to loud)
    staff_pin_hash: str = ""


@dataclass(frozen=True)
class IdReaderConfig:
    """The resident ID card reader for assisted login (帮办登录); no device, no reader."""
    device: str = ""          # /dev/ttyUSB0, or any pyserial URL (socket://127.0.0.1:PORT for the virtual one)
    baudrate: int = 115200
    timeout: float = 2.0


@dataclass(frozen=True)
class DataConfig:
    dir: str = "var"


@dataclass(frozen=True)
class Config:
    terminal: TerminalConfig
    central: CentralConfig = field(default_factory=CentralConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    id_reader: IdReaderConfig = field(default_factory=IdReaderConfig)
    data: DataConfig = field(default_factory=DataConfig)
    source: str = "<embedded defaults>"
    base_dir: str = "."

    def resolve(self, path_text: str) -> Path:
        """A path from the config, made absolute against the config file's folder."""
        path = Path(os.path.expanduser(path_text))
        return path if path.is_absolute() else Path(self.base_dir) / path

    @property
    def data_dir(self) -> Path:
        return self.resolve(self.data.dir)

    @property
    def profiles_dir(self) -> Path:
        if self.printer.profiles_dir:
            return self.resolve(self.printer.profiles_dir)
        return default_profiles_dir()

    @property
    def is_embedded_central(self) -> bool:
        return self.central.base_url == "embedded"


def default_profiles_dir() -> Path:
    """`printers/` beside the package in a checkout, else the copy installed with it."""
    for candidate in (REPO_DIR / "printers", Path(sys.prefix) / "share" / "kiosk" / "printers",
                      Path("/usr/share/kiosk/printers")):
        if candidate.is_dir():
            return candidate
    return REPO_DIR / "printers"


_TOP_LEVEL = {"terminal": TerminalConfig, "central": CentralConfig, "printer": PrinterConfig, "ui": UiConfig,
              "id_reader": IdReaderConfig, "data": DataConfig}


_SHOW = reprlib.Repr()
_SHOW.maxlevel, _SHOW.maxstring, _SHOW.maxother, _SHOW.maxlist, _SHOW.maxdict = 3, 60, 60, 6, 6


def _show(value) -> str:
    """A short repr of a value from the file (deeply nested or huge values are cut, never a RecursionError)."""
    return _SHOW.repr(value)


def _type_name(tp) -> str:
    names = {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def _check_value(value, tp, key: str, problems: list[str], where: str):
    """Coerce `value` to `tp` or record a problem; returns the value or None."""
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:
                pass
    elif tp is str:
        if isinstance(value, str):
            return value
    problems.append(f"{where}: key '{key}' must be {_type_name(tp)}, got {_show(value)}")
    return None


def _build(cls, table: dict, prefix: str, problems: list[str], where: str):
    """Build dataclass `cls` from a TOML table, recording every problem."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in ("source", "base_dir")}
    values = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f"; did you mean '{prefix}{close[0]}'?" if close else f"; known keys: {', '.join(sorted(fields))}"
            problems.append(f"{where}: unknown key '{full}'{hint}")
            continue
        tp = hints[key]
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, dict):
                problems.append(f"{where}: '{full}' must be a table [{full}], got {_show(value)}")
                continue
            values[key] = _build(tp, value, f"{full}.", problems, where)
        else:
            checked = _check_value(value, tp, full, problems, where)
            if checked is not None:
                values[key] = checked
    for name, f in fields.items():
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and name not in table:
            problems.append(f"{where}: missing required key '{prefix}{name}' ({_type_name(hints[name])})")
    if any(name not in values for name, f in fields.items()
           if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING):
        return None
    try:
        return cls(**values)
    except TypeError as exc:  # a nested table that failed leaves None where a value is required
        problems.append(f"{where}: table '{prefix.rstrip('.') or 'top level'}' is incomplete ({exc})")
        return None


# Ranges a working terminal lives in; a value outside them is a typo or a unit mistake (ms for s).
TIMEOUT_RANGES = {
    "central.connect_timeout": (0.0, 60.0),
    "central.read_timeout": (0.0, 300.0),
    "central.heartbeat_interval": (0.0, 3600.0),
    "printer.network.timeout": (0.0, 120.0),
    "printer.serial.timeout": (0.0, 120.0),
    "id_reader.timeout": (0.0, 30.0),
}
IDLE_TIMEOUT_MAX = 3600
VOICE_VOLUMES = ("quiet", "normal", "loud")   # kiosk.core.speech.Volume's values
SERIAL_BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
API_PREFIX = "/api/v1"   # the client adds it to every call; a base_url ending in it is accepted and trimmed
_TERMINAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PATH_KEYS = ("central.credentials_file", "central.ca_bundle", "central.embedded_catalog", "printer.profiles_dir", "printer.serial.device",
              "printer.file.path", "printer.virtual.out_dir", "id_reader.device", "data.dir")


def _get(config: Config, dotted: str) -> typing.Any:
    """The value at a dotted key, or None when a table on the way is absent."""
    value: typing.Any = config
    for name in dotted.split("."):
        value = getattr(value, name, None)
        if value is None:
            return None
    return value


def central_url_problem(url: str) -> str:
    """Why `url` cannot be central's address ("" when it can): http(s), a host, a port from 1 to 65535."""
    if _CONTROL.search(url) or " " in url:
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "must be \"embedded\" or an http(s) URL such as https://central.example.gov.cn"
    if not parts.hostname:
        return "has no host name (expected e.g. https://central.example.gov.cn)"
    if not _host_name_ok(parts.hostname):
        return "has a host name that cannot be looked up"
    if port == 0:
        return "has port 0 (a port is from 1 to 65535)"
    if parts.username is not None or parts.password is not None:
        return "must not hold a user name or password (the terminal signs its requests with its secret)"
    if parts.query or parts.fragment:
        return "must not have a query (?…) or fragment (#…)"
    return ""


def normalised_base_url(url: str) -> str:
    """central.base_url without a trailing slash or the API prefix the client adds itself."""
    trimmed = url.rstrip("/")
    if trimmed.endswith(API_PREFIX):
        trimmed = trimmed[: -len(API_PREFIX)].rstrip("/")
    return trimmed


def _check_text(config: Config, problems: list[str], where: str) -> None:
    terminal = config.terminal
    if not terminal.id.strip():
        problems.append(f"{where}: key 'terminal.id' must not be empty")
    elif not _TERMINAL_ID.fullmatch(terminal.id):
        problems.append(f"{where}: key 'terminal.id' must be 1 to 64 letters, digits or . _ : - (no spaces, "
                        f"newlines or other characters: it is sent in every request's header), got {_show(terminal.id)}")
    for key in ("name", "hall", "contact"):
        value = getattr(terminal, key)
        if _CONTROL.search(value):
            problems.append(f"{where}: key 'terminal.{key}' must be one line without control characters, "
                            f"got {_show(value)}")
        elif len(value) > 200:
            problems.append(f"{where}: key 'terminal.{key}' is {len(value)} characters long (at most 200)")
    for key in _PATH_KEYS:
        value = _get(config, key)
        if isinstance(value, str) and "\x00" in value:
            problems.append(f"{where}: key '{key}' contains a NUL byte, which no file name can hold")
    try:
        from zoneinfo import ZoneInfo
        ZoneInfo(config.terminal.time_zone)
    except (LookupError, ValueError):
        problems.append(f"{where}: key 'terminal.time_zone' must be an IANA time zone such as \"Asia/Shanghai\", "
                        f"got {config.terminal.time_zone!r}")


def _check_numbers(config: Config, problems: list[str], where: str) -> None:
    for key, (low, high) in TIMEOUT_RANGES.items():
        value = _get(config, key)
        if value is None:
            continue
        if not math.isfinite(value) or not low < value <= high:
            problems.append(f"{where}: key '{key}' must be a number of seconds above {low:g} and at most "
                            f"{high:g}, got {value!r}")
    ui = config.ui
    if not 10 <= ui.idle_timeout <= IDLE_TIMEOUT_MAX:
        problems.append(f"{where}: key 'ui.idle_timeout' must be from 10 to {IDLE_TIMEOUT_MAX} seconds, "
                        f"got {ui.idle_timeout}")
    if ui.idle_warning < 5 or ui.idle_warning >= ui.idle_timeout:
        problems.append(f"{where}: key 'ui.idle_warning' must be from 5 seconds to less than ui.idle_timeout, "
                        f"got {ui.idle_warning}")


def _check_central(config: Config, problems: list[str], where: str) -> None:
    central = config.central
    if central.base_url != "embedded":
        problem = central_url_problem(central.base_url)
        if problem:
            problems.append(f"{where}: key 'central.base_url' {problem}, got {_show(central.base_url)}")
        if not central.credentials_file:
            problems.append(f"{where}: key 'central.credentials_file' is required when central.base_url is a URL "
                            "(a file holding the terminal's secret)")
        if central.embedded_catalog:
            problems.append(f"{where}: key 'central.embedded_catalog' only applies to the embedded central "
                            "(central.base_url = \"embedded\"); central serves its own catalogue: remove the key")


def _host_name_ok(host: str) -> bool:
    """A host name or address a socket can be asked to connect to (as `socket.create_connection` encodes it)."""
    if not host.strip() or _CONTROL.search(host) or " " in host:
        return False
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return True


def _check_printer(config: Config, problems: list[str], where: str) -> None:
    printer = config.printer
    if printer.connection not in CONNECTION_KINDS:
        problems.append(f"{where}: key 'printer.connection' must be one of {', '.join(CONNECTION_KINDS)}, "
                        f"got {_show(printer.connection)}")
        return
    settings = printer.connection_settings
    if settings is None:
        problems.append(f"{where}: printer.connection is '{printer.connection}' but the table "
                        f"[printer.{printer.connection}] is missing")
        return
    prefix = f"printer.{printer.connection}"
    if isinstance(settings, NetworkConnection):
        if not _host_name_ok(settings.host):
            problems.append(f"{where}: key '{prefix}.host' must be the printer's address (e.g. 192.0.2.50), "
                            f"got {_show(settings.host)}")
        if not 1 <= settings.port <= 65535:
            problems.append(f"{where}: key '{prefix}.port' must be from 1 to 65535, got {settings.port}")
    elif isinstance(settings, SerialConnection):
        if not settings.device.strip():
            problems.append(f"{where}: key '{prefix}.device' must name the serial device, e.g. /dev/ttyUSB0")
        if settings.baudrate not in SERIAL_BAUDRATES:
            problems.append(f"{where}: key '{prefix}.baudrate' must be one of "
                            f"{', '.join(map(str, SERIAL_BAUDRATES))}, got {settings.baudrate}")
    elif isinstance(settings, UsbConnection):
        for key, high in (("vendor_id", 0xFFFF), ("product_id", 0xFFFF), ("interface", 255), ("in_ep", 255),
                          ("out_ep", 255)):
            value = getattr(settings, key)
            if not 0 <= value <= high:
                problems.append(f"{where}: key '{prefix}.{key}' must be from 0 to {high:#x}, got {value}")
    elif isinstance(settings, FileConnection) and not settings.path.strip():
        problems.append(f"{where}: key '{prefix}.path' must name the printer's device file, e.g. /dev/usb/lp0")
    if not _PROFILE_NAME.fullmatch(printer.profile):
        problems.append(f"{where}: key 'printer.profile' must be a profile name (letters, digits, . _ -) "
                        f"naming a file in the profiles folder, got {_show(printer.profile)}")
        return
    if "\x00" in printer.profiles_dir:
        return
    profile_file = config.profiles_dir / f"{printer.profile}.toml"
    if not profile_file.is_file():
        known = sorted(p.stem for p in config.profiles_dir.glob("*.toml"))
        close = difflib.get_close_matches(printer.profile, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known profiles: {', '.join(known) or 'none'}"
        problems.append(f"{where}: key 'printer.profile' names '{printer.profile}', which has no file "
                        f"{printer.profile}.toml in {config.profiles_dir}{hint}")


def _check_semantics(config: Config, problems: list[str], where: str) -> None:
    """Checks that go beyond types: allowed values, ranges, well-formed text, URLs and paths."""
    locales = available_locales()
    if config.ui.locale not in locales:
        problems.append(f"{where}: key 'ui.locale' must be one of {', '.join(locales)}, got {_show(config.ui.locale)}")
    if config.ui.voice_volume not in VOICE_VOLUMES:
        problems.append(f"{where}: key 'ui.voice_volume' must be one of {', '.join(VOICE_VOLUMES)}, "
                        f"got {_show(config.ui.voice_volume)}")
    _check_text(config, problems, where)
    _check_numbers(config, problems, where)
    _check_central(config, problems, where)
    _check_printer(config, problems, where)
    _check_id_reader(config, problems, where)


def _check_id_reader(config: Config, problems: list[str], where: str) -> None:
    reader = config.id_reader
    if reader.device and reader.device != reader.device.strip():
        problems.append(f"{where}: key 'id_reader.device' has spaces around it, got {_show(reader.device)}")
    if reader.baudrate not in SERIAL_BAUDRATES:
        problems.append(f"{where}: key 'id_reader.baudrate' must be one of "
                        f"{', '.join(map(str, SERIAL_BAUDRATES))}, got {reader.baudrate}")


def _normalised(config: Config) -> Config:
    """The checked config with central.base_url trimmed of the API prefix and ca_bundle made absolute."""
    central = config.central
    changes: dict[str, typing.Any] = {}
    if central.base_url != "embedded":
        changes["base_url"] = normalised_base_url(central.base_url)
    if central.ca_bundle:
        changes["ca_bundle"] = str(config.resolve(central.ca_bundle))
    if central.embedded_catalog:
        changes["embedded_catalog"] = str(config.resolve(central.embedded_catalog))
    return dataclasses.replace(config, central=dataclasses.replace(central, **changes)) if changes else config


def parse_config(text: str, source: str, base_dir: Path) -> Config:
    """Parse TOML text into a Config; raises ConfigError with every problem found."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{source}: not valid TOML: {exc}"]) from None
    except RecursionError:
        raise ConfigError([f"{source}: not valid TOML: arrays or inline tables nested too deeply"]) from None
    problems: list[str] = []
    sections = {}
    for key, value in raw.items():
        if key not in _TOP_LEVEL:
            close = difflib.get_close_matches(key, list(_TOP_LEVEL), n=1)
            hint = f"; did you mean '[{close[0]}]'?" if close else f"; known sections: {', '.join(_TOP_LEVEL)}"
            problems.append(f"{source}: unknown section '{key}'{hint}")
        elif not isinstance(value, dict):
            problems.append(f"{source}: '{key}' must be a table [{key}], got {_show(value)}")
        else:
            sections[key] = value
    if "terminal" not in raw:
        problems.append(f"{source}: missing required section [terminal] (keys id, name, hall)")
    built = {}
    for name, cls in _TOP_LEVEL.items():
        if name in sections:
            built[name] = _build(cls, sections[name], f"{name}.", problems, source)
    if built.get("terminal") is None:
        raise ConfigError(problems or [f"{source}: section [terminal] is incomplete"])
    config = Config(**{k: v for k, v in built.items() if v is not None}, source=source, base_dir=str(base_dir))
    _check_semantics(config, problems, source)
    if problems:
        raise ConfigError(problems)
    return _normalised(config)


def find_config_path(explicit: str | None = None) -> Path | None:
    """The config file to use: explicit, $KIOSK_CONFIG, ./config.toml, /etc/kiosk/config.toml, or None."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("KIOSK_CONFIG")
    if env:
        return Path(env)
    for candidate in (Path.cwd() / "config.toml", Path("/etc/kiosk/config.toml")):
        if candidate.is_file():
            return candidate
    return None


def load_config(path: str | Path | None = None) -> Config:
    """Load and check a config file; with no file anywhere, the embedded defaults."""
    found = find_config_path(str(path) if path else None)
    if found is None:
        return embedded_defaults()
    if not found.is_file():
        raise ConfigError([f"{found}: no such configuration file"])
    try:
        text = found.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{found}: cannot be read: {exc}"]) from None
    return parse_config(text, str(found), found.resolve().parent)


def embedded_defaults(data_dir: str | Path | None = None) -> Config:
    """The configuration shipped inside the package: embedded central, virtual printer."""
    text = DEFAULT_CONFIG_TEXT_PATH.read_text(encoding="utf-8")
    config = parse_config(text, "<embedded defaults>", Path.cwd())
    if data_dir is not None:
        config = dataclasses.replace(config, data=DataConfig(dir=str(Path(data_dir).resolve())))
    return config


def with_data_dir(config: Config, data_dir: str | Path) -> Config:
    """A copy of `config` whose data directory is `data_dir`."""
    return dataclasses.replace(config, data=DataConfig(dir=str(Path(data_dir).resolve())))
