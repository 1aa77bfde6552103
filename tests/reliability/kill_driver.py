"""A kiosk process for the SIGKILL rows: one visit, killed by itself at the point named in KIOSK_KILL_AT.

Run: python -m tests.reliability.kill_driver CONFIG ITEM_ID (points: after_outbox_write, after_answer, before_print;
with no point it runs on until the test kills it: while sending or printing)."""
from __future__ import annotations

import os
import signal
import sys

from kiosk.config import load_config
from kiosk.terminal import Terminal
from tests.reliability.visits import logged_in_visit


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main(config_path: str, item_id: str) -> None:
    point = os.environ.get("KIOSK_KILL_AT", "")
    terminal = Terminal(load_config(config_path), replay_interval=3600.0,
                        printer_options={"confirm_timeout": 60.0, "poll_interval": 0.05})
    terminal.start()
    visit = logged_in_visit(terminal, item_id)
    send = terminal.client.submit

    def submit(*args, **kwargs):
        if point == "after_outbox_write":      # Terminal.submit wrote the outbox entry just before this call
            die()
        result = send(*args, **kwargs)
        if point == "after_answer":            # central answered; the outbox is not settled yet
            die()
        return result

    terminal.client.submit = submit
    print("submitting", flush=True)
    result = terminal.submit(visit)
    print(f"submitted {result.application_number}", flush=True)
    if point == "before_print":                # settled and its slip queued; nothing sent to the printer
        die()
    terminal.print_result(result)
    print("printed", flush=True)
    terminal.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
