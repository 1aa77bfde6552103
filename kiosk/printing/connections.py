"""Links to printers made from the configuration: usb, serial, network, file (/dev/usb/lp0) and virtual.

Each link writes bytes and, where the wire allows it, asks DLE EOT n; no answer is None, never a guess."""
from __future__ import annotations

import logging
import os
import select
import socket
import stat
from pathlib import Path
from typing import Protocol

from escpos.exceptions import Error as EscposError

from kiosk.config import Config
from kiosk.errors import PrinterError
from kiosk.printing.status import DLE_EOT

log = logging.getLogger(__name__)

# What a python-escpos link raises when the device is absent or the wire fails: its own errors
# (DeviceNotFoundError, USBNotFoundError …), OSError (sockets, pyserial, pyusb's USBError), and the ValueError /
# NotImplementedError pyusb raises for an endpoint or a backend it cannot use.
LINK_FAILURES = (EscposError, OSError, ValueError, NotImplementedError)

REPLY_LIMIT = 4096   # bytes read at most for one reply block


class LinkError(PrinterError):
    """The printer cannot be reached or the connection broke; the message says which link and why."""


class PrinterLink(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def can_read_status(self) -> bool: ...

    def open(self) -> None: ...
    def write(self, data: bytes) -> None: ...
    def query(self, n: int) -> bytes | None: ...
    def request(self, data: bytes) -> bytes | None: ...
    def end_job(self) -> Path | None: ...
    def close(self) -> None: ...
    def describe(self) -> str: ...


class EscposLink:
    """A python-escpos printer object used as a byte pipe with status queries."""

    def __init__(self, printer, kind: str, where: str, can_read_status: bool = True):
        self.printer = printer
        self.kind = kind
        self.where = where
        self.can_read_status = can_read_status
        self._open = False

    def describe(self) -> str:
        return f"{self.kind} printer at {self.where}"

    def open(self) -> None:
        if self._open:
            return
        try:
            self.printer.open()
        except LINK_FAILURES as exc:
            raise LinkError(f"cannot open the {self.describe()}: {_first_line(exc)}") from None
        self._open = True

    def write(self, data: bytes) -> None:
        self.open()
        try:
            self.printer._raw(data)
        except LINK_FAILURES as exc:
            self.close()
            raise LinkError(f"the {self.describe()} stopped taking data: {_first_line(exc)}") from None

    def _drain(self) -> None:
        """Throw away replies nobody asked for (a printer may answer bytes inside earlier data)."""
        device = self.printer.device
        if self.kind == "network":
            device.setblocking(False)
            try:
                while device.recv(64):
                    pass
            except (BlockingIOError, OSError):
                pass
            finally:
                device.settimeout(self.printer.timeout)
        elif self.kind == "serial":
            device.reset_input_buffer()

    def query(self, n: int) -> bytes | None:
        """The reply to DLE EOT n; None when the printer stays silent; LinkError when the link broke."""
        self.open()
        try:
            self._drain()
            self.printer._raw(DLE_EOT + bytes([n]))
            reply = self.printer._read()
        except LINK_FAILURES as exc:
            if _is_timeout(exc):
                log.debug("%s: no reply to DLE EOT %d", self.kind, n)
                return None
            self.close()
            raise LinkError(f"the {self.describe()} broke the connection: {_first_line(exc)}") from None
        if not reply and self.kind == "network":   # an orderly close by the printer, not silence
            self.close()
            raise LinkError(f"the {self.describe()} closed the connection")
        return bytes(reply) if reply else None

    def request(self, data: bytes) -> bytes | None:
        """Send a command the printer answers with a block ending in NUL (NV capacity, key list); the block,
        or None when the printer stays silent; LinkError when the link broke."""
        self.open()
        reply = b""
        try:
            self._drain()
            self.printer._raw(data)
            while not reply.endswith(b"\x00") and len(reply) < REPLY_LIMIT:
                chunk = self.printer._read()
                if not chunk:
                    break
                reply += bytes(chunk)
        except LINK_FAILURES as exc:
            if not _is_timeout(exc):
                self.close()
                raise LinkError(f"the {self.describe()} broke the connection: {_first_line(exc)}") from None
        return reply or None

    def end_job(self) -> Path | None:
        return None

    def close(self) -> None:
        if self._open:
            try:
                self.printer.close()
            except LINK_FAILURES:
                pass   # the link is being dropped anyway; the next open() reports what is wrong
        self._open = False


class FileLink:
    """A printer device file such as /dev/usb/lp0; status is read back when the device allows it."""

    kind = "file"

    def __init__(self, path: Path, timeout: float = 1.0):
        self.path = path
        self.timeout = timeout
        self.fd: int | None = None
        self.readable = False

    @property
    def can_read_status(self) -> bool:
        try:
            return stat.S_ISCHR(self.path.stat().st_mode)
        except OSError:
            return False

    def describe(self) -> str:
        return f"printer device {self.path}"

    def _opened(self) -> int:
        """The open file descriptor (opening it first)."""
        self.open()
        assert self.fd is not None
        return self.fd

    def open(self) -> None:
        if self.fd is not None:
            return
        try:
            self.fd = os.open(self.path, os.O_RDWR)
            self.readable = True
        except OSError:
            try:
                self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                self.readable = False
            except OSError as exc:
                raise LinkError(f"cannot open the {self.describe()}: {exc.strerror}") from None

    def write(self, data: bytes) -> None:
        fd = self._opened()
        view = memoryview(data)
        try:
            while view:
                written = os.write(fd, view)
                view = view[written:]
        except OSError as exc:
            self.close()
            raise LinkError(f"the {self.describe()} stopped taking data: {exc.strerror}") from None

    def query(self, n: int) -> bytes | None:
        if not self.can_read_status:
            return None
        fd = self._opened()
        if not self.readable:
            return None
        try:
            os.write(fd, DLE_EOT + bytes([n]))
            ready, _, _ = select.select([fd], [], [], self.timeout)
            return os.read(fd, 16) or None if ready else None
        except OSError:
            return None

    def request(self, data: bytes) -> bytes | None:
        """Send a command answered with a block ending in NUL; the block, or None when nothing came back."""
        if not self.can_read_status:
            return None
        self.open()
        if not self.readable:
            return None
        fd = self.fd
        if fd is None:
            return None
        reply = b""
        try:
            os.write(fd, data)
            while not reply.endswith(b"\x00") and len(reply) < REPLY_LIMIT:
                ready, _, _ = select.select([fd], [], [], self.timeout)
                chunk = os.read(fd, 256) if ready else b""
                if not chunk:
                    break
                reply += chunk
        except OSError:
            return None
        return reply or None

    def end_job(self) -> Path | None:
        return None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
        self.fd = None


def _is_timeout(exc: BaseException) -> bool:
    """Silence on the wire (a timeout), as opposed to a broken link."""
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return True
    return type(exc).__name__ in ("USBTimeoutError", "SerialTimeoutException")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def virtual_out_dir(config: Config) -> Path:
    """Where the `virtual` connection puts its jobs: [printer.virtual] out_dir, else data_dir/virtual-printer."""
    if config.printer.virtual is None:
        return config.data_dir / "virtual-printer"
    return config.resolve(config.printer.virtual.out_dir)


def open_link(config: Config, width_dots: int, escpos_profile=None) -> PrinterLink:
    """The link the configuration names (not yet opened: opening happens on first use)."""
    printer = config.printer
    settings = printer.connection_settings
    kind = printer.connection
    if settings is None:
        raise LinkError(f"printer.connection is {kind!r} but [printer.{kind}] is missing in {config.source}")
    if kind == "virtual":
        from kiosk import plugins
        return plugins.load("printer_link.virtual", "printer.connection = \"virtual\"")(
            virtual_out_dir(config), width_dots)
    if kind == "file":
        return FileLink(config.resolve(settings.path))
    if kind == "network":
        from escpos.printer import Network
        return EscposLink(Network(settings.host, settings.port, timeout=settings.timeout, profile=escpos_profile),
                          "network", f"{settings.host}:{settings.port}")
    if kind == "serial":
        from escpos.printer import Serial
        return EscposLink(Serial(settings.device, baudrate=settings.baudrate, timeout=settings.timeout,
                                 profile=escpos_profile),
                          "serial", f"{settings.device} ({settings.baudrate} baud)")
    if kind == "usb":
        from escpos.printer import Usb
        return EscposLink(Usb(settings.vendor_id, settings.product_id, timeout=2000, in_ep=settings.in_ep,
                              out_ep=settings.out_ep, profile=escpos_profile),
                          "usb", f"USB {settings.vendor_id:04x}:{settings.product_id:04x}")
    raise LinkError(f"unknown printer connection {kind!r}")
