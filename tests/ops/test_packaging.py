"""The wheel carries every data file the kiosk reads (catalogues, default config, printer profiles, templates, the
central's migrations), and building it raises no packaging warning (an importable data folder left out of packages).
A terminal's build (KIOSK_PARTS=terminal) carries the kiosk alone: no reference central, no developer tools."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kiosk.config import REPO_DIR
from kiosk.i18n import LOCALES


def build_wheel(tmp_path_factory, parts: str) -> tuple[dict[str, bytes], str]:
    """Build the wheel from a copy of the sources, as `pip wheel --no-deps .` does on a fresh checkout; the
    archive's text files by name, and pip's log."""
    src = tmp_path_factory.mktemp("src")
    for name in ("setup.py", "README.md"):
        shutil.copy(REPO_DIR / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("kiosk", "kiosk_devtools", "central_server", "printers"):
        shutil.copytree(REPO_DIR / name, src / name, ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "-v", "-w", str(out),
                          str(src)], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "KIOSK_PARTS": parts})
    log = run.stdout + run.stderr
    if run.returncode != 0 and "No matching distribution found for setuptools" in log:
        pytest.skip("the build backend (setuptools) cannot be fetched: no package index reachable")
    assert run.returncode == 0, log[-3000:]
    wheel = next(out.glob("kiosk-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        return {n: archive.read(n) if n.endswith((".txt", "METADATA")) else b"" for n in archive.namelist()}, log


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    files, log = build_wheel(tmp_path_factory, "all")
    return set(files), log


def test_a_terminals_wheel_has_no_reference_central_developer_tools_or_their_dependencies(tmp_path_factory):
    files, _ = build_wheel(tmp_path_factory, "terminal")
    names = set(files)
    assert "kiosk/cli.py" in names and "kiosk/data/default-config.toml" in names
    assert not [n for n in names if n.startswith(("central_server/", "kiosk_devtools/"))]
    entry_points = next(data for name, data in files.items() if name.endswith("entry_points.txt")).decode()
    assert "kiosk = kiosk.cli:main" in entry_points and "kiosk.plugins" not in entry_points
    metadata = next(data for name, data in files.items() if name.endswith("METADATA")).decode()
    always = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert always and not [line for line in always if any(part in line.lower() for part in
                                                          ("flask", "sqlalchemy", "alembic", "pyuwsgi", "psycopg"))]


def test_the_wheel_holds_the_catalogues_default_config_printer_profiles_and_templates(built):
    names, _ = built
    for lang in LOCALES:
        assert f"kiosk/locale/{lang}/LC_MESSAGES/kiosk.mo" in names, lang
        assert f"kiosk/locale/{lang}/LC_MESSAGES/kiosk.po" in names, lang
    assert "kiosk/data/default-config.toml" in names
    profiles = {p.name for p in (REPO_DIR / "printers").glob("*.toml")}
    assert profiles and {n.rsplit("/", 1)[-1] for n in names if "/data/share/kiosk/printers/" in n} == profiles
    assert "central_server/data/sample-catalog.json" in names
    assert "central_server/data/templates/phone.html" in names
    migrations = REPO_DIR / "central_server" / "migrations"
    revisions = {p.relative_to(REPO_DIR).as_posix() for p in migrations.glob("versions/*.py")}
    assert revisions and revisions <= names
    for name in ("alembic.ini", "env.py", "script.py.mako"):
        assert f"central_server/migrations/{name}" in names
    assert "kiosk/locale/build.py" in names and "kiosk/errors.py" in names
    assert "central_server/commands.py" in names and "kiosk_devtools/virtual_printer.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_building_the_wheel_gives_no_packaging_warning(built):
    _, log = built
    assert "is absent from the `packages` configuration" not in log
    assert "would be ignored" not in log.lower()
