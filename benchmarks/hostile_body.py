"""Peak memory of the terminal's central client receiving a 200 MB answer and a gzip bomb, and how long it takes.

Each measurement runs the client in a fresh child process against the hostile test server on 127.0.0.1 and
reads the child's peak RSS. `--source DIR` measures the client of another checkout (e.g. an older release)."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.central.hostile_server import (JSON, MB, HostileAnswer, HostileServer,  # noqa: E402
                                          compression_bomb, repeated)

SIZE = 200 * MB

CHILD = r"""
import json, resource, sys, time
from kiosk.central.client import CentralClient
from kiosk.central.errors import CentralError
client = CentralClient(sys.argv[1], "T-BENCH", b"s" * 32, connect_timeout=2, read_timeout=30)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    client.heartbeat({}, [])
    outcome = "accepted"
except CentralError as exc:
    outcome = type(exc).__name__
except Exception as exc:
    outcome = "crashed: " + type(exc).__name__
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "seconds": elapsed, "base_mb": before / 1024, "peak_mb": peak / 1024}))
"""


def measure(server: HostileServer, answer: HostileAnswer, source: Path) -> dict:
    server.serve(answer)
    env = dict(os.environ, PYTHONPATH=str(source))
    out = subprocess.run([sys.executable, "-c", CHILD, server.base_url], capture_output=True, text=True, env=env,
                         cwd=str(source), timeout=600)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["sent_mb"] = server.stats.bytes_sent / MB
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--source", type=Path, default=REPO, help="checkout whose kiosk package to measure")
    args = parser.parse_args()
    answers = {
        "200 MB, Content-Length": HostileAnswer(body=repeated(b" ", SIZE), content_length=SIZE),
        "200 MB, chunked": HostileAnswer(body=repeated(b" ", SIZE), chunked=True),
        "gzip bomb (200 MB inflated)": HostileAnswer(headers=JSON + (("Content-Encoding", "gzip"),),
                                                     body=compression_bomb("gzip", SIZE)),
    }
    server = HostileServer().start()
    try:
        print(f"client from {args.source}, {args.runs} runs each; medians")
        print(f"{'answer':<30}{'outcome':<18}{'peak RSS':>10}{'+ over base':>13}{'sent':>10}{'time':>9}")
        for name, answer in answers.items():
            runs = [measure(server, answer, args.source) for _ in range(args.runs)]
            peak = statistics.median(r["peak_mb"] for r in runs)
            growth = statistics.median(r["peak_mb"] - r["base_mb"] for r in runs)
            sent = statistics.median(r["sent_mb"] for r in runs)
            seconds = statistics.median(r["seconds"] for r in runs)
            print(f"{name:<30}{runs[0]['outcome']:<18}{peak:>8.0f} MB{growth:>10.0f} MB{sent:>7.0f} MB{seconds:>8.2f}s")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
