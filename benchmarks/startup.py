"""Start-up time: process start to the first painted home screen (offscreen), median of N runs.

Run: python benchmarks/startup.py [--runs 5] [--against OTHER_CHECKOUT]. Uses `kiosk run --exit-after-paint` on the
shipped config, after one uncounted warm-up run that also leaves the compiled bytecode an installed terminal has.
--against runs another checkout (e.g. `git worktree add /tmp/base main`) interleaved with this one and prints
the ratio of the medians, so that a change is compared on the same noisy machine in the same minute."""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 0.8


def one_run(data_dir: Path, repo: Path = REPO) -> float:
    config = data_dir / "config.toml"
    text = (repo / "config.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('dir = "var"', f'dir = "{data_dir / "var"}"'), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    # An installed terminal runs from compiled bytecode (pip compiles it); let the warm-up run write it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.time()
    out = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(config), "--exit-after-paint"],
                         capture_output=True, text=True, env=env, cwd=repo, timeout=60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("first-paint ")), None)
    if line is None:
        raise SystemExit(f"the kiosk did not report its first paint:\n{out.stderr[-2000:]}")
    return float(line.split()[1]) - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout to time interleaved with this one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as other_tmp:
        one_run(Path(tmp))  # warm the file cache once; not counted
        if args.against:
            one_run(Path(other_tmp), args.against.resolve())
        times, other_times = [], []
        for _ in range(args.runs):
            times.append(one_run(Path(tmp)))
            if args.against:
                other_times.append(one_run(Path(other_tmp), args.against.resolve()))
    median = statistics.median(times)
    print(f"start-up to first painted home screen, {args.runs} runs: "
          + ", ".join(f"{t:.3f}" for t in times) + " s")
    print(f"median {median:.3f} s; target {TARGET_S} s; ratio to target {median / TARGET_S:.2f}")
    if other_times:
        other = statistics.median(other_times)
        print(f"{args.against}: median {other:.3f} s; this checkout / that one = {median / other:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
