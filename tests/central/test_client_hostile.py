"""The client against a hostile server on 127.0.0.1: drips, huge and compressed bodies, odd JSON and headers.

Each behaviour its own test; test_hostile_answers.py runs the whole list of hostile answers and counts them."""
from __future__ import annotations

import time

import pytest

from kiosk.central.errors import AnswerTooLarge, CentralRefused, CentralUnavailable, InvalidAnswer
from kiosk.central.wire import RETRY_AFTER_LIMIT, json_depth, parse_json, parse_retry_after

from .hostile_cases import BIG, CONNECT_TIMEOUT, READ_LIMIT, READ_TIMEOUT, hostile_client
from .hostile_server import JSON, MB, HostileAnswer, HostileServer, compression_bomb, nested, repeated

BODY = b'{"server_time":1700000000,"commands":[]}'


@pytest.fixture
def hostile():
    server = HostileServer().start()
    yield server
    server.stop()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(hostile, sleeps):
    c = hostile_client(hostile, sleeps)
    yield c
    c.close()


@pytest.mark.parametrize("answer", [
    HostileAnswer(body=BODY, drip=0.2, drip_head=True),
    HostileAnswer(body=BODY, drip=0.2),
    HostileAnswer(body=BODY, drip=0.2, chunked=True),
], ids=["head", "body", "chunked body"])
def test_an_answer_dripped_byte_by_byte_ends_within_connect_plus_read_timeout(hostile, client, answer):
    hostile.serve(answer)
    started = time.monotonic()
    with pytest.raises(CentralUnavailable, match="timed out"):
        client.heartbeat({}, [])
    # Each byte came well within the read timeout; only the attempt's deadline stops the call.
    assert time.monotonic() - started < CONNECT_TIMEOUT + READ_TIMEOUT + 2.0     # dripping it all takes ~8 s


@pytest.mark.parametrize("answer", [
    HostileAnswer(body=repeated(b" ", BIG), content_length=BIG),
    HostileAnswer(body=repeated(b" ", BIG), chunked=True),
    HostileAnswer(body=repeated(b" ", BIG)),
], ids=["Content-Length", "chunked", "until close"])
def test_a_200_mb_answer_is_refused_without_reading_it_all(hostile, client, answer):
    hostile.serve(answer)
    with pytest.raises(AnswerTooLarge, match="MB"):
        client.heartbeat({}, [])
    assert hostile.stats.bytes_sent < READ_LIMIT


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compression_bomb_is_refused_by_its_decompressed_size(hostile, client, encoding):
    bomb = compression_bomb(encoding, BIG)
    assert len(bomb) < MB
    hostile.serve(HostileAnswer(headers=JSON + (("Content-Encoding", encoding),), body=bomb))
    with pytest.raises(AnswerTooLarge, match="once decompressed"):
        client.heartbeat({}, [])


def test_a_small_gzip_answer_is_read(hostile, client):
    import gzip
    hostile.serve(HostileAnswer(headers=JSON + (("Content-Encoding", "gzip"),), body=gzip.compress(BODY)))
    assert client.heartbeat({}, []).server_time == 1700000000


@pytest.mark.parametrize("body, words", [
    (nested(100_000), "nested"),
    (b'{"server_time":NaN,"commands":[]}', "NaN"),
    (b'{"server_time":1e400,"commands":[]}', "out of range"),
    (b'{"server_time":' + b"9" * 400 + b',"commands":[]}', "digits"),
    (b'{"server_time":1e300,"commands":[]}', "between 2000 and 2100"),
    (b'{"server_time":"now","commands":[]}', "server_time"),
    (b'{"server_time":1700000000,"commands":[{"id":"\\ud800","kind":"restart"}]}', "surrogate"),
])
def test_hostile_json_is_an_invalid_answer(hostile, client, body, words):
    hostile.serve(HostileAnswer(body=body))
    with pytest.raises(InvalidAnswer, match=words):
        client.heartbeat({}, [])


@pytest.mark.parametrize("value", ["inf", "nan", "1e300", "-1e300", "99999999999999999999999"])
def test_an_absurd_server_time_header_is_ignored_and_the_client_keeps_working(hostile, client, value):
    hostile.serve(HostileAnswer(status=401, headers=JSON + (("X-Server-Time", value),),
                                body=b'{"error":"clock_skew","error_description":"skew"}'))
    with pytest.raises(CentralRefused) as err:   # refused, not an OverflowError
        client.heartbeat({}, [])
    assert err.value.reason == "clock_skew"
    assert client.server_time_offset() is None
    hostile.serve(HostileAnswer(headers=JSON + (("X-Server-Time", "1700000000"),), body=BODY))
    assert client.heartbeat({}, []).server_time == 1700000000


@pytest.mark.parametrize("value, expected", [
    ("5", 5.0), ("  7 ", 7.0), ("0", 0.0),
    ("99999999999999999999", RETRY_AFTER_LIMIT),
    ("Fri, 31 Dec 9999 23:59:59 GMT", RETRY_AFTER_LIMIT),
    ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
    ("-5", None), ("4.5", None), ("garbage", None), ("", None), ("inf", None), ("nan", None),
    ("\u00b2", None), ("\u0663", None), ("Mon, 99 Foo 2024 99:99:99 GMT", None),
])
def test_retry_after_of_any_form_is_read_safely_and_capped(value, expected):
    assert parse_retry_after(value, time.time()) == expected


def test_a_retry_after_of_twenty_digits_is_reported_capped_and_never_slept(hostile, client, sleeps):
    hostile.serve(HostileAnswer(status=503, headers=JSON + (("Retry-After", "9" * 20),), body=b"{}"))
    with pytest.raises(CentralUnavailable) as err:
        client.catalog()
    assert err.value.retry_after == RETRY_AFTER_LIMIT and sleeps == []


def test_json_depth_is_counted_without_recursion_and_ignores_brackets_in_strings():
    assert json_depth(b'{"a":[1,{"b":"[[[[{{{{"}]}') == 3
    assert json_depth(nested(1_000_000)) == 1_000_000
    assert parse_json(b'{"a":[1,2]}') == {"a": [1, 2]}
