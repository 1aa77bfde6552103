"""Start-up time: process start to the first painted home screen (offscreen), median of N runs.

Run: python benchmarks/startup.py [--runs 5]. Uses `kiosk run --exit-after-paint` on the shipped config,
after one uncounted warm-up run that also leaves the compiled bytecode an installed terminal has."""
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


def one_run(data_dir: Path) -> float:
    config = data_dir / "config.toml"
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('dir = "var"', f'dir = "{data_dir / "var"}"'), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    # An installed terminal runs from compiled bytecode (pip compiles it); let the warm-up run write it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.time()
    out = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(config), "--exit-after-paint"],
                         capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("first-paint ")), None)
    if line is None:
        raise SystemExit(f"the kiosk did not report its first paint:\n{out.stderr[-2000:]}")
    return float(line.split()[1]) - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one_run(Path(tmp))  # warm the file cache once; not counted
        times = [one_run(Path(tmp)) for _ in range(args.runs)]
    median = statistics.median(times)
    print(f"start-up to first painted home screen, {args.runs} runs: "
          + ", ".join(f"{t:.3f}" for t in times) + " s")
    print(f"median {median:.3f} s; target {TARGET_S} s; ratio to target {median / TARGET_S:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
