"""Open-loop load from a province's fleet of simulated terminals: signed heartbeats at a set rate, and citizen
visits (login by card code, catalogue check, submission) at another, each on keep-alive connections.

Sending runs in several processes so that the generator is not the bottleneck; each request is sent at its
scheduled moment, and how late the generator was is reported, so a saturated generator is never mistaken
for a slow server."""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, field

FLEET_PREFIX = "T-FLEET-"
HEARTBEAT_PATH = "/api/v1/heartbeat"


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

    def merge(self, other: "StepResult") -> None:
        self.heartbeat += other.heartbeat
        self.visit += other.visit
        self.lateness += other.lateness
        for key, count in other.errors.items():
            self.errors[key] = self.errors.get(key, 0) + count


def _send_heartbeats(base_url: str, ids: list[str], rate: float, seconds: float, start_at: float,
                     threads: int, booted_at: float) -> StepResult:
    """Signed heartbeats on keep-alive connections (http.client: far less of the generator's CPU per request
    than a full HTTP library, which matters when it shares the machine with the server)."""
    import http.client
    from urllib.parse import urlsplit

    from kiosk.central.signing import sign_request

    where = urlsplit(base_url)
    result = StepResult()
    total = int(rate * seconds)
    lock = threading.Lock()
    next_index = [0]

    def worker() -> None:
        connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= total:
                break
            due = start_at + index / rate
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            terminal_id = ids[index % len(ids)]
            body = heartbeat_body(int(time.time() - booted_at))
            headers = sign_request(fleet_secret(terminal_id), terminal_id, "POST", HEARTBEAT_PATH, body).as_dict()
            headers["Content-Type"] = "application/json"
            sent = time.time()
            try:
                connection.request("POST", HEARTBEAT_PATH, body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
                failure = "" if answer.status == 200 else f"HTTP {answer.status}"
            except (OSError, http.client.HTTPException) as exc:
                failure = type(exc).__name__
                connection.close()
                connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
            done = time.time()
            with lock:
                result.lateness.append(max(0.0, sent - due))
                if failure:
                    result.errors[failure] = result.errors.get(failure, 0) + 1
                else:
                    result.heartbeat.append(done - sent)
        connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return result


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


def _process_main(job: tuple) -> StepResult:
    kind = job[0]
    if kind == "heartbeats":
        return _send_heartbeats(*job[1:])
    return _run_visits(*job[1:])


def _warm(_index: int) -> int:
    """Import what sending needs, so that the first measured request does not pay for it; the process id."""
    import os

    from central_server.citizens import SAMPLE_CITIZENS  # noqa: F401
    from kiosk.central.client import CentralClient  # noqa: F401
    from kiosk.central.signing import sign_request  # noqa: F401

    time.sleep(0.05)            # hold this task, so that the other processes take the others
    return os.getpid()


class LoadGenerator:
    """Sending processes started and warmed once, then driven step after step: a step's schedule begins only
    when every process is ready, so start-up is never counted as lateness or as the server's time."""

    def __init__(self, processes: int = 2, threads: int = 12):
        self.processes = processes
        self.threads = threads
        self.booted_at = time.time() - 3600       # the fleet's terminals started an hour ago
        self.pool = multiprocessing.get_context("spawn").Pool(processes + 1)   # heartbeats, and one for visits
        deadline = time.time() + 60
        self.pids: set[int] = set()
        while len(self.pids) < processes + 1:
            self.pids |= set(self.pool.map(_warm, range(4 * (processes + 1)), chunksize=1))
            if time.time() > deadline:
                raise RuntimeError("the load generator's processes did not all start within 60 s")

    def run_step(self, base_url: str, ids: list[str], heartbeat_rate: float, visit_rate: float, seconds: float,
                 citizen_index: int = 0) -> StepResult:
        """One step of load: `heartbeat_rate` heartbeats per second spread over the fleet, `visit_rate` visits
        per second from the first terminal, for `seconds`; the results of every process merged."""
        start_at = time.time() + 0.3
        share = heartbeat_rate / self.processes
        jobs: list[tuple] = [("heartbeats", base_url, ids[i::self.processes], share, seconds,
                              start_at + i / heartbeat_rate, self.threads, self.booted_at)
                             for i in range(self.processes)]
        if visit_rate > 0:
            jobs.append(("visits", base_url, ids[0], citizen_index, visit_rate, seconds, start_at))
        merged = StepResult()
        for part in self.pool.map(_process_main, jobs, chunksize=1):
            merged.merge(part)
        return merged

    def close(self) -> None:
        self.pool.close()
        self.pool.join()


def cpu_seconds(root_pids: list[int]) -> float:
    """CPU time (user + system) used so far by these processes and all their descendants, from /proc: the
    server's share of the machine, whoever else runs on it."""
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
        used[int(entry)] = int(fields[11]) + int(fields[12])
    wanted = set(root_pids)
    grew = True
    while grew:
        children = {pid for pid, parent in parent_of.items() if parent in wanted} - wanted
        grew = bool(children)
        wanted |= children
    return sum(used.get(pid, 0) for pid in wanted) / ticks
