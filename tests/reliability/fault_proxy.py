"""A fault-injecting HTTP proxy in front of the reference central server, on 127.0.0.1.

Faults are queued per method and path prefix and used up one request at a time; `down()` refuses connections."""
from __future__ import annotations

import http.client
import json
import socket
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULT_KINDS = ("status", "reset", "timeout", "timeout_after_commit", "malformed", "malformed_after_commit")


@dataclass(frozen=True)
class Fault:
    """What to do to one matching request instead of passing it through unchanged."""
    kind: str
    status: int = 500
    retry_after: str = ""
    hold: float = 2.0     # seconds a "timeout" keeps the client waiting before closing

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {', '.join(FAULT_KINDS)}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, proxy: "FaultProxy"):
        self.proxy = proxy
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):
        self.proxy._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        self.proxy._conns.discard(request)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.proxy._handle(self)

    do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format, *args) -> None:  # no access log on stderr
        pass


class FaultProxy:
    """Forwards to `upstream`; `inject(method, path, fault, times)` makes the next matching requests fail."""

    def __init__(self, upstream: str):
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self._rules: list[list] = []
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self.requests: Counter = Counter()      # "POST /api/v1/submissions" → how many arrived
        self.faults_used: Counter = Counter()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> "FaultProxy":
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", self._port), self)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut every open connection (the port then refuses connections)."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for conn in list(self._conns):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def down(self) -> None:
        """Central unreachable: connections to the proxy's port are refused."""
        self.stop()

    def up(self) -> None:
        """Central reachable again, on the same port."""
        if self._server is None:
            self.start()

    def inject(self, method: str, path: str, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self._rules.append([method.upper(), path, fault, times])

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def count(self, method: str, path: str) -> int:
        return self.requests[f"{method.upper()} {path}"]

    def _next_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule[0] == method and path.startswith(rule[1]) and rule[3] > 0:
                    rule[3] -= 1
                    return rule[2]
        return None

    def _handle(self, h: _Handler) -> None:
        path = h.path.split("?", 1)[0]
        self.requests[f"{h.command} {path}"] += 1
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        fault = self._next_fault(h.command, path)
        if fault is not None:
            self.faults_used[fault.kind] += 1
        kind = fault.kind if fault else ""
        if kind == "reset":
            return self._hang_up(h, 0)
        if kind == "timeout":
            return self._hang_up(h, fault.hold)
        if kind == "status":
            extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            error = {"error": "server_error" if fault.status != 503 else "unavailable",
                     "error_description": "injected fault"}
            return self._answer(h, fault.status, {"Content-Type": "application/json", **extra},
                                json.dumps(error).encode())
        status, headers, data = self._forward(h, body)
        if kind == "timeout_after_commit":
            return self._hang_up(h, fault.hold)
        if kind in ("malformed", "malformed_after_commit"):
            data = data[: max(1, len(data) // 2)] + b"\x00}"
        self._answer(h, status, headers, data)

    def _forward(self, h: _Handler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "connection")}
            conn.request(h.command, h.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            kept = {k: v for k, v in resp.getheaders()
                    if k.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date")}
            return resp.status, kept, data
        finally:
            conn.close()

    @staticmethod
    def _answer(h: _Handler, status: int, headers: dict[str, str], data: bytes) -> None:
        try:
            h.send_response(status)
            for key, value in headers.items():
                h.send_header(key, value)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
            h.wfile.flush()
        except OSError:            # the client gave up waiting (its read timeout): as a real server sees it
            h.close_connection = True

    def _hang_up(self, h: _Handler, hold: float) -> None:
        """Keep the client waiting `hold` seconds, then close without a word."""
        if hold:
            self._stopping.wait(hold)
        h.close_connection = True
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
