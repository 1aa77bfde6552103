"""Replacing a file atomically: readers see the old content or the new, never a half-written file.

A temporary file in the same folder is written (and fsync'ed when asked), then renamed over the target."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | Path, data: bytes, mode: int | None = None, durable: bool = True) -> None:
    """Write `data` to `path` via a temp file + rename. `mode` defaults to the existing file's mode
    (and owner, when allowed), else 0644. With `durable`, file and folder are fsync'ed."""
    path = Path(path)
    existing = None
    try:
        existing = path.stat()
    except FileNotFoundError:
        pass
    if mode is None:
        mode = existing.st_mode & 0o7777 if existing else 0o644
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            if existing is not None and (existing.st_uid, existing.st_gid) != (os.getuid(), os.getgid()):
                try:
                    os.fchown(handle.fileno(), existing.st_uid, existing.st_gid)
                except PermissionError:
                    pass  # not root: the file becomes ours, with the same mode
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:   # clean up whatever went wrong (even Ctrl-C), then re-raise it: nothing is swallowed
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    if durable:
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
