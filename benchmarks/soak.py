"""Soak run: N complete visits (Qt-free) against the reference central and a virtual network printer, with
central and printer faults injected at random; reports lost, doubled, memory, file descriptors and threads.

Run: python benchmarks/soak.py --visits 2000 [--seed 7]. Targets at N = 2000: 0 lost, 0 doubled,
RSS growth ≤ 10 MB, no growth in open file descriptors or threads. The reference central, the fault proxy
and the virtual printer run in this same process, so the RSS figures include them."""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kiosk.central.device_flow import DeviceFlow  # noqa: E402
from kiosk.central.errors import CentralError  # noqa: E402
from kiosk.central.models import RATING_CODES  # noqa: E402
from kiosk.central.phone import PhoneSimulator  # noqa: E402
from kiosk.central.server.embedded import SECRET_NAME, start_embedded_central  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.core.offline import is_pending_upload  # noqa: E402
from kiosk.core.session import Visit  # noqa: E402
from kiosk.printing.virtual import VirtualPrinterServer  # noqa: E402
from kiosk.terminal import Terminal  # noqa: E402
from tests.reliability.fault_proxy import Fault, FaultProxy  # noqa: E402
from tests.reliability.visits import OFFLINE_ITEM, form_values  # noqa: E402

TERMINAL_ID = "T-SOAK-0001"
ITEMS = ("sb-cbjfzm", "yb-jfjlcx", "gjj-jczm", "sw-wszm", "bdc-djxxcx", OFFLINE_ITEM)
SUBMIT, RATE = "/api/v1/submissions", "/api/v1/ratings"
WARM_UP = 50


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


def inject_faults(rng: random.Random, proxy: FaultProxy, printer: VirtualPrinterServer, tally: Tally,
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


def one_visit(rng: random.Random, terminal: Terminal, phone: PhoneSimulator, proxy: FaultProxy,
              printer: VirtualPrinterServer, citizens: list[str], tally: Tally, fault_rate: float) -> None:
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
    visit.item = terminal.catalog.catalog.item(rng.choice(ITEMS))
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


def count_on_central(central, tally: Tally) -> dict[str, int]:
    store = central.app.extensions["central"].store
    answers = {r["key"]: __import__("json").loads(r["body"]).get("application_number")
               for r in store._all("SELECT key, body FROM idempotent_answers WHERE endpoint = 'submission'")}
    apps = {r["number"] for r in store._all("SELECT number FROM applications")}
    rated = {r["application_number"] for r in store._all("SELECT application_number FROM ratings")}
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fault-rate", type=float, default=0.15, help="chance of a central fault per visit")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="kiosk-soak-"))
    central = start_embedded_central(tmp / "central", TERMINAL_ID, "压力测试终端", "示范区政务服务中心")
    proxy = FaultProxy(central.base_url).start()
    printer = VirtualPrinterServer("127.0.0.1", 0, tmp / "paper", width_dots=576).start()
    config = load_config(write_config(tmp, proxy.base_url, central.data_dir / SECRET_NAME, printer.port))
    terminal = Terminal(config, replay_interval=1.0,
                        client_options={"backoff_base": 0.01, "backoff_cap": 0.05, "retry_after_cap": 1.0},
                        printer_options={"confirm_timeout": 0.6, "poll_interval": 0.05})
    terminal.start()
    phone = PhoneSimulator(central.base_url)
    citizens = phone.sample_citizen_ids()
    tally = Tally()
    start = resources()
    warm = start
    started = time.monotonic()
    try:
        for n in range(args.visits):
            t0 = time.monotonic()
            one_visit(rng, terminal, phone, proxy, printer, citizens, tally, args.fault_rate)
            tally.seconds.append(time.monotonic() - t0)
            tally.visits += 1
            if n + 1 == min(WARM_UP, args.visits):
                warm = resources()
            if (n + 1) % 250 == 0:
                print(f"  {n + 1} visits, {time.monotonic() - started:.0f} s, {resources()}", flush=True)
        deadline = time.monotonic() + 60
        while terminal.outbox.depth() and time.monotonic() < deadline:   # central is back: drain the outbox
            terminal.replay_outbox()
            time.sleep(0.2)
        end = resources()
        counts = count_on_central(central, tally)
        outbox = terminal.outbox.counts()
        slips = [j for j in printer.jobs if not j.torn]
        reprints = sum(1 for j in slips if "重印".encode("gb18030") in j.bin_path.read_bytes())
    finally:
        terminal.stop()
        phone.close()
        printer.stop()
        proxy.stop()
        central.stop()
    elapsed = time.monotonic() - started
    print(f"soak: {tally.visits} visits in {elapsed:.1f} s (median {statistics.median(tally.seconds) * 1000:.0f} ms "
          f"per visit, mean {elapsed / max(1, tally.visits) * 1000:.0f} ms), seed {args.seed}")
    print(f"  faults injected: {dict(sorted(tally.faults.items()))}")
    print(f"  citizens: {tally.submitted} answered by central, {tally.accepted_offline} accepted offline (待上传), "
          f"{tally.told_to_retry_later} told to try later, {tally.logins_failed} logins failed, "
          f"{tally.rated} ratings given")
    print(f"  slips printed: {len(slips)}, of them {reprints} marked 重印 ({tally.print_failures} first prints "
          f"failed and were resumed; {sum(1 for j in printer.jobs if j.torn)} torn pieces)")
    print(f"  applications created on central: {counts['applications']} "
          f"({counts['made_after_an_error']} settled by the replay after the citizen was told to retry)")
    print(f"  outbox: {outbox}")
    print(f"  LOST: {counts['lost']}   DOUBLED: {counts['doubled']}   ratings lost: {counts['ratings_lost']}")
    for label, snap in (("start", start), (f"after {min(WARM_UP, tally.visits)} visits", warm), ("end", end)):
        print(f"  {label:>16}: RSS {snap['rss_mb']:.1f} MB, open fds {snap['fds']}, threads {snap['threads']} "
              f"(Python {snap['py_threads']})")
    rss_growth = end["rss_mb"] - warm["rss_mb"]
    print(f"  RSS growth after warm-up: {rss_growth:+.1f} MB (from start {end['rss_mb'] - start['rss_mb']:+.1f} MB); "
          f"fds {end['fds'] - warm['fds']:+d}; threads {end['threads'] - warm['threads']:+d}")
    ok = (counts["lost"] == 0 and counts["doubled"] == 0 and counts["ratings_lost"] == 0 and rss_growth <= 10
          and end["fds"] <= warm["fds"] and end["threads"] <= warm["threads"] and outbox["pending"] == 0)
    print("soak: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
