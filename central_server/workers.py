"""The reference central as a province runs it: uWSGI's HTTP router (C, one event loop holding the terminals'
keep-alive connections, thousands of them) in front of several worker processes with threads, on one database.

The schema is migrated before uWSGI starts (each worker then only finds it up to date, and its sample citizens
and session key there already). Each worker makes its own app after the fork (no database pool
shared across processes) from the options left in its environment, and keeps signed requests' nonces in the
database, so a copy sent to another worker is refused as a replay. uWSGI runs as a child of this process,
which hands SIGTERM and Ctrl-C on to it (a graceful stop: requests under way are answered) and cleans up."""
from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

THREADS_PER_WORKER = 4     # on 2 CPUs, 2 workers of 4 did no worse than of 8 (benchmarks/central.py; the
                           # comparison is within that machine's noise): change it with --threads
MAX_THREADS_PER_WORKER = 9  # a worker keeps one database connection open for each, and one for the nonce sweep
KEEPALIVE_SECONDS = 35     # longer than a terminal's heartbeat interval (30 s): its connection stays open
GRACE_SECONDS = 10         # how long requests under way may take to finish at a stop
LISTEN_BACKLOG = 1024      # connections waiting to be accepted (a hall's terminals reconnecting at once)
APP_OPTIONS = "KIOSK_CENTRAL_APP_OPTIONS"     # environment: create_app's options, JSON
PR_SET_PDEATHSIG = 1       # prctl(2): the signal a process gets when its parent dies


def uwsgi_arguments(host: str, port: int, workers: int, socket_path: Path,
                    threads: int = THREADS_PER_WORKER) -> list[str]:
    """uWSGI's command line: the HTTP router on host:port with keep-alive, `workers` processes of `threads`
    threads behind it on a private Unix socket, each loading `central_server.wsgi`."""
    return ["--master", "--need-app", "--lazy-apps", "--enable-threads", "--strict", "--die-on-term", "--no-orphans",
            "--http", f"{host}:{port}", "--http-keepalive", "--http-timeout", str(KEEPALIVE_SECONDS),
            "--socket", str(socket_path), "--chmod-socket=600", "--vacuum",
            "--processes", str(workers), "--threads", str(threads),
            "--listen", str(min(LISTEN_BACKLOG, _somaxconn())),
            "--module", "central_server.wsgi:application",
            "--hook-master-start", "unix_signal:15 gracefully_kill_them_all",
            "--worker-reload-mercy", str(GRACE_SECONDS), "--reload-mercy", str(GRACE_SECONDS),
            "--disable-logging", "--log-5xx", "--binary-path", sys.executable]


def serve_with_workers(app_options: dict[str, Any], host: str, port: int, workers: int,
                       threads: int = THREADS_PER_WORKER) -> int:
    """Run uWSGI until it stops; its exit status. SIGTERM or Ctrl-C here stop it gracefully, and brutally when
    that has not ended it within GRACE_SECONDS (a worker still loading its app ignores the graceful stop)."""
    environment = {**os.environ, APP_OPTIONS: json.dumps(app_options)}
    with tempfile.TemporaryDirectory(prefix="kiosk-central-") as folder:     # 0700: only this user connects
        command = [sys.executable, "-c", "import sys, pyuwsgi; sys.exit(pyuwsgi.run())",
                   *uwsgi_arguments(host, port, workers, Path(folder) / "workers.sock", threads)]
        # Its own process group: the last resort below reaches every one of its processes.
        parent = os.getpid()
        server = subprocess.Popen(command, env=environment, preexec_fn=lambda: _stop_with_parent(parent),
                                  start_new_session=True)
        escalation = [(signal.SIGINT, GRACE_SECONDS), (signal.SIGKILL, 5.0)]    # uWSGI's SIGINT: stop all now
        next_step: list[float] = []

        def stop(_signum: int, _frame: Any) -> None:
            if not next_step:
                next_step.append(time.monotonic() + escalation[0][1])
                server.send_signal(signal.SIGTERM)

        previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            while True:
                try:
                    return server.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    if next_step and escalation and time.monotonic() > next_step[0]:
                        number, _ = escalation.pop(0)
                        _signal_group(server.pid, number)
                        next_step[0] = time.monotonic() + (escalation[0][1] if escalation else 0)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            _signal_group(server.pid, signal.SIGKILL)     # whatever of it is left, a worker whose master died too
            if server.poll() is None:
                server.wait()


def _stop_with_parent(parent: int) -> None:
    """In uWSGI's master before it starts: it is killed if this process dies without stopping it, and its router
    and workers die with it (uWSGI has the kernel do that for them). Not SIGINT: until uWSGI sets its handlers,
    the Python it runs in catches that one and never acts on it. If this process died already, it stops at once."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)


def _signal_group(group: int, number: int) -> None:
    try:
        os.killpg(group, number)
    except ProcessLookupError:      # every process of it has ended
        pass


def _somaxconn() -> int:
    """The kernel's cap on a listen backlog: uWSGI refuses to start when asked for more."""
    try:
        return int(Path("/proc/sys/net/core/somaxconn").read_text())
    except (OSError, ValueError):
        return 128
