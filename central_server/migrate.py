"""Brings the reference central's database to the newest schema (Alembic revisions in migrations/) at start.

A database made before migrations existed (its tables, no alembic_version) is adopted by the first revision."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

ALEMBIC_INI = Path(__file__).resolve().parent / "migrations" / "alembic.ini"
LOCK_KEY = 0x6B696F736B   # PostgreSQL advisory lock: servers starting together migrate one after the other


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for our revisions; with a connection, the migrations run on it."""
    config = Config(str(ALEMBIC_INI))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every revision the database lacks, in one transaction."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None before the first."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision this version of the server knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder holds no revision"
    return head
