"""The soak run's other side in a process of its own: reference central, fault proxy and virtual printer.

benchmarks/soak.py starts it on 127.0.0.1 (system-chosen ports) and drives it by JSON lines on stdin/stdout."""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.reliability.fault_proxy import Fault  # noqa: E402  (stdlib only; the soak imports this module)


def resources() -> dict[str, float]:
    """This process's resident memory (MB), open file descriptors and threads, from /proc."""
    status = Path("/proc/self/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if ":" in line)
    return {"rss_mb": int(fields["VmRSS"].split()[0]) / 1024, "fds": len(os.listdir("/proc/self/fd")),
            "threads": int(fields["Threads"].strip()), "py_threads": threading.active_count()}


class Services:
    """The three fakes and the commands the soak sends them."""

    def __init__(self, folder: Path, terminal_id: str, terminal_name: str, hall: str):
        # Imported here, in the services process only: the soak's process holds the terminal alone.
        from central_server.embedded import start_embedded_central
        from kiosk_devtools.virtual_printer import VirtualPrinterServer

        from tests.reliability.fault_proxy import FaultProxy

        self.central = start_embedded_central(folder / "central", terminal_id, terminal_name, hall)
        self.proxy = FaultProxy(self.central.base_url).start()
        # Every job stays on disk (the soak counts slips there); none is kept in memory.
        self.printer = VirtualPrinterServer("127.0.0.1", 0, folder / "paper", width_dots=576, keep_jobs=0).start()

    def addresses(self) -> dict[str, Any]:
        from central_server.embedded import DB_NAME, SECRET_NAME

        return {"central": self.central.base_url, "proxy": self.proxy.base_url, "printer_port": self.printer.port,
                "secret": str(self.central.data_dir / SECRET_NAME), "db": str(self.central.data_dir / DB_NAME),
                "paper": str(self.printer.paper.out_dir), "pid": os.getpid()}

    def handle(self, command: dict) -> dict:
        op = command.get("op")
        if op == "inject":
            self.proxy.inject(command["method"], command["path"], Fault(**command["fault"]), command["times"])
        elif op == "clear":
            self.proxy.clear()
        elif op == "down":
            self.proxy.down()
        elif op == "up":
            self.proxy.up()
        elif op == "printer_fault":
            self.printer.set_fault(command["fault"], command.get("drop_after"))
        elif op == "resources":
            return {"ok": True, **resources(), "printer_threads": self.printer.running_threads}
        else:
            return {"ok": False, "error": f"unknown command {op!r}"}
        return {"ok": True}

    def stop(self) -> None:
        self.printer.stop()
        self.proxy.stop()
        self.central.stop()


class ServicesProcess:
    """The soak's handle on the child process: start it, send it commands, stop it."""

    def __init__(self, folder: Path, terminal_id: str, terminal_name: str, hall: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / "services.log"
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--dir", str(folder), "--terminal-id", terminal_id,
             "--terminal-name", terminal_name, "--hall", hall],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, encoding="utf-8",
            bufsize=1)
        self.addresses = self._read()
        self.pid = self.addresses["pid"]

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=10)
            raise RuntimeError(f"the soak services stopped (exit {self.proc.returncode}); see {self.log_path}")
        return json.loads(line)

    def call(self, op: str, **args) -> dict:
        self.proc.stdin.write(json.dumps({"op": op, **args}, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        answer = self._read()
        if not answer.get("ok"):
            raise RuntimeError(f"soak services refused {op}: {answer.get('error')}")
        return answer

    def stop(self) -> None:
        """Ask the services to stop; kill the process if it does not end within 15 s."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()          # end of input: the services stop and the process exits
            except OSError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self._log.close()


class RemoteProxy:
    """The fault proxy in the services process, with FaultProxy's methods the soak uses."""

    def __init__(self, services: ServicesProcess):
        self.services = services
        self.base_url = services.addresses["proxy"]

    def inject(self, method: str, path: str, fault: Fault, times: int = 1) -> None:
        self.services.call("inject", method=method, path=path, times=times,
                           fault={"kind": fault.kind, "status": fault.status, "retry_after": fault.retry_after,
                                  "hold": fault.hold})

    def clear(self) -> None:
        self.services.call("clear")

    def down(self) -> None:
        self.services.call("down")

    def up(self) -> None:
        self.services.call("up")


class RemotePrinter:
    """The virtual printer in the services process: its port and its fault switch."""

    def __init__(self, services: ServicesProcess):
        self.services = services
        self.port = services.addresses["printer_port"]
        self.out_dir = Path(services.addresses["paper"])

    def set_fault(self, fault: str | None, drop_after: int | None = None) -> None:
        self.services.call("printer_fault", fault=fault or "none", drop_after=drop_after)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="folder for central's database and the paper")
    parser.add_argument("--terminal-id", required=True)
    parser.add_argument("--terminal-name", default="压力测试终端")
    parser.add_argument("--hall", default="示范区政务服务中心")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    services = Services(args.dir, args.terminal_id, args.terminal_name, args.hall)
    out = sys.stdout
    try:
        out.write(json.dumps(services.addresses(), ensure_ascii=False) + "\n")
        out.flush()
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                answer = services.handle(json.loads(line))
            except (ValueError, KeyError, TypeError) as exc:
                answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            out.write(json.dumps(answer, ensure_ascii=False) + "\n")
            out.flush()
    finally:
        services.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
