"""Printer profiles: one TOML file per printer model in printers/, read into a frozen `PrinterProfile`.

A bad profile file raises `ProfileError` naming the file and the key."""
from __future__ import annotations

import difflib
import importlib.util
import json
import logging
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from kiosk.errors import PrinterError

NATIVE_CHARSETS = ("gb18030", "gbk")
CUT_MODES = ("partial", "full")
# How the printer keeps graphics in non-volatile memory: GS ( L functions 64-69 (NV graphics with a two-byte
# key: Epson TM-T88V/VI, HPRT, SNBC, Bixolon, Citizen), FS q / FS p (the older NV bit images), or not at all.
NV_GRAPHICS = ("none", "gs_l", "fs_q")
NV_CAPACITY_RANGE = (1024, 16 * 1024 * 1024)


class ProfileError(PrinterError):
    """A printer profile is missing or wrong; the message names the file and the key."""


@dataclass(frozen=True)
class PrinterProfile:
    """What the kiosk needs to know about one printer model to lay out and send a slip."""
    name: str
    description: str
    paper_width_mm: float
    print_width_mm: float
    width_dots: int
    dots_per_mm: float
    native_chinese: bool
    native_qr: bool
    cutter: bool
    status_support: bool
    escpos_profile: str
    columns: int = 0
    cut_mode: str = "partial"
    native_charset: str = "gb18030"
    seal_diameter_mm: float = 36.0
    qr_module_dots: int = 6
    nv_graphics: str = "none"
    nv_capacity_bytes: int = 0
    two_colour_paper: bool = False
    source: str = ""

    @property
    def text_columns(self) -> int:
        """Half-width columns per line (a Chinese character takes two): Font A is 12 dots wide."""
        return self.columns or self.width_dots // 12

    @property
    def width_bytes(self) -> int:
        return (self.width_dots + 7) // 8

    def mm_to_dots(self, mm: float) -> int:
        return int(round(mm * self.dots_per_mm))

    def facts(self) -> list[tuple[str, str]]:
        """(name, value) pairs for technicians: `kiosk printer profiles` and the test page."""
        return [
            ("paper", f"{self.paper_width_mm:g} mm (print width {self.print_width_mm:g} mm)"),
            ("width", f"{self.width_dots} dots, {self.dots_per_mm:g} dots/mm, {self.text_columns} columns"),
            ("chinese", f"native {self.native_charset.upper()} font (FS &)" if self.native_chinese
             else "raster (drawn by the kiosk)"),
            ("qr", "native (GS ( k)" if self.native_qr else "raster image"),
            ("cutter", f"yes ({self.cut_mode})" if self.cutter else "no (tear off)"),
            ("status", "DLE EOT 1-4" if self.status_support else "not reported"),
            ("seal", f"{self.seal_diameter_mm:g} mm, " + ("red (two-colour paper)" if self.two_colour_paper
                                                          else "black")),
            ("nv graphics", {"none": "none: the seal is sent as a raster with every slip",
                             "gs_l": f"GS ( L keyed NV graphics, {self.nv_capacity_bytes // 1024} KB",
                             "fs_q": f"FS q / FS p NV bit image, {self.nv_capacity_bytes // 1024} KB"}
             [self.nv_graphics]),
            ("python-escpos", self.escpos_profile),
        ]


_REQUIRED = ("name", "description", "paper_width_mm", "print_width_mm", "width_dots", "dots_per_mm",
             "native_chinese", "native_qr", "cutter", "status_support", "escpos_profile")
_TYPES = {"name": str, "description": str, "paper_width_mm": float, "print_width_mm": float, "width_dots": int,
          "dots_per_mm": float, "native_chinese": bool, "native_qr": bool, "cutter": bool,
          "status_support": bool, "escpos_profile": str, "columns": int, "cut_mode": str,
          "native_charset": str, "seal_diameter_mm": float, "qr_module_dots": int,
          "nv_graphics": str, "nv_capacity_bytes": int, "two_colour_paper": bool}
_TYPE_WORDS = {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}


def _checked(path: Path, key: str, value, tp):
    if tp is bool and isinstance(value, bool):
        return value
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if tp is str and isinstance(value, str):
        return value
    raise ProfileError(f"{path}: key '{key}' must be {_TYPE_WORDS[tp]}, got {value!r}")


def read_profile_file(path: str | Path) -> PrinterProfile:
    """Read and check one profile file; every error names the file and the key."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such printer profile file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ProfileError(f"{path}: not valid TOML: arrays or inline tables nested too deeply") from None
    known = {f.name for f in fields(PrinterProfile)} - {"source"}
    values = {}
    for key, value in raw.items():
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ProfileError(f"{path}: unknown key '{key}'{hint}")
        values[key] = _checked(path, key, value, _TYPES[key])
    for key in _REQUIRED:
        if key not in values:
            raise ProfileError(f"{path}: missing required key '{key}' ({_TYPE_WORDS[_TYPES[key]]})")
    if values["name"] != path.stem:
        raise ProfileError(f"{path}: key 'name' is {values['name']!r} but must match the file name {path.stem!r}")
    if not 128 <= values["width_dots"] <= 2048 or values["width_dots"] % 8:
        raise ProfileError(f"{path}: key 'width_dots' must be a multiple of 8 from 128 to 2048, "
                           f"got {values['width_dots']}")
    if not 3.0 <= values["dots_per_mm"] <= 24.0:
        raise ProfileError(f"{path}: key 'dots_per_mm' must be from 3 to 24, got {values['dots_per_mm']}")
    if values["print_width_mm"] > values["paper_width_mm"]:
        raise ProfileError(f"{path}: key 'print_width_mm' ({values['print_width_mm']:g}) cannot exceed "
                           f"paper_width_mm ({values['paper_width_mm']:g})")
    if values.get("cut_mode", "partial") not in CUT_MODES:
        raise ProfileError(f"{path}: key 'cut_mode' must be one of {', '.join(CUT_MODES)}, got {values['cut_mode']!r}")
    if values.get("native_charset", "gb18030") not in NATIVE_CHARSETS:
        raise ProfileError(f"{path}: key 'native_charset' must be one of {', '.join(NATIVE_CHARSETS)}, "
                           f"got {values['native_charset']!r}")
    if not 0 <= values.get("columns", 0) <= 128:
        raise ProfileError(f"{path}: key 'columns' must be from 0 (derive from width) to 128, got {values['columns']}")
    if not 10.0 <= values.get("seal_diameter_mm", 36.0) <= values["print_width_mm"]:
        raise ProfileError(f"{path}: key 'seal_diameter_mm' must be from 10 mm to the print width, "
                           f"got {values['seal_diameter_mm']:g}")
    if not 1 <= values.get("qr_module_dots", 6) <= 16:
        raise ProfileError(f"{path}: key 'qr_module_dots' must be from 1 to 16, got {values['qr_module_dots']}")
    _check_nv(path, values)
    _check_escpos_profile(path, values["escpos_profile"])
    return PrinterProfile(**values, source=str(path))


def _escpos_capabilities() -> dict:
    """python-escpos's printer capabilities. Its module calls logging.basicConfig() on import, which would
    send every later log record to stderr in its own format: the import runs behind a placeholder handler."""
    root = logging.getLogger()
    placeholder = logging.NullHandler()
    root.addHandler(placeholder)
    try:
        from escpos.capabilities import CAPABILITIES
    finally:
        root.removeHandler(placeholder)
    return CAPABILITIES


def _check_nv(path: Path, values: dict) -> None:
    """NV graphics: a known command family, and a capacity exactly when there is one."""
    kind = values.get("nv_graphics", "none")
    if kind not in NV_GRAPHICS:
        raise ProfileError(f"{path}: key 'nv_graphics' must be one of {', '.join(NV_GRAPHICS)} "
                           f"(gs_l: GS ( L functions 64-69; fs_q: FS q / FS p), got {kind!r}")
    capacity = values.get("nv_capacity_bytes", 0)
    low, high = NV_CAPACITY_RANGE
    if kind == "none" and capacity:
        raise ProfileError(f"{path}: key 'nv_capacity_bytes' is {capacity} but nv_graphics is \"none\"; "
                           f"remove it or name the NV command family")
    if kind != "none" and not low <= capacity <= high:
        raise ProfileError(f"{path}: key 'nv_capacity_bytes' must be from {low} to {high} when nv_graphics is "
                           f"{kind!r} (the printer's NV graphics memory in bytes), got {capacity}")


def _escpos_profile_names() -> frozenset[str]:
    """The printer profiles python-escpos knows. Its database is JSON, which python-escpos parses as YAML on import
    (a third of a second, which `kiosk run` would spend before its first paint): the names are read as JSON here,
    and only a database that is not JSON (ESCPOS_CAPABILITIES_FILE may name a YAML file) is left to python-escpos."""
    try:
        database = os.environ.get("ESCPOS_CAPABILITIES_FILE") or _escpos_file("capabilities.json")
        return frozenset(json.loads(Path(database).read_text(encoding="utf-8"))["profiles"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return frozenset(_escpos_capabilities()["profiles"])


def _escpos_file(name: str) -> str:
    """A file installed in python-escpos's package folder (found without importing it, nor importlib.resources)."""
    spec = importlib.util.find_spec("escpos")
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    if not folders:
        raise OSError("python-escpos is not installed")
    return os.path.join(folders[0], name)


def _check_escpos_profile(path: Path, name: str) -> None:
    known = _escpos_profile_names()
    if name not in known:
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ProfileError(f"{path}: key 'escpos_profile' names {name!r}, which python-escpos does not know{hint}")


def load_profile(name: str, profiles_dir: str | Path) -> PrinterProfile:
    """The profile `name` from `profiles_dir`/<name>.toml; a missing one names the profiles that exist."""
    profiles_dir = Path(profiles_dir)
    path = profiles_dir / f"{name}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in profiles_dir.glob("*.toml"))
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known profiles: {', '.join(known) or 'none'}"
        raise ProfileError(f"{path}: no printer profile named {name!r}{hint}")
    return read_profile_file(path)


def list_profiles(profiles_dir: str | Path) -> list[PrinterProfile]:
    """Every profile in `profiles_dir`, sorted by name; the first bad file raises ProfileError."""
    return [read_profile_file(p) for p in sorted(Path(profiles_dir).glob("*.toml"))]
