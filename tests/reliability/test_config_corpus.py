"""`kiosk config check` catches what `kiosk run` would fail on: a table of ~120 bad (and some good) configs
goes through both commands; they must agree, name the key or file, and never print a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.reliability.bad_configs import CASES, REPO, Outcome, check_and_run, verdict


@pytest.fixture(scope="module")
def outcomes() -> dict[str, tuple[Outcome, Outcome]]:
    """Every case through both commands, in one separate process: `kiosk run` leaves Qt state (cursor, windows,
    signal handlers, log handlers) that other tests must not inherit."""
    done = subprocess.run([sys.executable, "-m", "tests.reliability.bad_configs", "--json"], capture_output=True,
                          text=True, cwd=REPO, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    results = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            results[row["id"]] = (Outcome(*row["check"]), Outcome(*row["run"]))
    return results


def test_the_corpus_is_big_enough_and_its_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) >= 100 and len(set(ids)) == len(ids)
    assert sum(not case.ok for case in CASES) >= 95


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_config_check_and_run_agree_without_a_traceback(case, outcomes):
    check, run = outcomes[case.id]
    assert verdict(case, check, run) == [], f"check said:\n{check.output}\nrun said:\n{run.output}"
    if not case.ok:
        assert check.code == 2 and run.code == 2
        assert "the kiosk refuses to start" in run.output or "configuration problems" in run.output


SUBPROCESS_CASES = ["good-base-url-with-api-v1", "terminal-id-newline", "toml-deep-arrays", "pin-hash-garbage",
                    "data-dir-is-file", "ca-bundle-garbage"]


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_the_real_commands_agree_too(case_id, tmp_path):
    """A handful through `python -m kiosk` itself (a process per command, as a technician runs them)."""
    case = next(c for c in CASES if c.id == case_id)
    check, run = check_and_run(case, tmp_path, in_process=False)
    assert verdict(case, check, run) == [], f"check said:\n{check.output}\nrun said:\n{run.output}"
    if case.ok:
        assert "first-paint" in run.output
