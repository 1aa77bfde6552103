"""Fixtures for the fleet-operation tests: a real SQLite store, a settable clock, a terminal config copy.

Nothing here fakes more than the clock; databases and files are real, under pytest's tmp_path."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.config import REPO_DIR
from kiosk.shared.store import open_db


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "kiosk.db"


@pytest.fixture
def db(db_path: Path):
    conn = open_db(db_path)
    yield conn
    conn.close()


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """A copy of the repository's working config.toml (data dir `var` beside it)."""
    target = tmp_path / "config.toml"
    shutil.copyfile(REPO_DIR / "config.toml", target)
    return target
