"""A small bounded soak: a dozen whole visits with faults injected at half of them lose and double nothing.

The full run (benchmarks/soak.py --visits 2000) is too long for the suite; this keeps its code honest."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_dozen_faulty_visits_lose_nothing_and_double_nothing():
    done = subprocess.run([sys.executable, "benchmarks/soak.py", "--visits", "12", "--fault-rate", "0.5",
                           "--seed", "3"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "LOST: 0   DOUBLED: 0   ratings lost: 0" in done.stdout
    assert "'pending': 0" in done.stdout
    assert "faults injected: {}" not in done.stdout
    assert "central+fakes RSS" in done.stdout          # central and the fakes ran in a process of their own
