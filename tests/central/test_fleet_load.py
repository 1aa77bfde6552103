"""The province benchmark's load generator kept honest (its full run is too long for the suite): wrk sends each
signed heartbeat of a step once, on schedule, to a real central, which accepts every one; the steady state the
benchmark sets up before a step makes half of the beats write, as in a fleet beating every 30 s."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from central_server.schema import terminals

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import central as province_benchmark  # noqa: E402
from fleet_load import LoadGenerator, fleet_ids, fleet_secret, read_wrk_report  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (deploy/bootstrap.sh "
                                                                   "installs it)")


@pytest.mark.parametrize("store_kind", ["sqlite"])
def test_a_step_is_sent_on_schedule_and_half_its_beats_write(central):
    count, rate, seconds = 120, 60.0, 2.0
    central.store.register_terminals([(t, "终端", "大厅", fleet_secret(t)) for t in fleet_ids(count)])
    generator = LoadGenerator(connections=8)
    try:
        start_at = generator.next_start(rate, seconds)
        province_benchmark.steady_state(central.store.url.database, count, start_at, rate, generator.booted_at)
        result = generator.run_step(central.base_url, fleet_ids(count), rate, 0, seconds, start_at=start_at)
    finally:
        generator.close()
    assert result.errors == {}
    assert result.heartbeats_answered == len(result.lateness) == count
    assert sorted(result.lateness)[count // 2] < 0.05            # sent on schedule, not in a burst at the end
    assert 0 < result.generator_cpu
    with central.store.connections.reading() as connection:
        seen = dict(connection.execute(select(terminals.c.id, terminals.c.last_heartbeat)
                                       .where(terminals.c.id.in_(fleet_ids(count)))).all())
    written = sorted(t for t, last in seen.items() if last >= start_at)
    assert written == fleet_ids(count)[::2]                      # every other terminal's beat, and only those


def test_the_report_of_the_scheduler_is_read_whole():
    report = "completed 3\nerrors connect=0 read=1 write=0 status=2 timeout=0\nlatency 1500 2\nlatency 9000 1\n" \
             "sent 3\nextra 1\nlate 0.000000\nlate 0.012500\nlate 0.000000\n"
    result = read_wrk_report(report)
    assert result.heartbeats_answered == 3 and result.heartbeat == [0.0015, 0.0015, 0.009]
    assert result.lateness == [0.0, 0.0125, 0.0]
    assert result.errors == {"wrk read": 1, "wrk status": 2, "beyond the schedule": 1}
