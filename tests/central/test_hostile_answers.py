"""Every hostile central answer in tests/central/hostile_cases.py, counted: all must be handled.

Prints "hostile central answers: N tried, N handled" for the fault table in docs/reliability.md."""
from __future__ import annotations

from collections import Counter

import pytest

from .hostile_cases import cases, judge
from .hostile_server import HostileServer


@pytest.fixture(scope="module")
def hostile():
    server = HostileServer().start()
    yield server
    server.stop()


def test_every_hostile_answer_is_handled(hostile, capsys):
    tried = cases()
    mishandled = {}
    for case in tried:
        verdict = judge(hostile, case)
        if verdict:
            mishandled[case.name] = verdict
    with capsys.disabled():
        print(f"\nhostile central answers: {len(tried)} tried, {len(tried) - len(mishandled)} handled")
        groups = Counter(case.group for case in tried)
        failed = Counter(case.group for case in tried if case.name in mishandled)
        for group, count in groups.items():
            print(f"  {group}: {count} tried, {count - failed[group]} handled")
        for name, verdict in mishandled.items():
            print(f"  MISHANDLED {name}: {verdict}")
    assert not mishandled, f"{len(mishandled)} of {len(tried)} hostile answers mishandled: {mishandled}"
