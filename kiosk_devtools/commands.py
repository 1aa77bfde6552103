"""The developer tools' console commands, run by `kiosk demo` and `kiosk printer virtual`.

Registered as kiosk.plugins entry points, so the kiosk finds them without importing this package."""
from __future__ import annotations

import dataclasses
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

from kiosk.config import Config, ConfigError, embedded_defaults, load_config, with_data_dir


def _fail(message: str, code: int = 1) -> int:
    print(f"kiosk: {message}", file=sys.stderr)
    return code


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or \
        os.environ.get("QT_QPA_PLATFORM") not in (None, "", "offscreen", "minimal")


def demo_config(args) -> Config:
    """The demo's configuration: the embedded defaults, or the terminal's file given with --config (its hall,
    PIN, language and devices), in the demo's own data directory; ConfigError when the file is wrong."""
    data_dir = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    base = load_config(args.config) if getattr(args, "config", None) else embedded_defaults()
    return with_data_dir(base, data_dir)


def run_demo(args) -> int:
    try:
        config = demo_config(args)
    except ConfigError as exc:
        return _fail(str(exc), 2)
    if getattr(args, "catalog", None):
        from kiosk.ops.preflight import embedded_catalog_problem

        catalog = Path(args.catalog).resolve()
        problem = embedded_catalog_problem(catalog)
        if problem:
            return _fail(f"--catalog: {problem}", 2)
        config = dataclasses.replace(config, central=dataclasses.replace(config.central,
                                                                          embedded_catalog=str(catalog)))
    if args.headless or not has_display():
        if not args.headless:
            print("no display found: running the headless demo", file=sys.stderr)
        from kiosk_devtools.demo import run_headless_demo

        return run_headless_demo(config, Path(args.out))
    from kiosk_devtools.demo import run_windowed_demo

    return run_windowed_demo(config)


def run_virtual_printer(args) -> int:
    from kiosk_devtools.virtual_printer import VirtualFaultError, VirtualPrinterServer, check_fault

    try:
        fault = check_fault(args.fault)
    except VirtualFaultError as exc:
        return _fail(str(exc), 2)
    if not 1024 <= args.nv_capacity <= 16 * 1024 * 1024:
        return _fail(f"--nv-capacity must be from 1024 to 16777216 bytes, got {args.nv_capacity}", 2)
    server = VirtualPrinterServer(args.host, args.port, args.out, width_dots=args.width,
                                  control_port=args.control_port, nv_capacity=args.nv_capacity)
    try:
        server.start()
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
    server.set_fault(fault)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    control = f", control port {server.control_port}" if server.control_port else ""
    print(f"virtual printer on {args.host}:{server.port}{control}, {args.width} dots, "
          f"{args.nv_capacity // 1024} KB NV graphics memory, jobs in {args.out} "
          f"(fault file: {Path(args.out) / 'fault'}); Ctrl-C stops", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
