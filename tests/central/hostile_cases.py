"""The list of hostile central answers the client must survive, and the judge of one client call against one.

"Handled" means: a CentralError child or a sane answer, within the timeouts, without reading an oversized body,
without asking to sleep longer than the Retry-After cap, and with the client still working afterwards."""
from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
import tracemalloc
from dataclasses import dataclass
from typing import Callable

from kiosk.central.client import CentralClient
from kiosk.central.errors import CentralError, CentralUnavailable

from .hostile_server import JSON, MB, HostileAnswer, HostileServer, compression_bomb, nested, repeated

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.0
RETRY_AFTER_CAP = 5.0
# The longest Retry-After a CentralUnavailable may hand on to its caller (an hour).
LONGEST_REPORTED_WAIT = 3600.0
# Anything the client read beyond this many bytes of a body it should have refused is "read it all".
READ_LIMIT = 32 * MB
TEN_YEARS = 10 * 365 * 86400.0


@dataclass(frozen=True)
class Case:
    """One hostile answer (then `then` for later requests) to the client call named `call`."""
    name: str
    answer: HostileAnswer
    call: str = "heartbeat"
    then: tuple[HostileAnswer, ...] = ()
    max_seconds: float = 4.0
    max_bytes_sent: int | None = None
    group: str = ""


def _ok_heartbeat() -> HostileAnswer:
    now = time.time()
    body = json.dumps({"server_time": now, "commands": []}).encode()
    return HostileAnswer(headers=JSON + (("X-Server-Time", f"{now:.3f}"),), body=body)


def _heartbeat_body(server_time: bytes) -> bytes:
    return b'{"server_time":' + server_time + b',"commands":[]}'


def _retry_after(value: str, status: int = 503) -> HostileAnswer:
    return HostileAnswer(status=status, headers=JSON + (("Retry-After", value),),
                         body=b'{"error":"unavailable","error_description":"busy"}')


RETRY_AFTER_VALUES = ("5", "0", "4.5", "99999999999999999999", "-5", "garbage", "", "   7   ", "inf", "nan",
                      "1e10", "\u00b2", "\u0663", "Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 1970 00:00:00 GMT",
                      "Wed, 21 Oct 2015 07:28:00", "Mon, 99 Foo 2024 99:99:99 GMT", "Sun, 06 Nov 1994 08:49:37 +9999")
SERVER_TIME_HEADERS = ("inf", "-inf", "nan", "1e300", "-1e300", "1e400", "0x10", "99999999999999999999999",
                       "\u00b2", "")
BIG = 200 * MB
NOW = b"1700000000"  # a plausible server time in the bodies whose point is elsewhere


def cases() -> list[Case]:
    """Every hostile answer, each tagged with its group (the rows of the fault table)."""
    c: list[Case] = []
    start: dict[str, int] = {}
    # Slow drips: the whole call must end within the connect and read timeouts.
    start["slow drip"] = len(c)
    c.append(Case("head dripped at 1 byte/s", HostileAnswer(body=_heartbeat_body(NOW), drip=1.0, drip_head=True)))
    c.append(Case("head dripped at 5 bytes/s", HostileAnswer(body=_heartbeat_body(NOW), drip=0.2, drip_head=True)))
    c.append(Case("body dripped at 1 byte/s", HostileAnswer(body=_heartbeat_body(NOW), drip=1.0)))
    c.append(Case("chunked body dripped", HostileAnswer(body=_heartbeat_body(NOW), drip=0.5, chunked=True)))
    c.append(Case("catalogue dripped (retried call)", HostileAnswer(body=b'{"version":"1"}', drip=0.5),
                  call="catalog", max_seconds=4 * (CONNECT_TIMEOUT + READ_TIMEOUT) + 1))
    c.append(Case("head never ends", HostileAnswer(raw_head=b"HTTP/1.1 200 OK\r\n" + b"X-Pad: a\r\n" * 10000,
                                                   drip=0.001, drip_head=True)))
    # Oversized bodies: refused without reading them all.
    start["oversized or compressed body"] = len(c)
    for name, answer in [
        ("200 MB body with Content-Length", HostileAnswer(body=repeated(b" ", BIG), content_length=BIG)),
        ("200 MB body, chunked", HostileAnswer(body=repeated(b" ", BIG), chunked=True)),
        ("200 MB body, no length, ends at close", HostileAnswer(body=repeated(b" ", BIG))),
        ("200 MB JSON string", HostileAnswer(body=repeated(b"x", BIG, b'{"server_time":1700000000,"x":"', b'"}'),
                                             content_length=BIG)),
        ("Content-Length of 1 TB", HostileAnswer(body=repeated(b" ", BIG), content_length=10 ** 12)),
        ("gzip bomb (200 MB inflated)", HostileAnswer(headers=JSON + (("Content-Encoding", "gzip"),),
                                                      body=compression_bomb("gzip", BIG))),
        ("gzip bomb, chunked", HostileAnswer(headers=JSON + (("Content-Encoding", "gzip"),),
                                             body=compression_bomb("gzip", BIG), chunked=True)),
        ("deflate bomb", HostileAnswer(headers=JSON + (("Content-Encoding", "deflate"),),
                                       body=compression_bomb("deflate", BIG))),
    ]:
        c.append(Case(name, answer, max_bytes_sent=READ_LIMIT, max_seconds=8.0))
    c.append(Case("catalogue of 200 MB (retried call)", HostileAnswer(body=repeated(b" ", BIG), content_length=BIG),
                  call="catalog", max_bytes_sent=READ_LIMIT, max_seconds=8.0))
    c.append(Case("unknown content encoding", HostileAnswer(headers=JSON + (("Content-Encoding", "br"),),
                                                            body=b"\x1b\x00")))
    c.append(Case("gzip header on plain JSON", HostileAnswer(headers=JSON + (("Content-Encoding", "gzip"),),
                                                             body=_heartbeat_body(NOW))))
    c.append(Case("negative Content-Length", HostileAnswer(body=_heartbeat_body(NOW), content_length=-1)))
    c.append(Case("Content-Length not a number", HostileAnswer(body=_heartbeat_body(NOW), content_length="ten")))
    # JSON that is hostile in shape.
    start["hostile JSON"] = len(c)
    for name, body in [
        ("100 000 nested arrays", nested(100_000)),
        ("100 000 nested objects", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
        ("nested arrays in commands", b'{"server_time":1700000000,"commands":' + nested(50_000) + b"}"),
        ("server_time NaN", _heartbeat_body(b"NaN")),
        ("server_time Infinity", _heartbeat_body(b"Infinity")),
        ("server_time -Infinity", _heartbeat_body(b"-Infinity")),
        ("server_time 1e400", _heartbeat_body(b"1e400")),
        ("server_time 1e300", _heartbeat_body(b"1e300")),
        ("server_time -1e300", _heartbeat_body(b"-1e300")),
        ("server_time of 400 digits", _heartbeat_body(b"9" * 400)),
        ("server_time of 5000 digits", _heartbeat_body(b"9" * 5000)),
        ("server_time a string", _heartbeat_body(b'"now"')),
        ("server_time true", _heartbeat_body(b"true")),
        ("server_time null", _heartbeat_body(b"null")),
        ("server_time an object", _heartbeat_body(b"{}")),
        ("commands an object", b'{"server_time":1700000000,"commands":{}}'),
        ("commands of numbers", b'{"server_time":1700000000,"commands":[1,2]}'),
        ("command id a number", b'{"server_time":1700000000,"commands":[{"id":1,"kind":"restart"}]}'),
        ("command with a lone surrogate", b'{"server_time":1700000000,"commands":[{"id":"\\ud800","kind":"restart"}]}'),
        ("body an array", b"[]"),
        ("body null", b"null"),
        ("body a string", b'"ok"'),
        ("body empty", b""),
        ("body not UTF-8", b'{"server_time":1700000000,"x":"\xff\xfe"}'),
        ("body with a BOM", b"\xef\xbb\xbf" + _heartbeat_body(NOW)),
        ("body truncated", _heartbeat_body(NOW)[:10]),
        ("duplicate keys", b'{"server_time":1700000000,"server_time":"x","commands":[]}'),
    ]:
        c.append(Case(name, HostileAnswer(body=body)))
    c.append(Case("no Content-Type", HostileAnswer(headers=(), body=_heartbeat_body(NOW))))
    c.append(Case("HTML instead of JSON", HostileAnswer(headers=(("Content-Type", "text/html"),), body=b"<html>")))
    # Odd server clocks.
    start["server time"] = len(c)
    for value in SERVER_TIME_HEADERS:
        c.append(Case(f"X-Server-Time: {value!r}",
                      HostileAnswer(headers=JSON + (("X-Server-Time", value),), body=_heartbeat_body(b"1700000000"))))
        c.append(Case(f"clock_skew refusal with X-Server-Time: {value!r}",
                      HostileAnswer(status=401, headers=JSON + (("X-Server-Time", value),),
                                    body=b'{"error":"clock_skew","error_description":"skew"}')))
    c.append(Case("Date in year 9999", HostileAnswer(headers=JSON + (("Date", "Fri, 31 Dec 9999 23:59:59 GMT"),),
                                                     body=_heartbeat_body(b"1700000000"))))
    c.append(Case("Date garbage", HostileAnswer(headers=JSON + (("Date", "Mon, 99 Foo 99999 99:99:99 GMT"),),
                                                body=_heartbeat_body(b"1700000000"))))
    # Retry-After in every form, on a call that is retried (catalogue, submission) and one that is not.
    start["Retry-After"] = len(c)
    for value in RETRY_AFTER_VALUES:
        c.append(Case(f"503 Retry-After {value!r} on the catalogue", _retry_after(value), call="catalog"))
        c.append(Case(f"429 Retry-After {value!r} on a heartbeat", _retry_after(value, 429)))
    for value in ("99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT", "-5", "nan"):
        c.append(Case(f"503 Retry-After {value!r} on a submission", _retry_after(value), call="submit"))
    # Error answers and broken protocol.
    start["error answers and broken HTTP"] = len(c)
    for name, answer in [
        ("error description of 1 MB", HostileAnswer(status=400, body=b'{"error":"x","error_description":"'
                                                    + b"d" * MB + b'"}')),
        ("error code a list", HostileAnswer(status=400, body=b'{"error":["a"],"error_description":{}}')),
        ("error body nested 100 000 deep", HostileAnswer(status=400, body=nested(100_000))),
        ("status 999", HostileAnswer(status=999, body=b"{}")),
        ("status 204 with no body", HostileAnswer(status=204, headers=(), body=b"")),
        ("redirect", HostileAnswer(status=302, headers=JSON + (("Location", "http://127.0.0.1:1/"),), body=b"{}")),
        ("garbage status line", HostileAnswer(raw_head=b"HTTP/1.1 abc\r\n\r\n", body=b"")),
        ("not HTTP at all", HostileAnswer(raw_head=b"SSH-2.0-OpenSSH\r\n", body=b"")),
        ("header line of 100 kB", HostileAnswer(headers=JSON + (("X-Big", "a" * 100_000),), body=b"{}")),
        ("500 headers", HostileAnswer(headers=JSON + tuple((f"X-{i}", "a") for i in range(500)), body=b"{}")),
        ("connection closed at once", HostileAnswer(close_at_once=True)),
        ("chunk size garbage", HostileAnswer(raw_head=b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                             b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", body=b"")),
        ("chunk size of 2^64", HostileAnswer(raw_head=b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                             b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n", body=b"{}")),
    ]:
        c.append(Case(name, answer))
    bounds = sorted(start.items(), key=lambda kv: kv[1]) + [("", len(c))]
    return [dataclasses.replace(case, group=group) for (group, lo), (_, hi) in zip(bounds, bounds[1:])
            for case in c[lo:hi]]


CALLS: dict[str, Callable[[CentralClient], object]] = {
    "heartbeat": lambda client: client.heartbeat({}, []),
    "catalog": lambda client: client.catalog(),
    "submit": lambda client: client.submit(None, "sb-cbjfzm", {"a": "b"}, "key-1",
                                           applicant={"name": "n", "id_number": "1"}),
}


def hostile_client(server: HostileServer, sleeps: list[float]) -> CentralClient:
    return CentralClient(server.base_url, "T-HOSTILE", b"s" * 32, connect_timeout=CONNECT_TIMEOUT,
                         read_timeout=READ_TIMEOUT, max_retries=2, backoff_base=0.01, backoff_cap=0.02,
                         retry_after_cap=RETRY_AFTER_CAP, sleep=sleeps.append)


def _finite(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def judge(server: HostileServer, case: Case, give_up_after: float = 30.0) -> str:
    """'' when the client handled `case`, else what went wrong."""
    sleeps: list[float] = []
    client = hostile_client(server, sleeps)
    server.serve(case.answer, *case.then)
    outcome: dict[str, object] = {}

    def call() -> None:
        try:
            outcome["value"] = CALLS[case.call](client)
        except BaseException as exc:  # noqa: BLE001  anything at all is what is being judged
            outcome["error"] = exc

    measure = case.max_bytes_sent is not None
    if measure:
        tracemalloc.start()
    started = time.monotonic()
    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(give_up_after)
    elapsed = time.monotonic() - started
    held = 0
    if measure:
        held = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    if worker.is_alive():
        return f"still running after {give_up_after:.0f} s"
    problems = []
    error = outcome.get("error")
    if error is not None and not isinstance(error, CentralError):
        problems.append(f"raised {type(error).__name__}: {str(error)[:80]}")
    if isinstance(error, CentralUnavailable) and error.retry_after is not None:
        if not (_finite(error.retry_after) and 0 <= error.retry_after <= LONGEST_REPORTED_WAIT):
            problems.append(f"reported retry_after={error.retry_after!r}")
    if elapsed > case.max_seconds:
        problems.append(f"took {elapsed:.1f} s")
    if case.max_bytes_sent is not None and server.stats.bytes_sent > case.max_bytes_sent:
        problems.append(f"read {server.stats.bytes_sent / MB:.0f} MB")
    if held > READ_LIMIT:
        problems.append(f"held {held / MB:.0f} MB")
    bad_sleeps = [s for s in sleeps if not (_finite(s) and 0 <= s <= RETRY_AFTER_CAP)]
    if bad_sleeps:
        problems.append(f"asked to sleep {bad_sleeps[0]!r} s")
    value = outcome.get("value")
    if dataclasses.is_dataclass(value):
        try:  # what the client returns is stored in SQLite and logged: it must be valid Unicode
            json.dumps(dataclasses.asdict(value), ensure_ascii=False).encode("utf-8")
        except (UnicodeEncodeError, ValueError) as exc:
            problems.append(f"returned unstorable text: {exc}"[:80])
    server_time = getattr(value, "server_time", None)
    if server_time is not None and not (_finite(server_time) and abs(server_time - time.time()) < TEN_YEARS):
        problems.append(f"accepted server_time={server_time!r}")
    try:
        offset = client.server_time_offset()
    except BaseException as exc:  # noqa: BLE001
        offset = exc
    if offset is not None and not (_finite(offset) and abs(offset) < TEN_YEARS):
        problems.append(f"clock offset {offset!r}")
    # The client must still work afterwards.
    server.serve(_ok_heartbeat())
    try:
        client.heartbeat({}, [])
    except BaseException as exc:  # noqa: BLE001
        problems.append(f"next call failed: {type(exc).__name__}: {str(exc)[:80]}")
    finally:
        client.close()
    return "; ".join(problems)
