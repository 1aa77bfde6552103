"""The log file on a disk that fails says so once, in one line naming the file; error descriptions for log
lines carry the cause (key or file), not only the exception class."""
from __future__ import annotations

import logging
import subprocess

import pytest

from kiosk.errors import describe_error
from kiosk.ops.logs import LogFileHandler
from kiosk.shared.store import StoreError


def test_describe_error_names_the_cause_not_only_the_class():
    assert describe_error(ValueError("key 'central.read_timeout' must be above 0")) == \
        "ValueError: key 'central.read_timeout' must be above 0"
    assert describe_error(StoreError("/var/lib/kiosk/kiosk.sqlite3: disk I/O error\nmore")) == \
        "StoreError: /var/lib/kiosk/kiosk.sqlite3: disk I/O error more"
    try:
        try:
            raise OSError(28, "No space left on device", "/var/lib/kiosk/x")
        except OSError as inner:
            raise RuntimeError() from inner
    except RuntimeError as exc:
        assert "No space left on device" in describe_error(exc)
    assert describe_error(KeyError()) == "KeyError"


def test_a_log_file_on_a_full_disk_is_one_line_once(tmp_path, capsys):
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True,
                          text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): needs root or CAP_SYS_ADMIN")
    logger = logging.getLogger("test.full-disk")
    handler = LogFileHandler(disk / "kiosk.log", maxBytes=10_000_000, backupCount=1, encoding="utf-8")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for i in range(400):
            logger.warning("record %d %s", i, "x" * 400)
    finally:
        logger.removeHandler(handler)
        handler.close()
        subprocess.run(["umount", "-l", str(disk)], check=False)
    err = capsys.readouterr().err
    assert err.count("cannot write the log file") == 1, err
    assert str(disk / "kiosk.log") in err and "No space left on device" in err and "Traceback" not in err
