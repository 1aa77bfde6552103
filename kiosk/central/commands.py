"""Sub-commands of `kiosk` owned by kiosk.central: `login-check` (the reference server's own are in
central_server.commands). Registered into the top-level parser by kiosk.cli; each returns an exit code."""
from __future__ import annotations

import sys


def register(subparsers) -> None:
    """Add this package's sub-commands to the `kiosk` parser."""
    check = subparsers.add_parser("login-check", help="try a QR login (RFC 8628 device flow) from this machine")
    check.add_argument("--config", default=None, help="configuration file (default: the usual search)")
    check.add_argument("--central", default=None,
                       help="base URL of the authorization server (default: central.base_url of the configuration)")
    check.add_argument("--client-id", default=None, help="client_id to send (default: terminal.id)")
    check.add_argument("--secret-file", default=None,
                       help="sign requests with this terminal secret (default: the configured one, when "
                            "talking to the configured central)")
    check.set_defaults(func=_login_check)


def _fail(message: str, code: int = 1) -> int:
    print(f"kiosk: {message}", file=sys.stderr)
    return code


def _login_check(args) -> int:
    from kiosk.central.login_check import LoginCheckError, run_login_check
    from kiosk.config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return _fail(f"configuration problem: {exc.problems[0]}" + (
            f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""), 2)
    try:
        return run_login_check(config, central_url=args.central, client_id=args.client_id,
                               secret_file=args.secret_file, out=sys.stdout)
    except LoginCheckError as exc:
        return _fail(str(exc))
