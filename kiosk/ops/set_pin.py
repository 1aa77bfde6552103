"""`kiosk config set-pin`: ask for the staff PIN (or take it from stdin) and store its hash in config.toml.

Only the `staff_pin_hash` line under [ui] changes; the file is replaced atomically and checked again."""
from __future__ import annotations

import getpass
import logging
import sys
from pathlib import Path
from typing import TextIO

from kiosk.config import ConfigError, load_config
from kiosk.ops.atomic import write_atomic
from kiosk.ops.pin import PinError, check_pin, hash_pin
from kiosk.ops.toml_edit import TomlEditError, set_string_key

log = logging.getLogger(__name__)


def read_pin_stdin(stream: TextIO | None = None) -> str:
    """The PIN from the first line of standard input, for scripted installs (`--pin-stdin`)."""
    stream = stream if stream is not None else sys.stdin
    return stream.readline().rstrip("\r\n").strip()


def _ask_pin() -> str | None:
    """Ask twice on the terminal; None (after saying why) when there is no terminal or the entries differ."""
    if not sys.stdin.isatty():
        print("error: standard input is not a terminal, so the PIN cannot be asked for; "
              "pipe it in with --pin-stdin", file=sys.stderr)
        return None
    first = getpass.getpass("new staff PIN (4-8 digits): ")
    try:
        check_pin(first)
    except PinError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    second = getpass.getpass("the same PIN again: ")
    if first != second:
        print("error: the two entries differ; nothing was changed", file=sys.stderr)
        return None
    return first


def _print_problems(problems: list[str]) -> None:
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)


def run_set_pin(config_path: Path, pin: str | None) -> int:
    """Store the hash of `pin` (asked for when None) as ui.staff_pin_hash in `config_path`. Returns the exit code."""
    config_path = Path(config_path)
    if not config_path.is_file():
        print(f"error: {config_path}: no such configuration file", file=sys.stderr)
        return 2
    try:
        load_config(config_path)
    except ConfigError as exc:
        print(f"error: {config_path} has problems; fix them before setting the PIN:", file=sys.stderr)
        _print_problems(exc.problems)
        return 2
    if pin is None:
        pin = _ask_pin()
        if pin is None:
            return 2
    try:
        stored = hash_pin(pin)
    except PinError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        original = config_path.read_bytes()
        text = original.decode("utf-8")
        edited = set_string_key(text, "ui", "staff_pin_hash", stored)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: {config_path}: cannot be read: {exc}", file=sys.stderr)
        return 2
    except TomlEditError as exc:
        print(f"error: {config_path}: {exc}; add staff_pin_hash under [ui] by hand", file=sys.stderr)
        return 2
    try:
        write_atomic(config_path, edited.encode("utf-8"))
    except OSError as exc:
        print(f"error: {config_path}: cannot be written ({exc}); nothing was changed", file=sys.stderr)
        return 1
    try:
        checked = load_config(config_path)
        if checked.ui.staff_pin_hash != stored:
            raise ConfigError([f"{config_path}: ui.staff_pin_hash does not read back as written"])
    except ConfigError as exc:
        write_atomic(config_path, original)
        print(f"error: {config_path}: the edited file did not pass the check; the original is back:",
              file=sys.stderr)
        _print_problems(exc.problems)
        return 1
    log.info("staff PIN changed in %s", config_path)
    print(f"staff PIN set in {config_path}; restart the kiosk for it to take effect")
    return 0
