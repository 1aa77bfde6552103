"""The reference central's store under requests that run at the same time, on SQLite and on PostgreSQL: no
application number or counter value is given twice, and one Idempotency-Key still makes one application."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from .conftest import certificate_values, citizen_token

AT_ONCE = 6


def _all_at_once(task, count: int = AT_ONCE) -> list:
    """Run task(i) in `count` threads released together; their results in order."""
    start = threading.Barrier(count)

    def run(i: int):
        start.wait(timeout=10)
        return task(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_submissions_sent_at_the_same_time_get_distinct_application_numbers(central):
    clients = [central.client() for _ in range(AT_ONCE)]
    tokens = [citizen_token(c) for c in clients]
    try:
        results = _all_at_once(lambda i: clients[i].submit(tokens[i], "sb-cbjfzm", certificate_values(),
                                                           f"k-at-once-{i}"))
    finally:
        for c in clients:
            c.close()
    numbers = {r.application_number for r in results}
    documents = {r.document.number for r in results}
    assert len(numbers) == len(documents) == AT_ONCE
    assert central.store.count_applications() == AT_ONCE


def test_the_same_key_sent_at_the_same_time_makes_one_application(central):
    clients = [central.client() for _ in range(AT_ONCE)]
    token = citizen_token(clients[0])
    try:
        results = _all_at_once(lambda i: clients[i].submit(token, "sb-cbjfzm", certificate_values(), "k-one-key"))
    finally:
        for c in clients:
            c.close()
    assert len({r.application_number for r in results}) == 1
    assert central.store.count_applications() == 1


def test_a_counter_never_gives_a_value_twice_to_concurrent_transactions(central):
    store = central.store

    def take(_: int) -> list[int]:
        taken = []
        for _ in range(25):
            with store.transaction() as tx:
                taken.append(tx.next_number("test-counter"))
        return taken

    values = [v for chunk in _all_at_once(take) for v in chunk]
    assert sorted(values) == list(range(1, AT_ONCE * 25 + 1))
