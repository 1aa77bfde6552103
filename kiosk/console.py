"""What every console command does first: load the configuration, or say in plain lines what is wrong with it.

Shared by `kiosk run`, `kiosk status`, `kiosk outbox` and the other sub-commands; prints, never raises."""
from __future__ import annotations

import sys

from kiosk.config import ConfigError, load_config


def load_or_report(path: str | None):
    """The config, or None after printing every problem to stderr."""
    try:
        return load_config(path)
    except ConfigError as exc:
        print("configuration problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return None


def secret_is_usable(config) -> bool:
    """Check the terminal's secret file before anything starts; prints why the kiosk refuses to run if not."""
    if config.is_embedded_central:
        return True
    from kiosk.central.signing import SecretFileError, load_secret

    try:
        load_secret(config.resolve(config.central.credentials_file))
    except SecretFileError as exc:
        print(f"the kiosk refuses to start: {exc}", file=sys.stderr)
        return False
    return True
