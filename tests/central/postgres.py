"""A throwaway PostgreSQL cluster for the central tests: initdb in a temporary folder, listening on 127.0.0.1 only.

One cluster per test session, one database per test (copied from a migrated template); as root, the server runs
as the `postgres` system user, since PostgreSQL refuses to run as root."""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

SUPERUSER = "kiosk_test"
TEMPLATE = "kiosk_template"
FAST_AND_UNSAFE = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"   # tests only: a crash loses all
CONNECTIONS = "-c max_connections=200"


class PostgresUnavailable(Exception):
    """No cluster can be started here; the message says why and what to install."""


def server_binaries() -> Path:
    """The folder with initdb and pg_ctl: on PATH, from pg_config --bindir, or Debian's /usr/lib/postgresql/*/bin."""
    candidates = []
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).resolve().parent)
    if shutil.which("pg_config"):
        try:
            candidates.append(Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                                                  timeout=10, check=True).stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           key=lambda p: int(Path(p).parent.name), reverse=True)]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise PostgresUnavailable("PostgreSQL's server programs (initdb, pg_ctl) are not installed; on Debian: "
                              "apt-get install postgresql (deploy/bootstrap.sh does)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """A running cluster; `create_database` gives each test its own database, by URL."""
    bindir: Path
    root: Path
    port: int
    run_as: list[str]
    durable: bool = False      # PostgreSQL's own durability (fsync, synchronous commit), as in production
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def start(cls, durable: bool = False) -> Cluster:
        """A new cluster; tests run without fsync, benchmarks with PostgreSQL's durable defaults (`durable`)."""
        bindir = server_binaries()
        root = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        run_as: list[str] = []
        if os.geteuid() == 0:
            owner = _service_user()
            os.chown(root, owner.pw_uid, owner.pw_gid)
            run_as = ["runuser", "-u", owner.pw_name, "--"]
        cluster = cls(bindir, root, 0, run_as, durable)
        try:
            cluster._run("initdb", "-D", str(root / "data"), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                         "--locale=C", "--no-sync")
            cluster._listen()
            cluster._admin(f"CREATE DATABASE {TEMPLATE}")
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _listen(self, attempts: int = 3) -> None:
        """pg_ctl start on a free port (another program may take it between the choice and the start)."""
        for attempt in range(attempts):
            self.port = _free_port()
            options = f"-h 127.0.0.1 -p {self.port} -k {self.root} {CONNECTIONS}"
            options += "" if self.durable else f" {FAST_AND_UNSAFE}"
            try:
                self._run("pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "server.log"), "-w",
                          "-t", "60", "-o", options, "start")
                return
            except PostgresUnavailable:
                if attempt == attempts - 1:
                    raise

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self.run_as, str(self.bindir / program), *args], capture_output=True, text=True,
                              timeout=120, cwd=self.root)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PostgresUnavailable(f"{program} failed ({done.returncode}): {done.stderr.strip()[-2000:]}\n{tail}")

    def _admin(self, sql: str) -> None:
        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(sql)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    def create_database(self, template: str = TEMPLATE) -> str:
        """A new database (a copy of `template`: the migrated one, or template0 for an empty one); its URL."""
        name = f"central_{next(self._names)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def stop(self) -> None:
        if (self.root / "data" / "postmaster.pid").exists():
            subprocess.run([*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m",
                            "immediate", "-w", "stop"], capture_output=True, timeout=60, cwd=self.root)
        shutil.rmtree(self.root, ignore_errors=True)


def _service_user() -> pwd.struct_passwd:
    """The system user the server runs as when the tests run as root: postgres (the Debian package makes it)."""
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("the tests run as root and there is no postgres (or nobody) user to run PostgreSQL as")
