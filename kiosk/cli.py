"""The `kiosk` command: run, demo, config, printer, central, login-check, status, outbox.

Each subsystem registers its own sub-commands; errors print one clear message, never a traceback."""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from kiosk import plugins
from kiosk.version import __version__

# Modules that add sub-commands: each has `register(subparsers)`; a parser's
# `func(args) -> int` runs the command.
COMMAND_MODULES = (
    "kiosk.commands",
    "kiosk.central.commands",
    "kiosk.printing.commands",
    "kiosk.devices.commands",
    "kiosk.ops.commands",
)
# Commands of optional parts, found by entry point: the command, and the package that provides it.
OPTIONAL_COMMANDS = {"central": "central_server"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Self-service kiosk for government service halls")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    _register_optional_commands(subparsers)
    return parser


def _register_optional_commands(subparsers) -> None:
    """Sub-commands of parts installed beside the kiosk (`central`, from the reference server's package).

    Without the part, its command still exists and says what is missing instead of argparse's bare refusal."""
    found = set()
    for register in plugins.load_all("subcommands."):
        register(subparsers)
        found.add(register.__module__)
    for command, part in OPTIONAL_COMMANDS.items():
        if not any(module.startswith(part) for module in found):
            missing = subparsers.add_parser(command, help=f"(not installed here: {part})", add_help=False)
            missing.add_argument("rest", nargs=argparse.REMAINDER)
            missing.set_defaults(func=lambda args, c=command: _missing_part(c))


def _missing_part(command: str) -> int:
    print(f"kiosk: '{command}' comes with the reference central, which is not installed on this machine "
          f"(a terminal does not ship it; install the kiosk with its 'central' extra on the server)",
          file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()   # a closed pipe shows here, not as a message at interpreter exit
        return code
    except KeyboardInterrupt:
        print("kiosk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`kiosk printer profiles | head -n 1`): stop quietly as other tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # thread top of every console command: one line, never a traceback
        if os.environ.get("KIOSK_DEBUG"):
            raise
        logging.getLogger("kiosk.cli").exception("kiosk %s failed", args.command)
        print(f"kiosk: {args.command} failed: {type(exc).__name__}: {exc} (KIOSK_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
