"""`kiosk printer …`: profiles, status, test, sample, store-seal, seals, detect and the virtual printer.

Registered into the top-level parser by kiosk.cli; every error is one clear line on stderr."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from kiosk.argtypes import positive_int, tcp_port
from kiosk.config import ConfigError, default_profiles_dir, load_config
from kiosk.i18n import LOCALES
from kiosk.receipt.profiles import ProfileError, list_profiles, load_profile


def dots_width(text: str) -> int:
    """Paper width in dots, as a printer profile allows it."""
    return positive_int(text, 2048)


def register(subparsers) -> None:
    """Add this package's sub-commands to the `kiosk` parser."""
    printer = subparsers.add_parser("printer", help="printer tools: profiles, status, test, sample, detect, virtual")
    sub = printer.add_subparsers(dest="printer_command", metavar="ACTION")
    printer.set_defaults(func=lambda args: (printer.print_help(), 2)[1])

    profiles = sub.add_parser("profiles", help="every printer profile with its facts")
    profiles.add_argument("--profiles-dir", help="folder of printer profiles (default: the installed printers/)")
    profiles.set_defaults(func=_profiles)

    status = sub.add_parser("status", help="the configured printer's state, and what to do about it")
    status.add_argument("--config", help="configuration file (default: as for `kiosk run`)")
    status.add_argument("--locale", choices=LOCALES, help="language of the answer (default: ui.locale)")
    status.set_defaults(func=_status)

    test = sub.add_parser("test", help="print a test page: profile facts, Chinese and Latin, seal, QR, cut")
    test.add_argument("--config", help="configuration file (default: as for `kiosk run`)")
    test.set_defaults(func=_test)

    sample = sub.add_parser("sample", help="render a document to ESC/POS bytes (and a PNG) without a printer")
    sample.add_argument("--document", help="document JSON in the central API's format (default: built-in sample)")
    sample.add_argument("--profile", default="generic-80mm", help="printer profile (default: generic-80mm)")
    sample.add_argument("--profiles-dir", help="folder of printer profiles (default: the installed printers/)")
    sample.add_argument("--out", required=True, help="where to write the ESC/POS bytes")
    sample.add_argument("--preview", help="where to write a PNG of the paper")
    sample.add_argument("--application-number", default="", help="办件编号 to print on the slip")
    sample.add_argument("--reprint", action="store_true", help="mark the slip 重印")
    sample.add_argument("--status-line", default="", help="a status line such as 已受理，待上传")
    sample.add_argument("--locale", choices=LOCALES, default="zh_CN", help="language of the slip's own words")
    sample.add_argument("--time-zone", default=None, help="time zone of the printed date (default Asia/Shanghai)")
    sample.add_argument("--nv-seal", metavar="KEY",
                        help="render as if the seal were stored in the printer's NV memory under KEY")
    sample.set_defaults(func=_sample)

    store = sub.add_parser("store-seal", help="store a seal in the printer's NV memory once; slips then print it "
                                              "by key (refuses an identical rewrite and more than 10 writes a day)")
    store.add_argument("--config", help="configuration file (default: as for `kiosk run`)")
    store.add_argument("--seal-text", help="text around the seal (the issuing department's name)")
    store.add_argument("--seal-label", default="业务专用章", help="text under the star (default 业务专用章)")
    store.add_argument("--document", help="take the seal from this document JSON instead")
    store.add_argument("--key", help="two-character NV key (default: the first free of S1, S2, …)")
    store.set_defaults(func=_store_seal)

    seals = sub.add_parser("seals", help="seals stored in the printer's NV memory and the writes of the last day")
    seals.add_argument("--config", help="configuration file (default: as for `kiosk run`)")
    seals.set_defaults(func=_seals)

    detect = sub.add_parser("detect", help="USB printers present, their ids and the udev rule for the kiosk user")
    detect.add_argument("--user-group", default="kiosk", help="group the udev rule grants access (default: kiosk)")
    detect.set_defaults(func=_detect)

    virtual = sub.add_parser("virtual", help="run a virtual network printer that stores jobs and their PNGs")
    virtual.add_argument("--port", type=tcp_port, default=9100, help="TCP port (default 9100)")
    virtual.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    virtual.add_argument("--out", required=True, help="folder for job-NNNN.bin and job-NNNN.png")
    virtual.add_argument("--control-port", type=tcp_port, help="port for fault commands (`fault paper_out`)")
    virtual.add_argument("--width", type=dots_width, default=576, help="paper width in dots (default 576)")
    virtual.add_argument("--fault", default="none", help="start with this fault (none, paper_out, cover_open, …)")
    virtual.add_argument("--nv-capacity", type=int, default=262144,
                         help="bytes of NV graphics memory for stored seals (default 262144)")
    virtual.set_defaults(func=_virtual)


def _fail(message: str, code: int = 1) -> int:
    print(f"kiosk printer: {message}", file=sys.stderr)
    return code


def _config(path: str | None):
    try:
        return load_config(path), None
    except ConfigError as exc:
        return None, "; ".join(exc.problems)


def _profiles(args) -> int:
    folder = Path(args.profiles_dir) if args.profiles_dir else default_profiles_dir()
    try:
        profiles = list_profiles(folder)
    except ProfileError as exc:
        return _fail(str(exc))
    if not profiles:
        return _fail(f"no printer profiles in {folder}")
    for profile in profiles:
        print(f"{profile.name}: {profile.description}")
        for name, value in profile.facts():
            print(f"    {name:<14} {value}")
    return 0


def _status(args) -> int:
    from kiosk.printing.connections import LinkError
    from kiosk.printing.service import PrinterService

    config, problem = _config(args.config)
    if config is None:
        return _fail(f"configuration problems: {problem}", 2)
    locale = args.locale or config.ui.locale
    try:
        service = PrinterService.status_reader(config)
    except (ProfileError, LinkError) as exc:
        return _fail(str(exc))
    try:
        status = service.status()
    finally:
        service.close()
    print(f"{service.link.describe()} ({service.profile.name})")
    print(f"{status.describe(locale)} [{status.state.value}{':' + status.error_kind if status.error_kind else ''}]")
    print(status.advice(locale))
    return 0 if status.ready else 1


def _test(args) -> int:
    from kiosk.shared.store import StoreError
    from kiosk.printing.connections import LinkError
    from kiosk.printing.service import PrinterService
    from kiosk.printing.spool import JobKind
    from kiosk.receipt.sample import test_page

    config, problem = _config(args.config)
    if config is None:
        return _fail(f"configuration problems: {problem}", 2)
    try:
        service = PrinterService.from_config(config)
    except (ProfileError, LinkError, StoreError) as exc:
        return _fail(str(exc))
    try:
        outcome = service.print_receipt(test_page(service.profile, config.terminal.id, config.terminal.hall),
                                        kind=JobKind.TEST)
    finally:
        service.close()
    locale = config.ui.locale
    if not outcome.ok:
        return _fail(f"test page not confirmed (job {outcome.job_id} stays in the spool): "
                     f"{outcome.status.describe(locale)}. {outcome.status.advice(locale)}")
    print(f"test page printed (job {outcome.job_id})" +
          (f"; picture: {outcome.preview_path}" if outcome.preview_path else ""))
    return 0


def _sample(args) -> int:
    from kiosk.receipt.escpos_render import render_escpos
    from kiosk.receipt.model import ReceiptError, receipt_from_document
    from kiosk.receipt.preview import render_preview

    from kiosk.receipt.dates import TimeZoneError
    from kiosk.receipt.layout import stored_seal_digest
    from kiosk.receipt.nv_graphics import NvError, check_key

    folder = Path(args.profiles_dir) if args.profiles_dir else default_profiles_dir()
    try:
        profile = load_profile(args.profile, folder)
    except ProfileError as exc:
        return _fail(str(exc))
    document, problem = _read_document(args.document)
    if document is None:
        return _fail(problem)
    try:
        receipt = receipt_from_document(document, application_number=args.application_number,
                                        reprint=args.reprint, status_line=args.status_line, locale=args.locale,
                                        zone=args.time_zone)
    except (ReceiptError, TimeZoneError) as exc:
        return _fail(f"{args.document or 'sample'}: {exc}")
    stored = None
    if args.nv_seal:
        if profile.nv_graphics == "none":
            return _fail(f"--nv-seal: printer profile {profile.name} has no NV graphics (nv_graphics = \"none\")")
        try:
            check_key(args.nv_seal)
        except NvError as exc:
            return _fail(f"--nv-seal: {exc}")
        stored = {stored_seal_digest(receipt, profile): args.nv_seal}
    data = render_escpos(receipt, profile, stored)
    try:
        _write_atomic(Path(args.out), data)
        if args.preview:
            tmp = Path(args.preview).with_name(Path(args.preview).name + ".part")
            render_preview(receipt, profile, stored).save(tmp, format="PNG")
            tmp.replace(args.preview)
    except OSError as exc:
        return _fail(f"cannot write the output: {exc}")
    print(f"{len(data)} bytes for {profile.name} written to {args.out}" +
          (f"; preview {args.preview}" if args.preview else ""))
    return 0


def _read_document(path: str | None):
    """(Document, None) from a JSON file in the central API's format (the built-in sample when no path),
    or (None, the problem in one line)."""
    from kiosk.central.errors import CentralError
    from kiosk.central.models import Document
    from kiosk.receipt.sample import sample_document

    if not path:
        return sample_document(), None
    try:
        return Document.from_json(json.loads(Path(path).read_text(encoding="utf-8"))), None
    except OSError as exc:
        return None, f"{path}: cannot be read: {exc.strerror}"
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return None, f"{path}: not valid JSON: {exc}"
    except CentralError as exc:
        return None, f"{path}: not a document: {exc}"


def _nv_service(config_path: str | None):
    """(PrinterService, None) for the configured printer, or (None, exit code after printing the problem)."""
    from kiosk.printing.connections import LinkError
    from kiosk.printing.service import PrinterService
    from kiosk.shared.store import StoreError

    config, problem = _config(config_path)
    if config is None:
        return None, _fail(f"configuration problems: {problem}", 2)
    try:
        return PrinterService.from_config(config), None
    except (ProfileError, LinkError, StoreError) as exc:
        return None, _fail(str(exc))


def _store_seal(args) -> int:
    from kiosk.printing.connections import LinkError
    from kiosk.printing.nv_seal import SealStoreError, SealUnchanged, store_seal

    if bool(args.seal_text) == bool(args.document):
        return _fail("store-seal: give either --seal-text (and --seal-label) or --document", 2)
    if args.document:
        document, problem = _read_document(args.document)
        if document is None:
            return _fail(problem)
        seal_text, seal_label = document.seal_text, document.seal_label
    else:
        seal_text, seal_label = args.seal_text, args.seal_label
    service, code = _nv_service(args.config)
    if service is None:
        return code
    try:
        outcome = store_seal(service, seal_text, seal_label, args.key)
    except SealUnchanged as exc:
        print(str(exc))
        return 0
    except (SealStoreError, LinkError) as exc:
        return _fail(f"seal not stored: {exc}")
    finally:
        service.close()
    print(f"seal {seal_text!r} stored under key {outcome.key!r}: {outcome.bytes} bytes of NV memory "
          f"({outcome.free_before} were free); NV writes in the last 24 hours: {outcome.writes_today}. "
          f"Slips now print it by key.")
    return 0


def _seals(args) -> int:
    import time

    from kiosk.printing.nv_seal import DAY_SECONDS, WRITES_PER_DAY

    service, code = _nv_service(args.config)
    if service is None:
        return code
    try:
        profile = service.profile
        records = service.seals.records(service.printer_id)
        on_printer = service.nv_keys() if profile.nv_graphics == "gs_l" else None
        writes = service.seals.writes_since(service.printer_id, time.time() - DAY_SECONDS)
    finally:
        service.close()
    print(f"{service.printer_id}: NV graphics {profile.nv_graphics}")
    for r in records:
        state = "" if on_printer is None else (" (on the printer)" if r.key in on_printer else " (MISSING on the "
                                               "printer: slips send the seal as a raster)")
        print(f"    {r.key}  {r.seal_text} / {r.seal_label}  {r.bytes} bytes{state}")
    if not records:
        print("    no seal stored by this terminal")
    if on_printer is not None:
        print(f"keys the printer lists: {', '.join(on_printer) or 'none'}")
    print(f"NV writes in the last 24 hours: {writes} of {WRITES_PER_DAY}")
    return 0


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def _detect(args) -> int:
    from kiosk.printing.detect import detect_printers

    try:
        report = detect_printers(args.user_group)
    except RuntimeError as exc:
        return _fail(str(exc))
    print(report)
    return 0


def _virtual(args) -> int:
    from kiosk import plugins

    try:
        run = plugins.load("command.printer_virtual", "kiosk printer virtual")
    except plugins.PluginMissing as exc:
        return _fail(str(exc), 2)
    return run(args)
