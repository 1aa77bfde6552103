"""A throw-away X display for tests and pictures that need a real X server: Xvfb with the openbox window
manager, on a display number Xvfb picks itself (-displayfd), stopped when the block ends."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator

NEEDED = ("Xvfb", "openbox", "xdotool")


class NoDisplay(RuntimeError):
    """Xvfb or the window manager is missing, or Xvfb could not start here."""


@contextlib.contextmanager
def x_display(size: str = "1920x1080x24") -> Iterator[dict[str, str]]:
    """The environment (DISPLAY set) of a fresh Xvfb with openbox running on it."""
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if missing:
        raise NoDisplay(f"{', '.join(missing)} not installed (deploy/bootstrap.sh installs them)")
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"],
                            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    if not number:
        xvfb.kill()
        raise NoDisplay("Xvfb could not start a display here")
    env = {**os.environ, "DISPLAY": f":{number}"}
    manager = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield env
    finally:
        for process in (manager, xvfb):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
