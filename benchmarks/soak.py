"""Soak run: N complete visits (Qt-free) against the reference central and a virtual network printer, with
central and printer faults injected at random; reports lost, doubled, memory, file descriptors and threads.

Run: python benchmarks/soak.py --visits 2000 [--seed 7] [--tracemalloc 100:1000]. Targets at N = 2000:
0 lost, 0 doubled, RSS growth ≤ 10 MB after warm-up, no growth in open file descriptors or threads.
The reference central, the fault proxy and the virtual printer run in a child process
(benchmarks/soak_services.py), so RSS, fds and threads are the terminal's own; the child's are shown apart."""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kiosk.central.device_flow import DeviceFlow  # noqa: E402
from kiosk.central.errors import CentralError  # noqa: E402
from kiosk.central.models import RATING_CODES  # noqa: E402
from kiosk_devtools.phone import PhoneSimulator  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.core.offline import is_pending_upload  # noqa: E402
from kiosk.core.session import Visit  # noqa: E402
from kiosk.terminal import Terminal  # noqa: E402
from benchmarks.soak_services import RemotePrinter, RemoteProxy, ServicesProcess  # noqa: E402
from tests.reliability.fault_proxy import Fault  # noqa: E402
from tests.reliability.visits import OFFLINE_ITEM, form_values  # noqa: E402

TERMINAL_ID = "T-SOAK-0001"
ITEMS = ("sb-cbjfzm", "yb-jfjlcx", "gjj-jczm", "sw-wszm", "bdc-djxxcx", OFFLINE_ITEM)
SUBMIT, RATE = "/api/v1/submissions", "/api/v1/ratings"
WARM_UP = 50
TRACE_TOP = 15


class VirtualClock:
    """Monotonic time that jumps forward instead of sleeping (the device flow's polling interval)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += max(0.0, seconds)


@dataclass
class Tally:
    visits: int = 0
    logins_failed: int = 0
    submitted: int = 0                    # the citizen got central's answer
    accepted_offline: int = 0             # the citizen got a 已受理，待上传 slip
    told_to_retry_later: int = 0          # the citizen was told central is unavailable
    print_failures: int = 0               # the first print did not go through (then staff fixed it)
    rated: int = 0
    faults: Counter = field(default_factory=Counter)
    visit_keys: list[tuple[str, bool]] = field(default_factory=list)   # (key, promised to the citizen)
    rated_keys: set[str] = field(default_factory=set)
    seconds: list[float] = field(default_factory=list)


def resources() -> dict[str, float]:
    status = Path("/proc/self/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if ":" in line)
    return {"rss_mb": int(fields["VmRSS"].split()[0]) / 1024, "fds": len(os.listdir("/proc/self/fd")),
            "threads": int(fields["Threads"].strip()), "py_threads": threading.active_count()}


def write_config(folder: Path, base_url: str, secret: Path, printer_port: int) -> Path:
    path = folder / "config.toml"
    path.write_text(f"""
[terminal]
id = "{TERMINAL_ID}"
name = "压力测试终端"
hall = "示范区政务服务中心"
[central]
base_url = "{base_url}"
credentials_file = "{secret}"
connect_timeout = 0.5
read_timeout = 0.5
[printer]
profile = "xprinter-xp-80c"
connection = "network"
[printer.network]
host = "127.0.0.1"
port = {printer_port}
timeout = 0.3
[data]
dir = "data"
""", encoding="utf-8")
    return path


def inject_faults(rng: random.Random, proxy: RemoteProxy, printer: RemotePrinter, tally: Tally,
                  rate: float) -> bool:
    """Random faults for one visit; returns whether central goes down just before the submission."""
    if rng.random() < rate:
        fault = rng.choice([Fault("status", 500), Fault("status", 503, retry_after="0"), Fault("reset"),
                            Fault("timeout_after_commit", hold=0.7), Fault("malformed_after_commit")])
        proxy.inject("POST", SUBMIT, fault, times=rng.choice([1, 1, 2, 4]))
        tally.faults[f"submit:{fault.kind}"] += 1
    if rng.random() < rate / 2:
        fault = rng.choice([Fault("status", 503, retry_after="0"), Fault("reset"), Fault("timeout", hold=0.7)])
        proxy.inject("POST", RATE, fault, times=rng.choice([1, 4]))
        tally.faults[f"rate:{fault.kind}"] += 1
    if rng.random() < rate / 2:
        kind = rng.choice(["paper_out", "cover_open", "drop"])
        printer.set_fault(kind, drop_after=rng.randint(512, 4096))
        tally.faults[f"printer:{kind}"] += 1
    down = rng.random() < rate / 3
    if down:
        tally.faults["central_down"] += 1
    return down


def one_visit(rng: random.Random, terminal: Terminal, phone: PhoneSimulator, proxy: RemoteProxy,
              printer: RemotePrinter, citizens: list[str], tally: Tally, fault_rate: float) -> None:
    central_down = inject_faults(rng, proxy, printer, tally, fault_rate)
    clock = VirtualClock()
    flow = DeviceFlow(terminal.client, clock=clock.now, sleep=clock.sleep)
    visit = Visit()
    try:
        auth = flow.start()
        phone.scan(auth.user_code)
        phone.approve(auth.user_code, rng.choice(citizens))
        progress = flow.poll()
        if progress.state != "approved":
            raise RuntimeError(f"login ended {progress.state}")
        visit.token = progress.token
        visit.profile = terminal.fetch_profile(visit.token)
    except (CentralError, RuntimeError):
        tally.logins_failed += 1
        proxy.clear()
        return
    visit.item = terminal.item(rng.choice(ITEMS))
    visit.values = form_values(visit.item, visit.profile)
    if central_down:
        proxy.down()
    try:
        result = None
        for attempt in range(2):             # the citizen taps 确认提交 a second time after an error
            try:
                result = terminal.submit(visit)
                break
            except CentralError:
                proxy.up()
        promised = result is not None
        tally.visit_keys.append((visit.idempotency_key, promised))
        if result is None:
            tally.told_to_retry_later += 1
            return
        if is_pending_upload(result):
            tally.accepted_offline += 1
        else:
            tally.submitted += 1
        outcome = terminal.print_result(result)
        if not outcome.ok:
            tally.print_failures += 1
            printer.set_fault("none")        # staff refill the paper / close the cover
            terminal.printer.resume_unfinished()
        visit.result = result
        try:
            terminal.rate(visit, rng.choice(RATING_CODES))
            tally.rated += 1
            tally.rated_keys.add(visit.idempotency_key)
        except CentralError:
            pass
    finally:
        proxy.up()
        proxy.clear()
        printer.set_fault("none")
        terminal.revoke(visit.token)
        visit.wipe()


def count_on_central(db_path: str, tally: Tally) -> dict[str, int]:
    """Lost and doubled, from central's own database (opened read-only)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        answers = {key: json.loads(body).get("application_number") for key, body in
                   db.execute("SELECT key, body FROM idempotent_answers WHERE endpoint = 'submission'")}
        apps = {number for (number,) in db.execute("SELECT number FROM applications")}
        rated = {number for (number,) in db.execute("SELECT application_number FROM ratings")}
    by_key = Counter()
    for key, _ in tally.visit_keys:
        if answers.get(key) in apps:
            by_key[key] += 1
    accounted = {answers[k] for k in by_key}
    promised_keys = [k for k, promised in tally.visit_keys if promised]
    lost = sum(1 for k in promised_keys if by_key[k] == 0)
    ratings_lost = sum(1 for k in tally.rated_keys if answers.get(k) not in rated)
    return {"applications": len(apps), "lost": lost, "ratings_lost": ratings_lost,
            "doubled": len(apps - accounted) + sum(n - 1 for n in by_key.values() if n > 1),
            "made_after_an_error": sum(1 for k, promised in tally.visit_keys if not promised and by_key[k]),
            "ratings": len(rated)}


def count_slips(paper: Path) -> dict[str, int]:
    """Slips in the virtual printer's folder: whole ones, of them marked 重印, and torn pieces."""
    slips = reprints = torn = 0
    for path in paper.glob("job-*.bin"):
        if path.stem.endswith("-torn"):
            torn += 1
            continue
        slips += 1
        reprints += "重印".encode("gb18030") in path.read_bytes()
    return {"slips": slips, "reprints": reprints, "torn": torn}


def parse_span(text: str) -> tuple[int, int]:
    first, _, last = text.partition(":")
    span = int(first), int(last)
    if not 0 <= span[0] < span[1]:
        raise argparse.ArgumentTypeError(f"expected FROM:TO visits with FROM < TO, got {text!r}")
    return span


def print_growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, span: tuple[int, int]) -> None:
    """The allocation sites whose live memory grew most between two snapshots (this process only)."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__),
              tracemalloc.Filter(False, "<frozen importlib._bootstrap>")]
    before, after = before.filter_traces(ignore), after.filter_traces(ignore)
    stats = after.compare_to(before, "lineno")
    total = sum(s.size_diff for s in stats)
    print(f"  tracemalloc, visits {span[0]} → {span[1]}: Python heap {total / 1024:+.0f} KiB "
          f"({total / max(1, span[1] - span[0]):+.0f} B per visit); top growth sites:")
    for stat in stats[:TRACE_TOP]:
        frame = stat.traceback[0]
        print(f"    {stat.size_diff / 1024:+8.1f} KiB {stat.count_diff:+6d} blocks  "
              f"{_short_path(frame.filename)}:{frame.lineno}")
    for stat in after.compare_to(before, "traceback")[:3]:
        print(f"    {stat.size_diff / 1024:+.1f} KiB allocated from:")
        for frame in stat.traceback.format(limit=6):
            print(f"      {frame.strip()}" if frame.startswith("  File") else f"        {frame.strip()}")


def _short_path(filename: str) -> str:
    for anchor in (str(REPO) + os.sep, "site-packages" + os.sep):
        if anchor in filename:
            return filename.split(anchor, 1)[1]
    return filename


def show(label: str, snap: dict[str, float], other: dict[str, float]) -> str:
    return (f"  {label:>16}: terminal RSS {snap['rss_mb']:.1f} MB, open fds {snap['fds']}, threads {snap['threads']} "
            f"(Python {snap['py_threads']}) | central+fakes RSS {other['rss_mb']:.1f} MB, fds {other['fds']}, "
            f"threads {other['threads']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fault-rate", type=float, default=0.15, help="chance of a central fault per visit")
    parser.add_argument("--tracemalloc", type=parse_span, metavar="FROM:TO",
                        help="trace Python allocations and show the sites that grew between these visits "
                             "(slows the run and inflates RSS: not for the figures)")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (databases, slips, logs)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="kiosk-soak-"))
    services = ServicesProcess(tmp / "services", TERMINAL_ID, "压力测试终端", "示范区政务服务中心")
    terminal = phone = None
    try:
        proxy, printer = RemoteProxy(services), RemotePrinter(services)
        config = load_config(write_config(tmp, proxy.base_url, Path(services.addresses["secret"]), printer.port))
        terminal = Terminal(config, replay_interval=1.0,
                            client_options={"backoff_base": 0.01, "backoff_cap": 0.05, "retry_after_cap": 1.0},
                            printer_options={"confirm_timeout": 0.6, "poll_interval": 0.05})
        terminal.start()
        phone = PhoneSimulator(services.addresses["central"])
        citizens = phone.sample_citizen_ids()
        tally = Tally()
        if args.tracemalloc:
            tracemalloc.start(8)
        traced: list[tracemalloc.Snapshot] = []
        start, start_other = resources(), services.call("resources")
        warm, warm_other = start, start_other
        started = time.monotonic()
        for n in range(args.visits):
            t0 = time.monotonic()
            one_visit(rng, terminal, phone, proxy, printer, citizens, tally, args.fault_rate)
            tally.seconds.append(time.monotonic() - t0)
            tally.visits += 1
            if n + 1 == min(WARM_UP, args.visits):
                warm, warm_other = resources(), services.call("resources")
            if args.tracemalloc and n + 1 in args.tracemalloc:
                gc.collect()                 # what is still alive, not what waits for the cycle collector
                traced.append(tracemalloc.take_snapshot())
            if (n + 1) % 250 == 0:
                now = resources()
                print(f"  {n + 1} visits, {time.monotonic() - started:.0f} s, terminal RSS {now['rss_mb']:.1f} MB, "
                      f"fds {now['fds']}, threads {now['threads']}", flush=True)
        # Resources at the end of the visits, before the drain below opens the replayer's connection
        # (a pooled keep-alive socket, not a leak) that the warm-up reading may not have had.
        end, end_other = resources(), services.call("resources")
        deadline = time.monotonic() + 60
        while terminal.outbox.depth() and time.monotonic() < deadline:   # central is back: drain the outbox
            terminal.replay_outbox()
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        if args.tracemalloc and len(traced) < 2:
            gc.collect()
            traced.append(tracemalloc.take_snapshot())
        tracemalloc.stop()
        outbox = terminal.outbox.counts()
    finally:
        if terminal is not None:
            terminal.stop()
        if phone is not None:
            phone.close()
        services.stop()
    counts = count_on_central(services.addresses["db"], tally)
    slips = count_slips(printer.out_dir)
    print(f"soak: {tally.visits} visits in {elapsed:.1f} s (median {statistics.median(tally.seconds) * 1000:.0f} ms "
          f"per visit, mean {elapsed / max(1, tally.visits) * 1000:.0f} ms), seed {args.seed}")
    if tally.visits >= 400:
        print(f"  median per visit: first 200 {statistics.median(tally.seconds[:200]) * 1000:.0f} ms, "
              f"last 200 {statistics.median(tally.seconds[-200:]) * 1000:.0f} ms")
    print(f"  faults injected: {dict(sorted(tally.faults.items()))}")
    print(f"  citizens: {tally.submitted} answered by central, {tally.accepted_offline} accepted offline (待上传), "
          f"{tally.told_to_retry_later} told to try later, {tally.logins_failed} logins failed, "
          f"{tally.rated} ratings given")
    print(f"  slips printed: {slips['slips']}, of them {slips['reprints']} marked 重印 ({tally.print_failures} first "
          f"prints failed and were resumed; {slips['torn']} torn pieces)")
    print(f"  applications created on central: {counts['applications']} "
          f"({counts['made_after_an_error']} settled by the replay after the citizen was told to retry)")
    print(f"  outbox: {outbox}")
    print(f"  LOST: {counts['lost']}   DOUBLED: {counts['doubled']}   ratings lost: {counts['ratings_lost']}")
    print(show("start", start, start_other))
    print(show(f"after {min(WARM_UP, tally.visits)} visits", warm, warm_other))
    print(show("end", end, end_other))
    rss_growth = end["rss_mb"] - warm["rss_mb"]
    print(f"  terminal RSS growth after warm-up: {rss_growth:+.1f} MB (from start "
          f"{end['rss_mb'] - start['rss_mb']:+.1f} MB); fds {end['fds'] - warm['fds']:+d}; "
          f"threads {end['threads'] - warm['threads']:+d}")
    print(f"  central+fakes RSS growth after warm-up: {end_other['rss_mb'] - warm_other['rss_mb']:+.1f} MB "
          f"(from start {end_other['rss_mb'] - start_other['rss_mb']:+.1f} MB); printer threads at the end: "
          f"{end_other['printer_threads']}")
    if len(traced) == 2:
        print_growth(traced[0], traced[1], (args.tracemalloc[0], min(args.tracemalloc[1], tally.visits)))
        print("  (tracemalloc was on: the RSS figures above include its own bookkeeping)")
    ok = (counts["lost"] == 0 and counts["doubled"] == 0 and counts["ratings_lost"] == 0 and rss_growth <= 10
          and end["fds"] <= warm["fds"] and end["threads"] <= warm["threads"] and outbox["pending"] == 0)
    if ok and not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"  the run's databases, slips and the services' log are in {tmp}")
    print("soak: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
