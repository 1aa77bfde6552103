"""The `kiosk central` sub-commands: serve the reference central, register terminals and staff, migrate.

Found by the kiosk's command line through its plugin entry point; a terminal without this package has none."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from central_server.workers import MAX_THREADS_PER_WORKER, THREADS_PER_WORKER
from kiosk.argtypes import positive_int, tcp_port

DB_HELP = ("the server's database: a SQLite file (created if missing) or a URL, "
           "postgresql+psycopg://user@host:port/dbname; default: $KIOSK_CENTRAL_DB (a URL with a password is "
           "better there than on a command line every local user can read)")
DB_VARIABLE = "KIOSK_CENTRAL_DB"


def _add_database_option(parser) -> None:
    parser.add_argument("--db", default=os.environ.get(DB_VARIABLE) or None,
                        required=not os.environ.get(DB_VARIABLE), help=DB_HELP)


def register(subparsers) -> None:
    """Add `central` and its actions to the `kiosk` parser."""
    central = subparsers.add_parser("central", help="the reference central server")
    sub = central.add_subparsers(dest="central_command", metavar="ACTION")
    central.set_defaults(func=lambda args: _usage(central))

    serve = sub.add_parser("serve", help="run the reference central server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=tcp_port, default=8600, help="port to listen on (default 8600; 0 picks one)")
    _add_database_option(serve)
    serve.add_argument("--public-url", default=None,
                       help="base URL phones and printed slips use (default: the URL each request came to)")
    serve.add_argument("--device-interval", type=positive_int, default=None, help="RFC 8628 polling interval in seconds")
    serve.add_argument("--catalog", default=None, help="catalogue JSON file (default: the sample catalogue)")
    serve.add_argument("--workers", type=positive_int, default=1,
                       help="worker processes (default 1: one threaded process); with more, uWSGI serves them "
                            "behind its HTTP router with keep-alive, sharing the database (a province's central); "
                            "one a CPU")
    serve.add_argument("--threads", type=positive_int, default=None,
                       help=f"threads of each worker process, with --workers (default {THREADS_PER_WORKER}, "
                            f"at most {MAX_THREADS_PER_WORKER}: a worker keeps a database connection for each)")
    serve.add_argument("--demo", action="store_true",
                       help="add the phone simulator (/phone: sample citizens, approve as any of them)")
    serve.set_defaults(func=_serve)

    many = sub.add_parser("add-terminals", help="register a list of terminals at once (CSV id,name,hall or JSON) "
                                                "and write a secret file (mode 0600) for each")
    _add_database_option(many)
    many.add_argument("--file", required=True, help="the list: CSV with the header id,name,hall, or a JSON array")
    many.add_argument("--secrets-dir", required=True,
                      help="folder for the secret files, one per terminal (ID.secret); an existing one is kept")
    many.add_argument("--new-secrets", action="store_true",
                      help="give terminals already registered a new secret when their file is not in --secrets-dir "
                           "(otherwise that is refused: the secret installed on them would stop working)")
    many.set_defaults(func=_add_terminals)

    staff = sub.add_parser("add-staff", help="create or update a login for the staff pages (password on stdin)")
    _add_database_option(staff)
    staff.add_argument("--user", required=True, help="the login name")
    staff.add_argument("--role", choices=("hall", "admin"), required=True,
                       help="hall: sees the terminals of --hall; admin: the province's, all of them")
    staff.add_argument("--hall", default="", help="the hall, as the terminals were registered (role hall)")
    staff.set_defaults(func=_add_staff)

    add = sub.add_parser("add-terminal", help="register a terminal and write its secret file (mode 0600)")
    _add_database_option(add)
    add.add_argument("--id", required=True, help="terminal id, e.g. T-0001")
    add.add_argument("--name", required=True, help="name shown on the phone page, e.g. 1号自助终端")
    add.add_argument("--hall", required=True, help="where the terminal stands, shown on the phone page")
    add.add_argument("--secret-file", required=True,
                     help="file for the terminal's secret: created if missing, reused if it exists")
    add.set_defaults(func=_add_terminal)

    migrate = sub.add_parser("migrate", help="bring the server's database to the newest schema (serve does it too)")
    _add_database_option(migrate)
    migrate.set_defaults(func=_migrate)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _fail(message: str, code: int = 1) -> int:
    print(f"kiosk: {message}", file=sys.stderr)
    return code


def _with_store(db: str, work) -> int:
    """Open the server's store, run `work(store)` and close it: 0, or the exit code of what failed (a store
    that cannot be opened is named in one line)."""
    from central_server.storage import CentralStore
    from kiosk.shared.store import StoreError

    try:
        store = CentralStore(db)
    except StoreError as exc:
        return _fail(str(exc))
    try:
        return work(store) or 0
    finally:
        store.close()


def _serve(args) -> int:
    from werkzeug.serving import make_server

    from central_server.app import DEFAULT_DEVICE_INTERVAL, close_app, create_app
    from kiosk.shared.store import StoreError

    if not 0 <= args.port <= 65535:
        return _fail(f"--port must be from 0 to 65535, got {args.port}", 2)
    options = {"database": args.db, "public_base_url": args.public_url, "catalog_path": args.catalog,
               "device_interval": args.device_interval or DEFAULT_DEVICE_INTERVAL, "demo": args.demo}
    try:
        app = create_app(**options)   # checks the database and catalogue, and migrates the schema, before any worker
    except (StoreError, OSError, ValueError, KeyError) as exc:
        return _fail(f"cannot start the central server: {exc}")
    if args.workers > 1:
        return _serve_with_workers(args, app, options)
    try:
        server = make_server(args.host, args.port, app, threaded=True)
    except OSError as exc:
        close_app(app)
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    url = f"http://{args.host}:{server.server_port}"
    phone = f"phone simulator {url}/phone, " if args.demo else ""
    print(f"central serving on {url}  ({phone}hall staff {url}/staff); Ctrl-C stops", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        close_app(app)
    return 0


def _serve_with_workers(args, checked_app, app_options: dict) -> int:
    from central_server.app import close_app
    from central_server.workers import serve_with_workers

    close_app(checked_app)
    if args.port == 0:
        return _fail("--port 0 cannot be used with --workers: give the port the workers share", 2)
    if args.threads is not None and args.threads > MAX_THREADS_PER_WORKER:
        return _fail(f"--threads {args.threads}: at most {MAX_THREADS_PER_WORKER}, as a worker keeps a database "
                     "connection open for each (and one for the nonce sweep)", 2)
    url = f"http://{args.host}:{args.port}"
    print(f"central serving on {url} with {args.workers} worker processes (hall staff {url}/staff); "
          "Ctrl-C stops", file=sys.stderr, flush=True)
    return serve_with_workers(app_options, args.host, args.port, args.workers, args.threads or THREADS_PER_WORKER)


def _add_terminal(args) -> int:
    from kiosk.central.signing import SecretFileError, create_secret_file, load_secret

    for name in ("id", "name", "hall"):
        if not getattr(args, name).strip():
            return _fail(f"--{name} must not be empty", 2)
    path = Path(args.secret_file)
    try:
        secret = load_secret(path) if path.exists() else create_secret_file(path)
    except SecretFileError as exc:
        return _fail(str(exc))
    code = _with_store(args.db, lambda store: store.register_terminal(args.id.strip(), args.name.strip(),
                                                                      args.hall.strip(), secret))
    if code:
        return code
    print(f"terminal {args.id} registered; its secret is in {path} (mode 0600). In the terminal's config.toml "
          f"set [central] credentials_file to a copy of that file.")
    return 0


def _add_terminals(args) -> int:
    import time

    from central_server.terminal_list import TerminalListError, read_terminal_list
    from kiosk.central.signing import SecretFileError, create_secret_file, load_secret
    from kiosk.shared.store import StoreError

    started = time.monotonic()
    try:
        listed = read_terminal_list(Path(args.file))
    except TerminalListError as exc:
        return _fail(str(exc), 2)
    folder = Path(args.secrets_dir)

    def register(store) -> int | None:
        # A known terminal whose secret file is not in the folder would get a new secret, and the one installed
        # on it would no longer be accepted: refused, unless replacing secrets is what is asked for.
        known = store.terminal_names({t.id for t in listed}, None)
        lost = [t.id for t in listed if t.id in known and not (folder / f"{t.id}.secret").exists()]
        if lost and not args.new_secrets:
            shown = ", ".join(lost[:10]) + (f" and {len(lost) - 10} more" if len(lost) > 10 else "")
            return _fail(f"nothing registered: {len(lost)} terminals are registered already and their secret files "
                         f"are not in {folder} ({shown}); give the folder their secrets were written to, or "
                         f"--new-secrets to give them new ones (each must then be installed on its terminal)", 2)
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            secrets = [(t, load_secret(path) if path.exists() else create_secret_file(path))
                       for t, path in ((t, folder / f"{t.id}.secret") for t in listed)]
        except (SecretFileError, OSError) as exc:
            return _fail(f"{folder}: {exc}")
        try:
            store.register_terminals([(t.id, t.name, t.hall, secret) for t, secret in secrets])
        except StoreError as exc:
            return _fail(f"nothing registered: {exc}")
        return None

    code = _with_store(args.db, register)
    if code:
        return code
    print(f"{len(listed)} terminals registered in {time.monotonic() - started:.1f} s; their secrets are in "
          f"{folder} (one ID.secret each, mode 0600)")
    return 0


def _add_staff(args) -> int:
    from central_server.staff_auth import StaffAccountError, add_staff

    password = sys.stdin.readline().rstrip("\r\n")

    def save(store) -> int | None:
        try:
            add_staff(store, args.user, password, args.role, args.hall)
        except StaffAccountError as exc:
            return _fail(str(exc), 2)
        return None

    code = _with_store(args.db, save)
    if code:
        return code
    print(f"staff login {args.user} ({args.role}{' of ' + args.hall if args.hall else ''}) saved; "
          "the password is kept only as a salted hash")
    return 0


def _migrate(args) -> int:
    from central_server.database import database_errors, database_url, open_engine, shown
    from central_server.migrate import current_revision, head_revision, upgrade
    from kiosk.shared.store import StoreError

    try:
        url = database_url(args.db)
        engine = open_engine(url)
    except StoreError as exc:
        return _fail(str(exc))
    try:
        with database_errors(url):
            before = current_revision(engine)
            upgrade(engine)
    except StoreError as exc:
        return _fail(f"cannot migrate: {exc}")
    finally:
        engine.dispose()
    head = head_revision()
    was = "already there" if before == head else f"was {before or 'empty, or from before migrations'}"
    print(f"{shown(url)}: schema at revision {head} ({was})")
    return 0
