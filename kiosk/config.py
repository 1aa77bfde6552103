"""config.toml → frozen dataclasses, with every problem named by file, key and expectation.

`load_config` returns a `Config` or raises `ConfigError` listing all problems found."""
from __future__ import annotations

import dataclasses
import difflib
import os
import sys
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DEFAULT_CONFIG_TEXT_PATH = PACKAGE_DIR / "data" / "default-config.toml"


class ConfigError(Exception):
    """One or more problems in a configuration file; `problems` lists them all."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


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
    voice: bool = True
    staff_pin_hash: str = ""


@dataclass(frozen=True)
class DataConfig:
    dir: str = "var"


@dataclass(frozen=True)
class Config:
    terminal: TerminalConfig
    central: CentralConfig = field(default_factory=CentralConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    ui: UiConfig = field(default_factory=UiConfig)
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


_LOCALES = ("zh_CN", "en")
_TOP_LEVEL = {"terminal": TerminalConfig, "central": CentralConfig, "printer": PrinterConfig, "ui": UiConfig, "data": DataConfig}


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
            return float(value)
    elif tp is str:
        if isinstance(value, str):
            return value
    problems.append(f"{where}: key '{key}' must be {_type_name(tp)}, got {value!r}")
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
                problems.append(f"{where}: '{full}' must be a table [{full}], got {value!r}")
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


def _check_semantics(config: Config, problems: list[str], where: str) -> None:
    """Checks that go beyond types: allowed values, ranges, existing files."""
    if config.ui.locale not in _LOCALES:
        problems.append(f"{where}: key 'ui.locale' must be one of {', '.join(_LOCALES)}, got {config.ui.locale!r}")
    if config.ui.idle_timeout < 10:
        problems.append(f"{where}: key 'ui.idle_timeout' must be at least 10 seconds, got {config.ui.idle_timeout}")
    if config.ui.idle_warning < 5 or config.ui.idle_warning >= config.ui.idle_timeout:
        problems.append(f"{where}: key 'ui.idle_warning' must be from 5 seconds to less than ui.idle_timeout, "
                        f"got {config.ui.idle_warning}")
    if not config.terminal.id.strip():
        problems.append(f"{where}: key 'terminal.id' must not be empty")
    try:
        from zoneinfo import ZoneInfo
        ZoneInfo(config.terminal.time_zone)
    except (LookupError, ValueError):
        problems.append(f"{where}: key 'terminal.time_zone' must be an IANA time zone such as \"Asia/Shanghai\", "
                        f"got {config.terminal.time_zone!r}")
    central = config.central
    if central.base_url != "embedded" and not central.base_url.startswith(("http://", "https://")):
        problems.append(f"{where}: key 'central.base_url' must be \"embedded\" or an http(s) URL, got {central.base_url!r}")
    if central.base_url != "embedded" and not central.credentials_file:
        problems.append(f"{where}: key 'central.credentials_file' is required when central.base_url is a URL "
                        "(a file holding the terminal's secret)")
    for key in ("connect_timeout", "read_timeout", "heartbeat_interval"):
        if getattr(central, key) <= 0:
            problems.append(f"{where}: key 'central.{key}' must be greater than 0, got {getattr(central, key)}")
    printer = config.printer
    if printer.connection not in CONNECTION_KINDS:
        problems.append(f"{where}: key 'printer.connection' must be one of {', '.join(CONNECTION_KINDS)}, "
                        f"got {printer.connection!r}")
    elif printer.connection_settings is None:
        problems.append(f"{where}: printer.connection is '{printer.connection}' but the table "
                        f"[printer.{printer.connection}] is missing")
    profile_file = config.profiles_dir / f"{printer.profile}.toml"
    if not profile_file.is_file():
        known = sorted(p.stem for p in config.profiles_dir.glob("*.toml"))
        close = difflib.get_close_matches(printer.profile, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known profiles: {', '.join(known) or 'none'}"
        problems.append(f"{where}: key 'printer.profile' names '{printer.profile}', which has no file "
                        f"{printer.profile}.toml in {config.profiles_dir}{hint}")


def parse_config(text: str, source: str, base_dir: Path) -> Config:
    """Parse TOML text into a Config; raises ConfigError with every problem found."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{source}: not valid TOML: {exc}"]) from None
    problems: list[str] = []
    sections = {}
    for key, value in raw.items():
        if key not in _TOP_LEVEL:
            close = difflib.get_close_matches(key, list(_TOP_LEVEL), n=1)
            hint = f"; did you mean '[{close[0]}]'?" if close else f"; known sections: {', '.join(_TOP_LEVEL)}"
            problems.append(f"{source}: unknown section '{key}'{hint}")
        elif not isinstance(value, dict):
            problems.append(f"{source}: '{key}' must be a table [{key}], got {value!r}")
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
    return config


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
