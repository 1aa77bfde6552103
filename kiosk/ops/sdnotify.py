"""The systemd notification protocol (sd_notify) without extra dependencies: READY, WATCHDOG, STATUS, STOPPING.

Datagrams go to $NOTIFY_SOCKET (a path, or '@' for the abstract namespace); with no socket every call is a no-op."""
from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def _address() -> str | None:
    """The socket address from $NOTIFY_SOCKET, or None when unset or of a kind we do not speak."""
    value = os.environ.get("NOTIFY_SOCKET", "")
    if not value:
        return None
    if value.startswith("@"):
        return "\0" + value[1:]
    if value.startswith("/"):
        return value
    log.warning("NOTIFY_SOCKET has an unsupported address kind; notifications are off")
    return None


def notify(message: str) -> bool:
    """Send one notification ("READY=1", "WATCHDOG=1", …); True when it was sent, False when there is
    no socket or sending failed (a failure is logged, never raised)."""
    address = _address()
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode("utf-8"), address)
    except OSError as exc:
        log.warning("cannot notify the service manager: %s", exc)
        return False
    return True


def ready() -> bool:
    """Start-up is complete (Type=notify services are 'started' from here on)."""
    return notify("READY=1")


def watchdog() -> bool:
    """Keep-alive: send at least every half of watchdog_interval() from the main event loop."""
    return notify("WATCHDOG=1")


def status(text: str) -> bool:
    """A one-line status shown by `systemctl status` (newlines become spaces)."""
    return notify("STATUS=" + " ".join(text.split()))


def stopping() -> bool:
    """The service is shutting down on purpose."""
    return notify("STOPPING=1")


def watchdog_interval() -> float | None:
    """The watchdog timeout in seconds from $WATCHDOG_USEC, or None when no watchdog applies to this
    process ($WATCHDOG_PID set to another process, or values that are not positive whole numbers)."""
    usec_text = os.environ.get("WATCHDOG_USEC", "")
    if not usec_text:
        return None
    pid_text = os.environ.get("WATCHDOG_PID", "")
    if pid_text:
        if not pid_text.isdigit() or int(pid_text) != os.getpid():
            return None
    if not usec_text.isdigit() or int(usec_text) <= 0:
        log.warning("WATCHDOG_USEC is not a positive whole number; the watchdog is off")
        return None
    return int(usec_text) / 1_000_000


def keepalive_period() -> float | None:
    """How often to call watchdog(): half the watchdog timeout, as sd_watchdog_enabled(3) recommends."""
    interval = watchdog_interval()
    return interval / 2 if interval else None


def managed_by_systemd() -> bool:
    """True when a service manager started this process (it restarts us when we exit)."""
    return bool(os.environ.get("INVOCATION_ID") or os.environ.get("NOTIFY_SOCKET"))
