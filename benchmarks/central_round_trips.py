"""Central API round trips on loopback: a submission, its keyed replay, and a full QR login (approval to token).

Run: python benchmarks/central_round_trips.py [--submissions 200] [--logins 10]. Prints p50/p95 and ratios, one run."""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from central_server.app import DEFAULT_DEVICE_INTERVAL  # noqa: E402
from central_server.citizens import SAMPLE_CITIZENS  # noqa: E402
from central_server.embedded import start_embedded_central  # noqa: E402
from kiosk.central.client import CentralClient  # noqa: E402
from kiosk.central.device_flow import DeviceFlow  # noqa: E402
from kiosk_devtools.phone import PhoneSimulator  # noqa: E402

SUBMISSION_P95_TARGET_MS = 50.0
LOGIN_TARGET_S = 1.5


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def bench_submissions(client: CentralClient, count: int) -> tuple[list[float], list[float]]:
    c = SAMPLE_CITIZENS[0]
    token = client.login_with_code(c.card_code)
    values = {"name": c.name, "id_number": c.id_number, "year_from": "2018", "year_to": "2023", "purpose": "购房"}
    fresh, replay = [], []
    for i in range(count):
        started = time.perf_counter()
        client.submit(token, "sb-cbjfzm", values, f"bench-{i}")
        fresh.append(time.perf_counter() - started)
        started = time.perf_counter()
        client.submit(token, "sb-cbjfzm", values, f"bench-{i}")
        replay.append(time.perf_counter() - started)
    return fresh, replay


def bench_logins(client: CentralClient, phone: PhoneSimulator, count: int, rng: random.Random) -> list[float]:
    """Seconds from the phone's approval to the token in the terminal's hands, approving at a random moment."""
    results = []
    for _ in range(count):
        flow = DeviceFlow(client)
        auth = flow.start()
        phone.scan(auth.user_code)
        flow.poll()
        time.sleep(rng.uniform(0, flow.interval))
        phone.approve(auth.user_code)
        approved_at = time.perf_counter()
        while True:
            progress = flow.poll()
            if progress.state == "approved":
                results.append(time.perf_counter() - approved_at)
                break
            if progress.state in ("denied", "expired"):
                raise SystemExit(f"login ended as {progress.state}")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--logins", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        central = start_embedded_central(Path(tmp), "T-BENCH", "基准终端", "基准大厅")
        client = CentralClient(central.base_url, "T-BENCH", central.secret)
        phone = PhoneSimulator(central.base_url)
        try:
            fresh, replay = bench_submissions(client, args.submissions)
            logins = bench_logins(client, phone, args.logins, random.Random(1))
        finally:
            client.close()
            central.stop()
    ms = [v * 1000 for v in fresh]
    ms_replay = [v * 1000 for v in replay]
    p95 = percentile(ms, 95)
    print(f"submission round trip  n={len(ms)}  p50 {statistics.median(ms):.1f} ms  p95 {p95:.1f} ms  "
          f"(target p95 <= {SUBMISSION_P95_TARGET_MS:.0f} ms; p95/target {p95 / SUBMISSION_P95_TARGET_MS:.2f})")
    print(f"keyed replay           n={len(ms_replay)}  p50 {statistics.median(ms_replay):.1f} ms  "
          f"p95 {percentile(ms_replay, 95):.1f} ms  (replay/new p50 ratio "
          f"{statistics.median(ms_replay) / statistics.median(ms):.2f})")
    lp95 = percentile(logins, 95)
    print(f"login approval->token  n={len(logins)}  p50 {statistics.median(logins):.2f} s  p95 {lp95:.2f} s  "
          f"at interval {DEFAULT_DEVICE_INTERVAL} s  (target <= {LOGIN_TARGET_S} s; p95/target "
          f"{lp95 / LOGIN_TARGET_S:.2f})")
    ok = p95 <= SUBMISSION_P95_TARGET_MS and lp95 <= LOGIN_TARGET_S
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
