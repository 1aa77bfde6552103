"""Reading central's answers defensively: a deadline per attempt, a capped body (decompressed size included),
strict JSON of bounded depth, and Retry-After and server times that are always finite and bounded."""
from __future__ import annotations

import email.utils
import http.client
import io
import json
import math
import re
import socket
import threading
import time
import zlib
from contextlib import contextmanager
from itertools import accumulate
from typing import Any, Iterator

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from kiosk.central.clock import plausible_time
from kiosk.central.errors import AnswerTooLarge, CentralUnavailable, InvalidAnswer

MAX_BODY_BYTES = 4 * 1024 * 1024          # the largest answer (after decompression) the terminal reads
MAX_JSON_DEPTH = 64                       # the contract's deepest answer (the catalogue) is 6 levels deep
MAX_INT_DIGITS = 18                       # every integer in the contract fits in 64 bits
RETRY_AFTER_LIMIT = 3600.0                # the longest wait a Retry-After can ask for (one hour)
ACCEPT_ENCODING = "gzip, deflate"
_READ_CHUNK = 64 * 1024

_scope = threading.local()


# The deadline: every read of an answer's head and body is bounded by what is left of the attempt's time,
# so a server dripping a byte a second cannot hold a call longer than connect + read timeout.

@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Bound every read of an answer received by this thread inside the block to `seconds` from now in total."""
    previous = getattr(_scope, "deadline", None)
    _scope.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _scope.deadline = previous


class _DeadlineReader(io.RawIOBase):
    """A socket's receiving side whose every recv waits at most what is left before the deadline."""

    def __init__(self, sock: socket.socket, until: float, keeper: io.BufferedIOBase):
        super().__init__()
        self._sock = sock
        self._until = until
        # The socket's own (unread) file object keeps the socket open while this reader lives, as
        # http.client expects of a response's file object when its connection is closed early.
        self._keeper = keeper

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self._until - time.monotonic()
        if left <= 0:
            raise TimeoutError("central's answer took longer than the call's deadline")
        usual = self._sock.gettimeout()
        self._sock.settimeout(left if usual is None else min(usual, left))
        try:
            return self._sock.recv_into(buffer)
        finally:
            self._sock.settimeout(usual)

    def close(self) -> None:
        if not self.closed:
            self._keeper.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock, debuglevel: int = 0, method: str | None = None, url: str | None = None):
        super().__init__(sock, debuglevel, method, url)
        until = getattr(_scope, "deadline", None)
        if until is not None:
            self.fp = io.BufferedReader(_DeadlineReader(sock, until, self.fp))


class _HTTPConnection(urllib3.connection.HTTPConnection):
    response_class = _DeadlineResponse


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    response_class = _DeadlineResponse


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """A requests adapter whose connections honour `deadline()`."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


# The body: read in pieces, decompressed with a bound on the output, refused past the cap.

def _decompressor(encoding: str):
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS)
    raise InvalidAnswer(f"central answered with content encoding {encoding[:40]!r}; "
                        f"the terminal accepts {ACCEPT_ENCODING}")


def read_body(resp: requests.Response, cap: int = MAX_BODY_BYTES) -> bytes:
    """The whole body of a streamed answer, decompressed; AnswerTooLarge as soon as it passes `cap` bytes
    (before reading at all when Content-Length says so), CentralUnavailable when it breaks off or is too slow."""
    declared = (resp.headers.get("Content-Length") or "").strip()
    if declared.isascii() and declared.isdigit() and int(declared) > cap:
        raise AnswerTooLarge(f"central's answer is {_size(int(declared))}; the terminal reads at most {_size(cap)}")
    encoding = (resp.headers.get("Content-Encoding") or "").strip().lower()
    inflate = _decompressor(encoding)
    parts: list[bytes] = []
    size = 0
    try:
        for piece in resp.raw.stream(_READ_CHUNK, decode_content=False):
            if inflate is not None:
                piece = _inflate(inflate, piece, cap - size)
            size += len(piece)
            if size > cap:
                raise AnswerTooLarge(f"central's answer is larger than {_size(cap)}"
                                     + (" once decompressed" if inflate is not None else "") + "; not read further")
            parts.append(piece)
        if inflate is not None:
            tail = inflate.flush()
            size += len(tail)
            if size > cap:
                raise AnswerTooLarge(f"central's answer is larger than {_size(cap)} once decompressed")
            parts.append(tail)
    except urllib3.exceptions.ReadTimeoutError:
        raise CentralUnavailable("central timed out while sending its answer") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise CentralUnavailable(f"central's answer broke off: {type(exc).__name__}") from None
    except zlib.error:
        raise InvalidAnswer(f"central's {encoding}-compressed answer is corrupt") from None
    return b"".join(parts)


def _inflate(inflate, data: bytes, room: int) -> bytes:
    """Decompress `data`, stopping once more than `room` bytes came out (the caller then refuses the answer)."""
    out = inflate.decompress(data, max(0, room) + 1)
    pieces = [out]
    produced = len(out)
    while inflate.unconsumed_tail and produced <= room:
        out = inflate.decompress(inflate.unconsumed_tail, room - produced + 1)
        pieces.append(out)
        produced += len(out)
    return b"".join(pieces)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


# JSON: strict, finite, bounded.

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [1 if b in b"[{" else -1 for b in range(256)]
_LONE_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
                             r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in `raw` (strings are skipped); computed without recursion."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _refuse_constant(name: str) -> Any:
    raise InvalidAnswer(f"central answered the non-JSON number {name}")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidAnswer(f"central answered a number out of range ({text[:20]})")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise InvalidAnswer(f"central answered an integer of {len(text)} digits")
    return int(text)


def parse_json(raw: bytes) -> Any:
    """Parse an answer as strict JSON (UTF-8, no NaN or Infinity, finite numbers, at most MAX_JSON_DEPTH
    levels, no unpaired surrogates); raises InvalidAnswer saying what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidAnswer("central answered malformed JSON: not UTF-8") from None
    depth = json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise InvalidAnswer(f"central answered JSON nested {depth} levels deep (at most {MAX_JSON_DEPTH})")
    if _LONE_SURROGATE.search(text):
        raise InvalidAnswer("central answered malformed JSON: an unpaired UTF-16 surrogate")
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_bounded_int)
    except (ValueError, RecursionError) as exc:
        raise InvalidAnswer(f"central answered malformed JSON: {str(exc)[:160]}") from None


# Times from headers.

def header_time(x_server_time: str | None, date: str | None) -> float | None:
    """Central's clock from X-Server-Time (seconds) or else Date (HTTP-date); None when neither is plausible."""
    if x_server_time:
        text = x_server_time.strip()
        if re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,9})?", text, re.ASCII):
            found = plausible_time(float(text))
            if found is not None:
                return found
    if date:
        return plausible_time(_http_date(date))
    return None


def _http_date(text: str) -> float | None:
    try:
        return email.utils.parsedate_to_datetime(text.strip()).timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date, at most RETRY_AFTER_LIMIT;
    None when absent or unreadable (a negative number, a decimal, garbage)."""
    if not value:
        return None
    text = value.strip()
    if re.fullmatch(r"[0-9]+", text, re.ASCII):
        return RETRY_AFTER_LIMIT if len(text) > 6 else min(float(text), RETRY_AFTER_LIMIT)
    when = _http_date(text)
    if when is None or not math.isfinite(when):
        return None
    return min(max(0.0, when - now), RETRY_AFTER_LIMIT)
