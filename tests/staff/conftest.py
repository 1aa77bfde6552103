"""A whole kiosk (window, controller, operations, staff screen) on the embedded central and virtual printer.

Each test gets its own data directory and a staff PIN of 2580."""
import dataclasses

import pytest

from kiosk.config import embedded_defaults, with_data_dir
from kiosk.ops.pin import hash_pin

STAFF_PIN = "2580"


@pytest.fixture
def kiosk_parts(qapp, qtbot, tmp_path):
    from kiosk.app import build_kiosk, show, shutdown

    config = with_data_dir(embedded_defaults(), tmp_path / "data")
    ui = dataclasses.replace(config.ui, fullscreen=False, voice=False, show_cursor=True,
                             staff_pin_hash=hash_pin(STAFF_PIN))
    config = dataclasses.replace(config, ui=ui)
    parts = build_kiosk(config)
    show(parts, fullscreen=False)
    parts.controller.start()
    qtbot.waitUntil(lambda: parts.controller.services_up, timeout=20_000)
    yield parts
    shutdown(parts)


def enter_pin(staff, pin: str) -> None:
    for digit in pin:
        staff.pin.keypad.key_pressed.emit(digit)
    staff.pin.ok_button.click()
