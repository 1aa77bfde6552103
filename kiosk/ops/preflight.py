"""What `kiosk run` needs beyond a well-formed config file: secret, CA bundle, PIN hash, printer profile, data dir.

`config check` and `run` both call `preflight_problems`, so what one refuses the other refuses too."""
from __future__ import annotations

from pathlib import Path

from kiosk.config import Config
from kiosk.core.storage import data_dir_problem


def _secret_problem(config: Config) -> str:
    from kiosk.central.signing import SecretFileError, load_secret

    try:
        load_secret(config.resolve(config.central.credentials_file))
    except SecretFileError as exc:
        return f"key 'central.credentials_file': {exc}"
    return ""


def ca_bundle_problem(path: Path) -> str:
    """Why `path` cannot serve as a CA bundle ("" when it holds at least one certificate)."""
    import ssl

    if path.exists() and not path.is_file():
        return f"{path}: is not a file (a PEM file of the CA certificates is expected)"
    if not path.is_file():
        return f"{path}: no such file (a PEM file of the CA certificates that signed central's certificate)"
    try:
        context = ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError) as exc:
        return f"{path}: not a PEM certificate bundle ({getattr(exc, 'reason', None) or exc})"
    if not context.get_ca_certs():
        return f"{path}: holds no CA certificate (a PEM file with -----BEGIN CERTIFICATE----- blocks is expected)"
    return ""


def _profile_problem(config: Config) -> str:
    from kiosk.receipt.profiles import ProfileError, load_profile

    try:
        load_profile(config.printer.profile, config.profiles_dir)
    except ProfileError as exc:
        return f"key 'printer.profile': {exc}"
    return ""


def _pin_problem(config: Config) -> str:
    from kiosk.ops.pin import PinHashError, parse_pin_hash

    if not config.ui.staff_pin_hash:
        return ""
    try:
        parse_pin_hash(config.ui.staff_pin_hash)
    except PinHashError as exc:
        return f"key 'ui.staff_pin_hash': {exc}"
    return ""


def _virtual_printer_problem(config: Config) -> str:
    if config.printer.connection != "virtual" or config.printer.virtual is None:
        return ""
    out_dir = config.resolve(config.printer.virtual.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        return f"key 'printer.virtual.out_dir': {out_dir} is a file, not a folder"
    return ""


def embedded_catalog_problem(path: Path) -> str:
    """Why `path` cannot be the embedded central's catalogue ("" when the terminal can read it)."""
    import json

    from kiosk.central.errors import InvalidAnswer
    from kiosk.central.models import Catalog

    if not path.is_file():
        return f"{path}: no such file (a catalogue JSON file, e.g. tests/fixtures/catalog-2100.json)"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        Catalog.from_json(raw)
    except (OSError, UnicodeDecodeError) as exc:
        return f"{path}: cannot be read ({exc})"
    except (ValueError, RecursionError) as exc:
        return f"{path}: not JSON ({exc})"
    except InvalidAnswer as exc:
        return f"{path}: not a catalogue the terminal can show: {exc}"
    return ""


def preflight_problems(config: Config) -> list[str]:
    """Every problem that would stop `kiosk run` (or leave the terminal unable to serve), one line each."""
    where = config.source
    found = []
    if not config.is_embedded_central:
        found.append(_secret_problem(config))
        if config.central.ca_bundle:
            problem = ca_bundle_problem(Path(config.central.ca_bundle))
            found.append(f"key 'central.ca_bundle': {problem}" if problem else "")
    elif config.central.embedded_catalog:
        problem = embedded_catalog_problem(Path(config.central.embedded_catalog))
        found.append(f"key 'central.embedded_catalog': {problem}" if problem else "")
    found += [_profile_problem(config), _pin_problem(config), _virtual_printer_problem(config)]
    storage = data_dir_problem(config.data_dir, min_free=0)
    if storage:
        found.append(f"key 'data.dir': {storage}")
    return [f"{where}: {problem}" for problem in found if problem]
