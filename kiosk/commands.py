"""The application's own sub-commands: `run`, `demo` and `config check`.

Configuration problems are printed one per line with file and key, and exit with status 2."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from kiosk.console import load_or_report, secret_is_usable


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


def _config_check(args) -> int:
    config = load_or_report(args.path)
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
    config = load_or_report(args.config)
    if config is None:
        return 2
    if not secret_is_usable(config):
        return 2
    from kiosk.app import RESTART_EXIT_CODE, run

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
