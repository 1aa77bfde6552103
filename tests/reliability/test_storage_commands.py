"""Storage faults through the kiosk's own commands (`run --exit-after-paint`, `status`, `outbox`): a data
directory that is full (a real 256 KiB tmpfs), read-only, a file; a damaged kiosk.sqlite3 or spool.sqlite3;
random overwritten pages; a missing WAL. Each is one line naming the file and the remedy, exit 2, no traceback."""
from __future__ import annotations

import os
import random
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.outbox import Outbox
from kiosk.core.storage import StorageFault, prepare_storage
from kiosk.shared.store import open_db

REPO = Path(__file__).resolve().parents[2]


def write_config(folder: Path, data_dir: Path) -> Path:
    path = folder / "config.toml"
    path.write_text(f"""
[terminal]
id = "T-STORE-01"
name = "存储测试终端"
hall = "测试大厅"

[central]
base_url = "embedded"

[printer]
profile = "generic-80mm"
connection = "virtual"

[ui]
fullscreen = false
voice = false

[data]
dir = "{data_dir}"
""", encoding="utf-8")
    return path


def kiosk(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    env.pop("KIOSK_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "kiosk", *argv], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


def all_three(config: Path) -> dict[str, subprocess.CompletedProcess]:
    folder = config.parent
    return {"run": kiosk("run", "--config", str(config), "--exit-after-paint", cwd=folder),
            "status": kiosk("status", "--config", str(config), cwd=folder),
            "outbox": kiosk("outbox", "--config", str(config), cwd=folder)}


def assert_one_clear_line(done: subprocess.CompletedProcess, names: str, *words: str) -> None:
    text = done.stdout + done.stderr
    assert done.returncode == 2, text
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if names in line]
    assert lines, f"nothing names {names}: {text}"
    assert any(all(w in line for w in words) for line in lines), f"no line says {words}: {text}"


def _mount(target: Path, options: str) -> None:
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True,
                          text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'mount failed'}): the test needs root "
                    "or CAP_SYS_ADMIN to make a real small or read-only disk")


@pytest.fixture
def small_disk(tmp_path):
    """A real 256 KiB file system, unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    _mount(mount_point, "size=256k,mode=0755")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path) -> None:
    """Use every free block of `disk`."""
    with open(disk / "filler", "wb", buffering=0) as filler:
        for size in (16384, 4096, 512, 1):
            try:
                while True:
                    filler.write(b"\0" * size)
            except OSError:
                continue


def make_outbox(data_dir: Path, n: int = 3) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    conn = open_db(data_dir / "kiosk.sqlite3")
    outbox = Outbox(conn)
    for i in range(n):
        outbox.add("rating", {"application_number": f"A{i:04d}", "level": "satisfied", "pad": "x" * 300},
                   f"key-{i:04d}")
    conn.close()


def test_a_data_directory_that_is_a_file(tmp_path):
    data = tmp_path / "var"
    data.write_text("not a folder")
    done = all_three(write_config(tmp_path, data))
    for command, result in done.items():
        assert_one_clear_line(result, str(data), "is a file")
    assert "no outbox yet" not in done["outbox"].stdout


def test_a_full_data_disk(small_disk, tmp_path):
    data = small_disk / "var"
    make_outbox(data)
    fill(small_disk)
    done = all_three(write_config(tmp_path, data))
    for result in done.values():
        assert_one_clear_line(result, str(data), "free", "free some space")
    assert "no outbox yet" not in done["outbox"].stdout


def test_a_full_disk_while_creating_the_databases_names_the_file(small_disk):
    """Below the free-space check: SQLite itself runs out of room creating kiosk.sqlite3."""
    data = small_disk / "var"
    fill(small_disk)
    with pytest.raises(StorageFault) as caught:
        prepare_storage(data, min_free=0)
    message = str(caught.value)
    assert "kiosk.sqlite3" in message and ("full" in message or "No space" in message)


def test_a_read_only_data_disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    _mount(mount_point, "size=1m,mode=0755")
    try:
        make_outbox(mount_point / "var")
        subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True)
        done = all_three(write_config(tmp_path, mount_point / "var"))
        for result in done.values():
            assert_one_clear_line(result, str(mount_point / "var"), "read-only", "remount")
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_damaged_kiosk_database_stops_the_start_and_names_it(tmp_path):
    data = tmp_path / "var"
    data.mkdir()
    (data / "kiosk.sqlite3").write_bytes(b"this is not a database, it was overwritten" * 200)
    done = all_three(write_config(tmp_path, data))
    for result in done.values():
        assert_one_clear_line(result, "kiosk.sqlite3", "damaged", "move it aside")
    assert (data / "kiosk.sqlite3").exists()     # never replaced: it may hold requests not yet sent


def test_random_overwritten_pages_of_the_kiosk_database(tmp_path):
    data = tmp_path / "var"
    make_outbox(data, n=200)
    path = data / "kiosk.sqlite3"
    size = path.stat().st_size
    pages = size // 4096
    assert pages >= 5
    rng = random.Random(12)
    with open(path, "r+b") as f:
        for page in rng.sample(range(1, pages), 3):    # page 0 (the header) intact: damage deeper down
            f.seek(page * 4096)
            f.write(rng.randbytes(4096))
    done = all_three(write_config(tmp_path, data))
    for result in done.values():
        assert_one_clear_line(result, "kiosk.sqlite3", "damaged")


def _spool_with_a_job(data: Path) -> None:
    from kiosk.printing.spool import PrintSpool
    from kiosk.receipt.sample import test_page

    spool = PrintSpool(data / "spool.sqlite3")
    spool.add(test_page("zh_CN") if _takes_locale() else test_page())
    spool.close()


def _takes_locale() -> bool:
    import inspect

    from kiosk.receipt.sample import test_page
    return bool(inspect.signature(test_page).parameters)


def test_a_damaged_spool_is_set_aside_and_the_kiosk_runs(tmp_path):
    data = tmp_path / "var"
    make_outbox(data)
    (data / "spool.sqlite3").write_bytes(b"garbage" * 1000)
    config = write_config(tmp_path, data)
    done = kiosk("run", "--config", str(config), "--exit-after-paint", cwd=tmp_path)
    assert done.returncode == 0 and "first-paint" in done.stdout, done.stderr
    assert "Traceback" not in done.stderr
    aside = sorted(data.glob("spool.sqlite3.damaged-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == b"garbage" * 1000
    assert "spool.sqlite3" in done.stderr and aside[0].name in done.stderr
    assert aside[0].name in (data / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert sqlite3.connect(data / "spool.sqlite3").execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    outbox = kiosk("outbox", "--config", str(config), cwd=tmp_path)
    assert outbox.returncode == 0 and "pending 3" in outbox.stdout


def test_a_spool_damaged_while_running_is_set_aside_when_the_printer_service_opens_it(tmp_path, caplog):
    from kiosk.printing.spool import PrintSpool

    (tmp_path / "spool.sqlite3").write_bytes(b"\x00garbage" * 500)
    spool = PrintSpool(tmp_path / "spool.sqlite3")
    try:
        assert spool.unfinished() == []
    finally:
        spool.close()
    assert len(list(tmp_path.glob("spool.sqlite3.damaged-*"))) == 1
    assert any("spool.sqlite3" in r.getMessage() and "moved to" in r.getMessage() for r in caplog.records)


def test_a_missing_wal_after_a_crash_is_named_and_the_kiosk_starts(tmp_path):
    """A WAL deleted after a crash loses what was committed since the last checkpoint, nothing else: the
    database stays consistent. The kiosk says so in one line and starts."""
    live = tmp_path / "live"
    live.mkdir()
    conn = open_db(live / "kiosk.sqlite3")
    outbox = Outbox(conn)
    outbox.add("rating", {"application_number": "A1", "level": "satisfied"}, "key-before-checkpoint")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    outbox.add("rating", {"application_number": "A2", "level": "satisfied"}, "key-only-in-the-wal")
    data = tmp_path / "var"
    data.mkdir(mode=0o700)
    for name in ("kiosk.sqlite3", "kiosk.sqlite3-shm"):   # the disk as a crash left it, minus the WAL
        (data / name).write_bytes((live / name).read_bytes())
    assert (live / "kiosk.sqlite3-wal").stat().st_size > 0
    conn.close()
    config = write_config(tmp_path, data)
    done = kiosk("run", "--config", str(config), "--exit-after-paint", cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "kiosk.sqlite3-wal is missing" in done.stderr and "lost" in done.stderr
    listing = kiosk("outbox", "--config", str(config), cwd=tmp_path)
    assert listing.returncode == 0 and "pending 1" in listing.stdout
    check = sqlite3.connect(data / "kiosk.sqlite3")
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [r[0] for r in check.execute("SELECT idempotency_key FROM outbox")] == ["key-before-checkpoint"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_and_databases_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        data = tmp_path / "var"
        config = write_config(tmp_path, data)
        done = kiosk("run", "--config", str(config), "--exit-after-paint", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert _mode(data) == 0o700 and _mode(data / "logs") == 0o700
        for name in ("kiosk.sqlite3", "spool.sqlite3"):
            assert _mode(data / name) == 0o600, name
        conn = open_db(data / "kiosk.sqlite3")      # while open, the WAL and shared-memory files exist
        conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
        for name in ("kiosk.sqlite3-wal", "kiosk.sqlite3-shm"):
            assert _mode(data / name) == 0o600, name
        conn.close()
    finally:
        os.umask(old)


def test_an_existing_data_directory_and_databases_are_made_private(tmp_path):
    data = tmp_path / "var"
    make_outbox(data)
    os.chmod(data, 0o755)
    for name in ("kiosk.sqlite3", "kiosk.sqlite3-wal", "kiosk.sqlite3-shm"):
        if (data / name).exists():
            os.chmod(data / name, 0o644)
    (data / "kiosk.sqlite3-wal").write_bytes(b"") if not (data / "kiosk.sqlite3-wal").exists() else None
    os.chmod(data / "kiosk.sqlite3-wal", 0o644)
    prepare_storage(data, min_free=0)
    assert _mode(data) == 0o700
    assert _mode(data / "kiosk.sqlite3") == 0o600
    assert all(_mode(p) == 0o600 for p in data.glob("kiosk.sqlite3-*"))
