"""Open-loop load from a province's fleet of simulated terminals: signed heartbeats at a set rate, and citizen
visits (login by card code, catalogue check, submission) at another, each on keep-alive connections.

Heartbeats are signed before a step and sent by wrk (scheduled_requests.lua), so the generator takes little of
the CPUs it shares with the server; each request is sent at its scheduled moment, and how late the generator
was is reported, so a saturated generator is never mistaken for a slow server."""
from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

FLEET_PREFIX = "T-FLEET-"
HEARTBEAT_PATH = "/api/v1/heartbeat"
SCHEDULER = Path(__file__).with_name("scheduled_requests.lua")
SIGNING_SECONDS = 100e-6        # a heartbeat signed and laid out beforehand, generously (about 40 µs here)


def fleet_ids(count: int) -> list[str]:
    return [f"{FLEET_PREFIX}{i:05d}" for i in range(count)]


def fleet_secret(terminal_id: str) -> bytes:
    """Each simulated terminal's secret, derived from its id (the benchmark registers the same ones)."""
    return hashlib.sha256(f"fleet-benchmark:{terminal_id}".encode()).hexdigest().encode("ascii")


def heartbeat_body(uptime: int) -> bytes:
    """A terminal's status as `kiosk.ops.heartbeat` sends it; only the uptime changes from beat to beat. It is
    the seconds since the fleet started, as on a real terminal: an uptime that grew faster than the clock would
    move the start it implies, and make central write a beat that changed nothing."""
    return json.dumps({"status": {"version": "bench", "uptime": uptime, "printer": "ready", "paper": "ok",
                                  "spool_depth": 0, "outbox_depth": 0, "session_active": False,
                                  "out_of_service": False, "message": ""}, "acked": []}).encode()


@dataclass
class StepResult:
    """What one process measured in one step: seconds per request, failures, and how late sending was."""
    heartbeat: list[float] = field(default_factory=list)
    visit: list[float] = field(default_factory=list)
    lateness: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    generator_cpu: float = 0.0
    heartbeats_answered: int = 0
    corrected_samples: int = 0      # latencies wrk added of its own (see read_wrk_report)

    def merge(self, other: "StepResult") -> None:
        self.heartbeat += other.heartbeat
        self.heartbeats_answered += other.heartbeats_answered
        self.corrected_samples += other.corrected_samples
        self.visit += other.visit
        self.lateness += other.lateness
        for key, count in other.errors.items():
            self.errors[key] = self.errors.get(key, 0) + count


def signed_heartbeats(host: str, port: int, ids: list[str], rate: float, seconds: float, booted_at: float,
                      start_at: float) -> bytes:
    """The raw HTTP requests of a step's heartbeats, signed beforehand, in the order they are due: request k is
    terminal k's (round the fleet) at start_at + k / rate, reporting the uptime it will have then. Each is
    written as its length, a newline and its bytes, as scheduled_requests.lua reads them."""
    from kiosk.central.signing import sign_request

    out = []
    for index in range(int(rate * seconds)):
        terminal_id = ids[index % len(ids)]
        body = heartbeat_body(int(start_at + index / rate - booted_at))
        headers = sign_request(fleet_secret(terminal_id), terminal_id, "POST", HEARTBEAT_PATH, body,
                               now=start_at + index / rate).as_dict()        # stamped when it is due
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        raw = (f"POST {HEARTBEAT_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n{head}\r\n").encode("ascii") + body
        out.append(b"%d\n%s" % (len(raw), raw))
    return b"".join(out)


def read_wrk_report(report: str) -> StepResult:
    """What scheduled_requests.lua printed at the end of a run: the answers, every latency, every request's
    lateness, the errors wrk counted (HTTP statuses of 400 and above among them).

    wrk corrects its latencies for a closed loop before reporting them: for each one longer than the run's
    time per request on a connection, it adds made-up ones. With this open-loop schedule and many connections
    that time is long (a third of a second at 8x the province, 256 connections, 15 s steps), so only a step
    with answers that slow gets them; their number is kept, and the answers are counted from wrk's own count,
    never from the latencies."""
    result = StepResult()
    for line in report.splitlines():
        word, _, rest = line.partition(" ")
        if word == "completed":
            result.heartbeats_answered = int(rest)
        elif word == "latency":
            microseconds, count = rest.split()
            result.heartbeat += [int(microseconds) / 1e6] * int(count)
        elif word == "late":
            result.lateness.append(float(rest))
        elif word == "extra" and int(rest):
            result.errors["beyond the schedule"] = int(rest)    # a connection sending again after an error
        elif word == "errors":
            for pair in rest.split():
                kind, count = pair.split("=")
                if int(count):
                    result.errors[f"wrk {kind}"] = int(count)
    return result


def _send_heartbeats(base_url: str, ids: list[str], rate: float, seconds: float, start_at: float,
                     booted_at: float, connections: int) -> tuple[StepResult, float]:
    """One step's heartbeats, sent by wrk (C, one event loop): the generator then takes about 0.12 ms of CPU a
    request, signing and visits included, against 0.45-0.9 ms with a Python sender, which matters when it
    shares the machine with the server. Returns the result and the CPU seconds the generator spent (signing
    included)."""
    from urllib.parse import urlsplit

    where = urlsplit(base_url)
    cpu_before = time.process_time()
    prepared = signed_heartbeats(where.hostname or "127.0.0.1", where.port or 80, ids, rate, seconds,
                                 booted_at, start_at)
    signing_cpu = time.process_time() - cpu_before
    with tempfile.TemporaryDirectory(prefix="fleet-load-") as folder:
        requests_file = Path(folder) / "heartbeats"
        requests_file.write_bytes(prepared)
        report = Path(folder) / "report"
        with report.open("w") as out:
            wrk = subprocess.Popen(["wrk", "-t", "1", "-c", str(connections),
                                    "-d", f"{math.ceil(start_at - time.time() + seconds + 5)}s", "--timeout", "30s",
                                    "-s", str(SCHEDULER), base_url, "--", str(requests_file), repr(start_at),
                                    repr(rate)], stdout=out, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(wrk.pid, 0)
            wrk.returncode = os.waitstatus_to_exitcode(status)
        text = report.read_text()
    if wrk.returncode != 0:
        raise RuntimeError(f"wrk failed ({wrk.returncode}): {text[-2000:]}")
    result = read_wrk_report(text)
    result.corrected_samples = max(0, len(result.heartbeat) - result.heartbeats_answered)
    unanswered = int(rate * seconds) - result.heartbeats_answered    # wrk's read and timeout errors among them
    if unanswered > 0:
        result.errors["unanswered"] = unanswered
    return result, signing_cpu + usage.ru_utime + usage.ru_stime


def _run_visits(base_url: str, terminal_id: str, citizen_index: int, rate: float, seconds: float,
                start_at: float) -> StepResult:
    """Citizen visits as a terminal makes them: card login, catalogue check (ETag), a submission, the token
    revoked. One visit's seconds are the sum of its requests."""
    from central_server.citizens import SAMPLE_CITIZENS
    from kiosk.central.client import CentralClient
    from kiosk.central.errors import CentralError

    citizen = SAMPLE_CITIZENS[citizen_index]
    result = StepResult()
    client = CentralClient(base_url, terminal_id, fleet_secret(terminal_id), max_retries=0, read_timeout=30)
    etag = ""
    catalog = client.catalog()
    if catalog is not None:
        etag = catalog.etag
    for index in range(int(rate * seconds)):
        due = start_at + index / rate
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        sent = time.time()
        try:
            token = client.login_with_code(citizen.card_code)
            client.catalog(etag)
            client.submit(token, "sb-cbjfzm", {"name": citizen.name, "id_number": citizen.id_number,
                                               "year_from": "2020", "year_to": "2023", "purpose": "购房"},
                          f"visit-{terminal_id}-{start_at}-{index}")
            client.revoke(token)
        except CentralError as exc:
            result.errors[type(exc).__name__] = result.errors.get(type(exc).__name__, 0) + 1
            continue
        result.lateness.append(max(0.0, sent - due))
        result.visit.append(time.time() - sent)
    client.close()
    return result


def _warm(_index: int) -> int:
    """Import what a visit needs, so that the first measured one does not pay for it; the process id."""
    from central_server.citizens import SAMPLE_CITIZENS  # noqa: F401
    from kiosk.central.client import CentralClient  # noqa: F401

    return os.getpid()


class LoadGenerator:
    """The fleet's load, step after step: heartbeats signed beforehand and sent by wrk on `connections`
    keep-alive connections, and citizen visits from a Python process (started and warmed once) beside it."""

    def __init__(self, connections: int = 256):
        if shutil.which("wrk") is None:
            raise SystemExit("the load generator needs wrk (Debian: apt install wrk)")
        self.connections = connections
        # The fleet's terminals started an hour ago, on a whole minute: the start central derives from a beat
        # (its time less its uptime in whole seconds, sent up to half a minute late) rounds to that minute, so an
        # unchanged status stays unchanged.
        self.booted_at = (time.time() // 60 - 60) * 60
        self.visits = multiprocessing.get_context("spawn").Pool(1)
        self.visits_pid = self.visits.apply(_warm, (0,))

    @staticmethod
    def next_start(heartbeat_rate: float, seconds: float) -> float:
        """When a step asked for now can start: once all its heartbeats are signed."""
        return time.time() + 1.0 + heartbeat_rate * seconds * SIGNING_SECONDS

    def run_step(self, base_url: str, ids: list[str], heartbeat_rate: float, visit_rate: float, seconds: float,
                 citizen_index: int = 0, start_at: float | None = None) -> StepResult:
        """One step of load from `start_at` (by default, as soon as it can): `heartbeat_rate` heartbeats per
        second, terminal k of `ids` beating k-th, `visit_rate` visits per second from the first terminal, for
        `seconds`; both results merged, and the CPU the generator spent on it (signing, wrk, the visits'
        process) in `generator_cpu`."""
        visits_cpu_before = cpu_seconds([self.visits_pid])
        if start_at is None:
            start_at = self.next_start(heartbeat_rate, seconds)
        visits = None
        if visit_rate > 0:
            visits = self.visits.apply_async(_run_visits, (base_url, ids[0], citizen_index, visit_rate, seconds,
                                                           start_at))
        merged, sending_cpu = _send_heartbeats(base_url, ids, heartbeat_rate, seconds, start_at, self.booted_at,
                                               self.connections)
        if visits is not None:
            merged.merge(visits.get())
        merged.generator_cpu = sending_cpu + cpu_seconds([self.visits_pid]) - visits_cpu_before
        return merged

    def close(self) -> None:
        self.visits.close()
        self.visits.join()


def cpu_seconds(root_pids: list[int]) -> float:
    """CPU time (user + system) used so far by these processes and all their descendants, from /proc: the
    server's share of the machine, whoever else runs on it. Descendants that have ended count through their
    parents (the time of children waited for), so a PostgreSQL backend that ends within a step is counted."""
    ticks = os.sysconf("SC_CLK_TCK")
    parent_of: dict[int, int] = {}
    used: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue                                    # it ended meanwhile
        parent_of[int(entry)] = int(fields[1])
        used[int(entry)] = int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    wanted = set(root_pids)
    grew = True
    while grew:
        children = {pid for pid, parent in parent_of.items() if parent in wanted} - wanted
        grew = bool(children)
        wanted |= children
    return sum(used.get(pid, 0) for pid in wanted) / ticks
