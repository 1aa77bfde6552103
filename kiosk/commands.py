"""The application's own sub-commands: `run`, `demo` and `config check`.

Configuration problems are printed one per line with file and key, and exit with status 2."""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from kiosk.console import load_or_report


def register(subparsers) -> None:
    run = subparsers.add_parser("run", help="run the kiosk (fullscreen) with the configuration")
    run.add_argument("--config", help="configuration file (default: $KIOSK_CONFIG, ./config.toml, "
                                      "/etc/kiosk/config.toml, else the embedded defaults)")
    run.add_argument("--exit-after-paint", action="store_true",
                     help="print the time of the first painted home screen and exit (start-up benchmark)")
    run.set_defaults(func=_run)

    demo = subparsers.add_parser("demo", help="try the kiosk on the embedded defaults")
    demo.add_argument("--headless", action="store_true",
                      help="drive one citizen's whole visit offscreen and save a PNG of every screen")
    demo.add_argument("--out", default="demo-output", help="where the headless demo saves its pictures")
    demo.add_argument("--data", help="data directory (default: a new temporary one)")
    demo.add_argument("--config", metavar="FILE",
                      help="a terminal's configuration to try (its hall, PIN, printer, language, reader); the "
                           "demo keeps its own data directory unless --data is given")
    demo.add_argument("--catalog", metavar="FILE",
                      help="the catalogue the embedded central serves (e.g. tests/fixtures/catalog-2100.json)")
    demo.set_defaults(func=_demo)

    config = subparsers.add_parser("config", help="check or change the configuration")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION")
    check = config_sub.add_parser("check", help="check a configuration file and print every problem")
    check.add_argument("path", nargs="?", help="the file (default: as for `kiosk run`)")
    check.set_defaults(func=_config_check)
    set_pin = config_sub.add_parser("set-pin", help="set the staff PIN (stored as a salted hash)")
    set_pin.add_argument("--config", default="config.toml", help="the configuration file to write")
    set_pin.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    set_pin.set_defaults(func=_config_set_pin)
    config.set_defaults(func=lambda args: (config.print_help(), 2)[1])


def load_checked_or_report(path: str | None, head: str = "configuration problems:"):
    """The config when it is well-formed and everything it names is usable (secret, CA bundle, PIN hash,
    printer profile, data directory); else None after printing every problem. `config check` and `run` share it."""
    from kiosk.ops.preflight import preflight_problems

    config = load_or_report(path)
    if config is None:
        return None
    problems = preflight_problems(config)
    if problems:
        print(head, file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return None
    return config


def _config_check(args) -> int:
    config = load_checked_or_report(args.path)
    if config is None:
        return 2
    print(f"OK: {config.source}")
    return 0


def _config_set_pin(args) -> int:
    from kiosk.ops.set_pin import run_set_pin

    from kiosk.ops.set_pin import read_pin_stdin

    pin = read_pin_stdin() if args.pin_stdin else None
    return run_set_pin(Path(args.config), pin)


def _run(args) -> int:
    from kiosk.core.storage import StorageFault, prepare_storage

    config = load_checked_or_report(args.config, head="the kiosk refuses to start:")
    if config is None:
        return 2
    try:
        report = prepare_storage(config.data_dir)
    except StorageFault as exc:
        print(f"the kiosk refuses to start: {exc}", file=sys.stderr)
        return 2
    from kiosk.app import RESTART_EXIT_CODE, run, setup_logging

    setup_logging(config.data_dir)
    for note in report.notes:
        logging.getLogger("kiosk.storage").warning("%s", note)

    code = run(config, exit_after_paint=args.exit_after_paint)
    if code == RESTART_EXIT_CODE:
        # Central asked for a restart between visits: replace this process with a fresh one (same pid,
        # so a supervising systemd unit keeps tracking it).
        os.execv(sys.executable, [sys.executable, "-m", "kiosk", *sys.argv[1:]])
    return code


def _demo(args) -> int:
    from kiosk import plugins

    try:
        run = plugins.load("command.demo", "kiosk demo")
    except plugins.PluginMissing as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    return run(args)
