"""A province's fleet against the reference central under uWSGI, on SQLite and on PostgreSQL, stepping the load
up to saturation: step m is m provinces' fleets (4,300 terminals each, one heartbeat each 30 s: about 143 a
second each), in the steady state where half the beats write, plus a citizen visit a second.

Run: python benchmarks/central.py [--stores sqlite,postgresql] [--workers N] [--threads N] [--seconds 15].
Needs wrk (Debian: apt install wrk), which sends the heartbeats (see fleet_load.py). Prints, for each store
and step: the terminals, heartbeats offered and answered per second, p50/p95, visits' p50/p95, errors, the
generator's own lateness, and the CPU per request (from /proc) of the server (its processes and PostgreSQL's)
and of the generator; then the staff page's time with all the fleet registered (34,400 terminals), the
headroom measured (the highest step such that it and every step below it stayed within p95 <= 50 ms with no
errors while the generator kept to its schedule) and the load one CPU given to the server carries.
PostgreSQL runs with its durable defaults (fsync, synchronous commit) in a throw-away cluster on 127.0.0.1."""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from fleet_load import (FLEET_PREFIX, LoadGenerator, StepResult, cpu_seconds, fleet_ids,  # noqa: E402
                        fleet_secret, heartbeat_body)

PROVINCE_TERMINALS = 4300
BEAT_SECONDS = 30                                 # a terminal's heartbeat interval
PROVINCE_RATE = PROVINCE_TERMINALS / BEAT_SECONDS  # heartbeats per second
STEPS = (1, 2, 3, 4, 5, 6, 8)                     # multiples of the province: its fleet, and so its rate
FLEET_TERMINALS = PROVINCE_TERMINALS * max(STEPS)
WARM_UP_SECONDS = 5.0                             # at the province's rate, not measured: every worker warm
P95_TARGET_MS = 50.0
GENERATOR_LATE_LIMIT_S = 0.05                     # a step counts only if the load was sent on schedule
STAFF_TARGET_MS = 300.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(database: str) -> None:
    from central_server.staff_auth import add_staff
    from central_server.storage import CentralStore

    store = CentralStore(database)
    try:
        store.register_terminals([(t, f"{i % 40 + 1}号终端", f"第{i // 40 + 1}大厅", fleet_secret(t))
                                  for i, t in enumerate(fleet_ids(FLEET_TERMINALS))])
        add_staff(store, "admin", "bench-admin-password", "admin")
    finally:
        store.close()


def steady_state(database: str, terminals_in_step: int, start_at: float, rate: float, booted_at: float) -> None:
    """Leave the step's terminals as a fleet beating every 30 s for a while leaves them, so that the step's
    beats write as many rows as a province's do: terminal k beats at start_at + k / rate (fleet_load's
    schedule); its status is the one it will report, and its last write was 60 s before that beat for every
    other terminal (so that beat writes: "last seen" kept a minute fresh) and 30 s before it for the rest (it
    only reads). Half the beats write, as in a real fleet, however fast the step."""
    from sqlalchemy import Integer, case, cast, func, update

    from central_server.schema import terminals
    from central_server.storage import HEARTBEAT_WRITE_EVERY, CentralStore, stored_status

    status = json.loads(heartbeat_body(0))["status"]
    stored = stored_status({**status, "uptime": 3600}, booted_at + 3600)
    index = cast(func.substr(terminals.c.id, len(FLEET_PREFIX) + 1), Integer)
    store = CentralStore(database)
    try:
        with store.transaction() as tx:
            tx.connection.execute(update(terminals).where(terminals.c.id.startswith(FLEET_PREFIX, autoescape=True),
                                                          terminals.c.id < fleet_ids(terminals_in_step + 1)[-1])
                                  .values(status=stored, last_heartbeat=start_at + index / rate - case(
                                      (index % 2 == 0, HEARTBEAT_WRITE_EVERY), else_=BEAT_SECONDS)))
    finally:
        store.close()


def start_server(database: str, workers: int, threads: int | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kiosk", "central", "serve", "--db", database, "--port",
                               str(port), "--workers", str(workers),
                               *(["--threads", str(threads)] if threads else [])], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    import requests

    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            requests.get(base + "/api/v1/catalog", timeout=1)
            return server, base
        except requests.RequestException:       # refused, or accepted by the router before a worker is up
            if server.poll() is not None:
                raise SystemExit(f"central did not start: {server.stderr.read()[-2000:]}")
            time.sleep(0.2)
    raise SystemExit("central did not answer within 30 s")


def staff_page_ms(base: str, runs: int = 7) -> list[float]:
    import re

    import requests

    session = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(base + "/staff/login").text).group(1)
    session.post(base + "/staff/login", data={"username": "admin", "password": "bench-admin-password",
                                              "csrf_token": token}, allow_redirects=False)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        page = session.get(base + "/staff", timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        if page.status_code != 200:
            raise SystemExit(f"staff page answered {page.status_code}")
    return times


VISIT_REQUESTS = 4      # a visit: card login, catalogue check, submission, token revoked


def bench_store(kind: str, database: str, workers: int, threads: int | None, seconds: float,
                database_pids: list[int]) -> None:
    """The steps against one store; `database_pids` are the database server's processes (PostgreSQL), whose
    CPU counts as the server's."""
    prepare(database)
    server, base = start_server(database, workers, threads)
    best = 0.0
    generator = LoadGenerator()

    def step(multiple: float, step_seconds: float) -> tuple[StepResult, float]:
        """A fleet of `multiple` provinces beating every 30 s, in its steady state, and a visit a second; the
        result and the server's CPU seconds."""
        rate = PROVINCE_RATE * multiple
        start_at = generator.next_start(rate, step_seconds) + 1.0 + multiple * 0.3   # and the steady state set
        steady_state(database, round(PROVINCE_TERMINALS * multiple), start_at, rate, generator.booted_at)
        cpu_before = cpu_seconds([server.pid, *database_pids])
        result = generator.run_step(base, fleet_ids(round(PROVINCE_TERMINALS * multiple)), rate, 1.0,
                                    step_seconds, start_at=start_at)
        return result, cpu_seconds([server.pid, *database_pids]) - cpu_before

    try:
        print(f"\n{kind}: {FLEET_TERMINALS} terminals registered, uWSGI {workers} workers"
              f"{f' of {threads} threads' if threads else ''}, {seconds:.0f} s per step")
        step(1, WARM_UP_SECONDS)
        print("  terminals  offered/s  answered/s  hb p50   hb p95   visit p50  visit p95  errors  generator late p95  "
              "CPU/request: server  generator")
        cpu_per_request = []
        previous = 0
        for multiple in STEPS:
            rate = PROVINCE_RATE * multiple
            result, server_cpu = step(multiple, seconds)
            requests_served = result.heartbeats_answered + VISIT_REQUESTS * len(result.visit)
            cpu_per_request.append(server_cpu / requests_served * 1000)
            generator_cpu = result.generator_cpu / requests_served * 1000
            hb = [v * 1000 for v in result.heartbeat]
            visits = [v * 1000 for v in result.visit]
            errors = sum(result.errors.values())
            p95 = percentile(hb, 95)
            print(f"  {PROVINCE_TERMINALS * multiple:9d}  {rate:9.0f}  {result.heartbeats_answered / seconds:10.0f}  "
                  f"{statistics.median(hb):6.1f}ms {p95:6.1f}ms  "
                  f"{statistics.median(visits) if visits else float('nan'):7.1f}ms  {percentile(visits, 95):7.1f}ms  "
                  f"{errors:6d}  {percentile(result.lateness, 95) * 1000:8.1f}ms  {cpu_per_request[-1]:8.2f}ms  "
                  f"{generator_cpu:6.2f}ms  "
                  f"{dict(result.errors) or ''}"
                  f"{f' (wrk added {result.corrected_samples} latencies of its own)' if result.corrected_samples else ''}")
            on_schedule = percentile(result.lateness, 95) <= GENERATOR_LATE_LIMIT_S
            if p95 <= P95_TARGET_MS and errors == 0 and on_schedule and best == previous:
                best = multiple               # this step and every one below it met the target, as offered
            previous = multiple
            if p95 > 4 * P95_TARGET_MS and percentile(result.lateness, 95) < 0.05:
                break                                   # the server saturated (not the generator): more only queues
        staff = staff_page_ms(base)
        print(f"  staff page with {FLEET_TERMINALS} terminals registered: median {statistics.median(staff):.0f} ms, "
              f"p95 {percentile(staff, 95):.0f} ms (goal <= {STAFF_TARGET_MS:.0f} ms)")
        print(f"  headroom: {best:.0f}x the province ({PROVINCE_TERMINALS} terminals, {PROVINCE_RATE:.0f} heartbeats/s, "
              f"half of them writing; every step up to it within "
              f"p95 <= {P95_TARGET_MS:.0f} ms, no errors, and sent on schedule: the generator's lateness p95 <= "
              f"{GENERATOR_LATE_LIMIT_S * 1000:.0f} ms), measured with the generator on the same CPUs")
        cost = statistics.median(cpu_per_request)
        print(f"  server CPU per request (median of the steps): {cost:.2f} ms, so one CPU serves about "
              f"{1000 / cost:.0f} requests/s: {1000 / cost / PROVINCE_RATE:.1f}x the province's load per CPU "
              f"given to the server{' and PostgreSQL' if database_pids else ''}")
    finally:
        generator.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="uWSGI workers (default: one a CPU)")
    parser.add_argument("--threads", type=int, default=None, help="threads a worker (default: the server's)")
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, generator and server on the same machine")
    for kind in args.stores.split(","):
        if kind == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                bench_store(kind, str(Path(folder) / "central.sqlite3"), args.workers, args.threads, args.seconds, [])
        else:
            sys.path.insert(0, str(REPO))
            from tests.central.postgres import Cluster

            cluster = Cluster.start(durable=True)      # fsync and synchronous commit on, as in production
            try:
                postmaster = int((cluster.root / "data" / "postmaster.pid").read_text().split()[0])
                bench_store(kind, cluster.create_database("template0"), args.workers, args.threads, args.seconds,
                            [postmaster])
            finally:
                cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
