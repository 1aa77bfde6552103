"""The virtual printer: stores each job's bytes and a PNG of what they print, answers DLE EOT like a printer.

`VirtualPaper` is the printer itself (used in-process by the `virtual` connection); `VirtualPrinterServer`
puts it on TCP like a network printer on port 9100, with faults set by a control port or a state file."""
from __future__ import annotations

import logging
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from kiosk_devtools.escpos_decode import Command, decode_partial, mark_cuts, split_commands
from kiosk_devtools.nv_memory import DEFAULT_CAPACITY, FOLDER as NV_FOLDER, NvMemory
from kiosk.receipt.nv_graphics import capacity_reply, key_list_reply
from kiosk.printing.connections import LinkError
from kiosk.printing.status import ErrorKind, PrinterState, status_replies_for

log = logging.getLogger(__name__)

# Faults a technician (or a test) can put the printer in.
FAULTS = {
    "none": (PrinterState.READY, ErrorKind.NONE),
    "paper_low": (PrinterState.PAPER_LOW, ErrorKind.NONE),
    "paper_out": (PrinterState.PAPER_OUT, ErrorKind.NONE),
    "cover_open": (PrinterState.COVER_OPEN, ErrorKind.NONE),
    "offline": (PrinterState.OFFLINE, ErrorKind.NONE),
    "cutter_error": (PrinterState.ERROR, ErrorKind.CUTTER),
    "unrecoverable": (PrinterState.ERROR, ErrorKind.UNRECOVERABLE),
    "recoverable": (PrinterState.ERROR, ErrorKind.RECOVERABLE),
    "silent": (PrinterState.READY, ErrorKind.NONE),      # takes data, prints, never answers a status query
    "drop": (PrinterState.READY, ErrorKind.NONE),        # drops the connection in the middle of the next job
    "stall": (PrinterState.READY, ErrorKind.NONE),       # stops reading in the middle of the next job, answers nothing
    "silent_after_print": (PrinterState.READY, ErrorKind.NONE),  # answers until it has printed a job, then hangs
}
FAULT_FILE = "fault"
KEEP_JOBS = 200   # jobs remembered in memory (`VirtualPaper.jobs`); every job stays on disk


class VirtualFaultError(ValueError):
    """An unknown fault name; the message lists the known ones."""


@dataclass(frozen=True)
class StoredJob:
    """One job the virtual printer received: its bytes and its picture; torn when cut short."""
    number: int
    bin_path: Path
    png_path: Path
    torn: bool
    printed: bool


def check_fault(name: str) -> str:
    name = (name or "none").strip().lower().replace("-", "_")
    if name not in FAULTS:
        raise VirtualFaultError(f"unknown printer fault {name!r}; known: {', '.join(FAULTS)}")
    return name


class VirtualPaper:
    """The printer mechanism and its output tray: a folder of job-NNNN.bin / job-NNNN.png files.

    `jobs` holds the last `keep_jobs` jobs stored (all of them when None), `stored` counts every one;
    the folder keeps them all, so a long run's memory does not grow with the jobs printed."""

    def __init__(self, out_dir: str | Path, width_dots: int = 576, keep_jobs: int | None = KEEP_JOBS,
                 nv_capacity: int = DEFAULT_CAPACITY):
        if keep_jobs is not None and keep_jobs < 0:
            raise ValueError("keep_jobs must not be negative")
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.width_dots = width_dots
        self.nv = NvMemory(self.out_dir / NV_FOLDER, nv_capacity)
        self._fault = "none"
        self._jobs_at_fault = 0
        self.drop_after = 2048
        self._lock = threading.Lock()
        self._last_number: int | None = None
        self.stored = 0
        self.jobs: deque[StoredJob] = deque(maxlen=keep_jobs)

    # --- faults ----------------------------------------------------------------------------------
    @property
    def fault(self) -> str:
        """The fault in force: the state file `fault` in the output folder wins over the one set in code."""
        path = self.out_dir / FAULT_FILE
        try:
            text = path.read_text(encoding="utf-8").split()
        except OSError:
            return self._fault
        try:
            return check_fault(text[0] if text else "none")
        except VirtualFaultError:
            log.warning("virtual printer: ignoring unknown fault in %s", path)
            return self._fault

    def set_fault(self, fault: str | None, drop_after: int | None = None) -> None:
        self._fault = check_fault(fault or "none")
        self._jobs_at_fault = self.stored
        if drop_after is not None:
            self.drop_after = max(1, drop_after)
        log.info("virtual printer: fault %s", self._fault)

    def status_reply(self, n: int) -> bytes | None:
        """The DLE EOT n reply byte, or None when the printer does not answer."""
        fault = self.fault
        if fault == "silent":
            return None
        if fault == "silent_after_print" and self.stored > self._jobs_at_fault:
            return None
        state, kind = FAULTS[fault]
        return status_replies_for(state, kind).get(n)

    @property
    def prints(self) -> bool:
        """Whether data sent now comes out on paper (not with paper out, cover open, offline or an error)."""
        state, _ = FAULTS[self.fault]
        return state in (PrinterState.READY, PrinterState.PAPER_LOW)

    # --- output ----------------------------------------------------------------------------------
    def _next_number(self) -> int:
        """The number after the highest in the folder; the folder is read once, then again only when
        someone else (another virtual printer on the same folder) took the number."""
        number = (self._last_number or 0) + 1
        if self._last_number is None or any(self.out_dir.glob(f"job-{number:04d}*.bin")):
            numbers = [int(p.stem.split("-")[1]) for p in self.out_dir.glob("job-*.bin")
                       if p.stem.split("-")[1].isdigit()]
            number = max(numbers, default=0) + 1
        self._last_number = number
        return number

    def store_job(self, data: bytes, torn: bool = False) -> StoredJob | None:
        """Keep a job: bytes and PNG if it printed; a job sent while the printer cannot print is only logged."""
        if not data.strip(b"\x1b@\x00\x06"):
            return None
        printed = self.prints
        with self._lock:
            number = self._next_number()
            suffix = "-torn" if torn else ""
            bin_path = self.out_dir / f"job-{number:04d}{suffix}.bin"
            png_path = self.out_dir / f"job-{number:04d}{suffix}.png"
            if not printed:
                with open(self.out_dir / "not-printed.log", "a", encoding="utf-8") as f:
                    f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {len(data)} bytes not printed: {self.fault}\n")
                log.info("virtual printer: %d bytes received while %s, not printed", len(data), self.fault)
                return None
            tmp = bin_path.with_suffix(".bin.part")
            tmp.write_bytes(data)
            job = decode_partial(data, self.width_dots, self.nv, nv_writes=False)   # NV writes took effect on receipt
            if job.nv_missing:
                log.warning("virtual printer: job %d prints NV graphics %s that are not stored", number,
                            ", ".join(job.nv_missing))
            mark_cuts(job).save(png_path)
            tmp.rename(bin_path)
            stored = StoredJob(number, bin_path, png_path, torn, printed)
            self.jobs.append(stored)
            self.stored += 1
        log.info("virtual printer: job %d stored (%d bytes%s)", number, len(data), ", torn" if torn else "")
        return stored

    def receive(self, pending: bytes) -> tuple[list[Command], int]:
        """The complete commands in `pending`: NV memory writes among them take effect now, as a printer's do."""
        return split_commands(pending, nv=self.nv)

    def reply(self, command: Command) -> bytes | None:
        """The printer's answer to a status query or an NV capacity / key list request; None when silent."""
        if command.status_query is not None:
            return self.status_reply(command.status_query)
        if command.nv_request is None or self.fault in ("silent", "stall"):
            return None
        if command.nv_request in (48, 0):
            return capacity_reply(0x30, self.nv.capacity)
        if command.nv_request in (51, 3):
            return capacity_reply(0x31, self.nv.remaining)
        return key_list_reply(self.nv.keys())


class VirtualPrinterServer:
    """A network printer on TCP (raw port 9100 style) backed by `VirtualPaper`, with an optional control port.

    Control port protocol, one line per command: `fault NAME [DROP_AFTER]`, `status`, `jobs`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 9100, out_dir: str | Path = "virtual-printer",
                 width_dots: int = 576, control_port: int | None = None, keep_jobs: int | None = KEEP_JOBS,
                 nv_capacity: int = DEFAULT_CAPACITY):
        self.host = host
        self.paper = VirtualPaper(out_dir, width_dots, keep_jobs, nv_capacity)
        self._requested_port = port
        self._requested_control = control_port
        self._sock: socket.socket | None = None
        self._control: socket.socket | None = None
        self._threads: set[threading.Thread] = set()      # running ones only: each removes itself at its end
        self._threads_lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._stopping = threading.Event()
        self.received_bytes = 0
        self._received = threading.Condition()

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1] if self._sock else self._requested_port

    @property
    def control_port(self) -> int | None:
        return self._control.getsockname()[1] if self._control else None

    @property
    def jobs(self) -> list[StoredJob]:
        """The last jobs stored, oldest first (see `VirtualPaper.jobs`)."""
        return list(self.paper.jobs)

    @property
    def running_threads(self) -> int:
        """Threads serving the listeners and the open connections right now."""
        with self._threads_lock:
            return len(self._threads)

    def set_fault(self, fault: str | None, drop_after: int | None = None) -> None:
        self.paper.set_fault(fault, drop_after)

    def start(self) -> "VirtualPrinterServer":
        self._sock = self._listen(self._requested_port)
        self._spawn(self._accept_loop, self._sock, self._serve_printer)
        if self._requested_control is not None:
            self._control = self._listen(self._requested_control)
            self._spawn(self._accept_loop, self._control, self._serve_control)
        log.info("virtual printer listening on %s:%d", self.host, self.port)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for sock in (self._sock, self._control, *list(self._conns)):
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
        with self._threads_lock:
            running = list(self._threads)
        for thread in running:
            thread.join(timeout=2)

    def __enter__(self) -> "VirtualPrinterServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def wait_for_bytes(self, count: int, timeout: float = 5.0) -> bool:
        """Block until at least `count` job bytes have arrived in total; False on timeout."""
        with self._received:
            return self._received.wait_for(lambda: self.received_bytes >= count, timeout)

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> bool:
        """Block until at least `count` jobs have been stored in total; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.paper.stored >= count:
                return True
            time.sleep(0.01)
        return self.paper.stored >= count

    # --- internals -------------------------------------------------------------------------------
    def _listen(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, port))
        sock.listen(8)
        return sock

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=self._run, args=(target, *args), daemon=True, name="virtual-printer")
        with self._threads_lock:
            self._threads.add(thread)
        thread.start()

    def _run(self, target, *args) -> None:
        try:
            target(*args)
        finally:
            with self._threads_lock:
                self._threads.discard(threading.current_thread())

    def _accept_loop(self, listener: socket.socket, handler) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            self._conns.add(conn)
            self._spawn(handler, conn)

    def _serve_printer(self, conn: socket.socket) -> None:
        pending = b""
        job = bytearray()
        job_bytes_seen = 0
        try:
            while not self._stopping.is_set():
                try:
                    data = conn.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                fault = self.paper.fault
                pending += data
                commands, boundary = self.paper.receive(pending)
                for cmd in commands:
                    chunk = pending[cmd.start:cmd.end]
                    if cmd.status_query is not None or cmd.nv_request is not None:
                        reply = self.paper.reply(cmd)
                        if reply is not None:
                            conn.sendall(reply)
                        continue
                    job += chunk
                    job_bytes_seen += len(chunk)
                    with self._received:
                        self.received_bytes += len(chunk)
                        self._received.notify_all()
                    if fault in ("drop", "stall") and job_bytes_seen >= self.paper.drop_after:
                        self.paper.store_job(bytes(job), torn=True)
                        job.clear()
                        if fault == "drop":
                            self.paper.set_fault("none")
                            raise ConnectionAbortedError("dropped mid-job")
                        self._stall(conn)
                        return
                    if cmd.cut:
                        self.paper.store_job(bytes(job))
                        job.clear()
                pending = pending[boundary:]
        except ConnectionAbortedError:
            job.clear()
        except OSError:
            pending = pending or b"lost"   # the sender vanished mid-job: what arrived is printed, torn
        finally:
            if job:
                self.paper.store_job(bytes(job), torn=bool(pending))
            self._conns.discard(conn)
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _stall(self, conn: socket.socket) -> None:
        """A hung printer: keeps the connection open, reads nothing, answers nothing, until stopped."""
        while not self._stopping.wait(0.05):
            if self.paper.fault != "stall":
                return

    def _serve_control(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rw", encoding="utf-8", newline="\n") as f:
            for line in f:
                words = line.split()
                if not words:
                    continue
                try:
                    if words[0] == "fault" and len(words) in (2, 3):
                        self.set_fault(words[1], int(words[2]) if len(words) == 3 else None)
                        answer = f"ok fault {self.paper.fault}"
                    elif words[0] == "status":
                        answer = f"ok fault {self.paper.fault}"
                    elif words[0] == "jobs":
                        answer = "ok " + " ".join(j.bin_path.name for j in self.paper.jobs)
                    else:
                        answer = "error commands: fault NAME [DROP_AFTER] | status | jobs"
                except (VirtualFaultError, ValueError) as exc:
                    answer = f"error {exc}"
                f.write(answer + "\n")
                f.flush()


class VirtualLink:
    """The in-process virtual printer: each job's bytes and PNG go into a folder; faults via its `fault` file."""

    kind = "virtual"
    can_read_status = True

    def __init__(self, out_dir: Path, width_dots: int):
        self.paper = VirtualPaper(out_dir, width_dots)
        self._job = bytearray()
        self._unread = b""

    def describe(self) -> str:
        return f"virtual printer writing to {self.paper.out_dir}"

    def open(self) -> None:
        pass

    def write(self, data: bytes) -> None:
        fault = self.paper.fault
        if fault == "drop" and len(self._job) + len(data) > self.paper.drop_after:
            keep = max(0, self.paper.drop_after - len(self._job))
            self.paper.store_job(bytes(self._job) + data[:keep], torn=True)
            self._job.clear()
            self.paper.set_fault("none")
            raise LinkError(f"the {self.describe()} dropped the connection in the middle of the job")
        self._job += data
        _, boundary = self.paper.receive(self._unread + data)    # NV memory writes take effect as received
        self._unread = (self._unread + data)[boundary:]

    def query(self, n: int) -> bytes | None:
        return self.paper.status_reply(n)

    def request(self, data: bytes, timeout: float | None = None) -> bytes | None:
        """Send a command the printer answers (NV capacity, key list); its reply, or None when silent."""
        commands, _ = self.paper.receive(data)
        replies = [self.paper.reply(cmd) for cmd in commands if cmd.nv_request is not None]
        return b"".join(r for r in replies if r) or None

    def end_job(self) -> Path | None:
        data, self._job = bytes(self._job), bytearray()
        stored = self.paper.store_job(data)
        return stored.png_path if stored is not None else None

    def close(self) -> None:
        self._job.clear()
        self._unread = b""
