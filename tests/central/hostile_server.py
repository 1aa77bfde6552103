"""A hostile HTTP server on 127.0.0.1 for the client's fault tests: raw sockets, so it can misbehave freely.

It drips answers a byte at a time, sends huge, chunked or compressed bodies, odd headers and broken JSON."""
from __future__ import annotations

import socket
import socketserver
import threading
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterator

JSON = (("Content-Type", "application/json"),)
MB = 1024 * 1024

Body = bytes | Callable[[], Iterator[bytes]]


@dataclass(frozen=True)
class HostileAnswer:
    """What the server sends to every request until told otherwise.

    `body` is bytes or a function returning an iterator of chunks (for bodies too big to hold). Without
    `content_length` the length of a bytes body is sent, or nothing for an iterator (the end is the close);
    `chunked` frames the body with Transfer-Encoding: chunked. `drip` sends the head (`drip_head`) or the
    body one byte per `drip` seconds. `raw_head` replaces the status line and headers entirely."""
    status: int = 200
    headers: tuple[tuple[str, str], ...] = JSON
    body: Body = b"{}"
    content_length: int | str | None = None
    chunked: bool = False
    drip: float = 0.0
    drip_head: bool = False
    raw_head: bytes | None = None
    close_at_once: bool = False

    def head(self) -> bytes:
        if self.raw_head is not None:
            return self.raw_head
        lines = [f"HTTP/1.1 {self.status} Hostile"]
        lines += [f"{k}: {v}" for k, v in self.headers]
        if self.chunked:
            lines.append("Transfer-Encoding: chunked")
        elif self.content_length is not None:
            lines.append(f"Content-Length: {self.content_length}")
        elif isinstance(self.body, bytes):
            lines.append(f"Content-Length: {len(self.body)}")
        lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    def chunks(self) -> Iterator[bytes]:
        source = iter([self.body]) if isinstance(self.body, bytes) else self.body()
        for piece in source:
            if not piece:
                continue
            yield (b"%x\r\n" % len(piece) + piece + b"\r\n") if self.chunked else piece
        if self.chunked:
            yield b"0\r\n\r\n"


@dataclass
class _Stats:
    requests: int = 0
    bytes_sent: int = 0
    paths: list[str] = field(default_factory=list)


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: HostileServer = self.server.owner  # type: ignore[attr-defined]
        conn: socket.socket = self.request
        conn.settimeout(5.0)
        reader = conn.makefile("rb")
        try:
            request_line = reader.readline(65537)
            if not request_line:
                return
            length = 0
            while True:
                line = reader.readline(65537)
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip() or 0)
            if length:
                reader.read(length)
            answer = server.answer_for(request_line.decode("latin-1").split(" ")[1:2])
            if answer.close_at_once:
                return
            server.send(conn, answer)
        except OSError:
            pass
        finally:
            reader.close()


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class HostileServer:
    """Serves `answer` (or the next of `queue`) to every request on 127.0.0.1, port 0; counts what it sent."""

    def __init__(self) -> None:
        self.answer = HostileAnswer()
        self.queue: list[HostileAnswer] = []
        self.stats = _Stats()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _TCPServer(("127.0.0.1", 0), _Handler)
        self._server.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="hostile-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "HostileServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def serve(self, answer: HostileAnswer, *then: HostileAnswer) -> None:
        """Answer the next request with `answer`, the ones after with `then` in turn, then `answer` again."""
        with self._lock:
            self.answer = answer
            self.queue = list(then)
            self.stats = _Stats()

    def answer_for(self, path: list[str]) -> HostileAnswer:
        with self._lock:
            self.stats.requests += 1
            self.stats.paths.append(path[0] if path else "")
            if self.stats.requests > 1 and self.queue:
                return self.queue.pop(0)
            return self.answer

    def _count(self, n: int) -> None:
        with self._lock:
            self.stats.bytes_sent += n

    def send(self, conn: socket.socket, answer: HostileAnswer) -> None:
        head = answer.head()
        if answer.drip and answer.drip_head:
            self._drip(conn, head, answer.drip)
            return
        conn.sendall(head)
        self._count(len(head))
        for chunk in answer.chunks():
            if self._stopping.is_set():
                return
            if answer.drip:
                self._drip(conn, chunk, answer.drip)
                continue
            conn.sendall(chunk)
            self._count(len(chunk))

    def _drip(self, conn: socket.socket, data: bytes, every: float) -> None:
        for i in range(len(data)):
            if self._stopping.wait(every):
                return
            conn.sendall(data[i:i + 1])
            self._count(1)


# Bodies

def repeated(piece: bytes, total: int, prefix: bytes = b"", suffix: bytes = b"") -> Callable[[], Iterator[bytes]]:
    """A body of `total` bytes made of `piece` repeated, generated as it is sent."""
    def chunks() -> Iterator[bytes]:
        yield prefix
        block = piece * max(1, (256 * 1024) // len(piece))
        left = total - len(prefix) - len(suffix)
        while left > 0:
            yield block[:left]
            left -= len(block)
        yield suffix
    return chunks


_BOMBS: dict[tuple[str, int], bytes] = {}


def compression_bomb(encoding: str, size: int) -> bytes:
    """`size` bytes of JSON whitespace compressed with gzip or deflate (a few hundred kB; cached)."""
    key = (encoding, size)
    if key not in _BOMBS:
        wbits = 31 if encoding == "gzip" else 15
        packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
        block = b" " * MB
        parts = [packer.compress(b'{"server_time":')]
        parts += [packer.compress(block) for _ in range(size // MB)]
        parts.append(packer.compress(b"1700000000}") + packer.flush())
        _BOMBS[key] = b"".join(parts)
    return _BOMBS[key]


def nested(depth: int, opener: bytes = b"[", closer: bytes = b"]") -> bytes:
    return opener * depth + closer * depth
