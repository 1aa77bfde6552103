"""The staff screen: PIN gate with lockout, printer actions, service mode, restart, audit."""
from kiosk.core.session import Stage
from kiosk.ops.pin import PinGate

from tests.staff.conftest import STAFF_PIN, enter_pin


def open_staff(parts):
    parts.window.staff_requested.emit()
    assert parts.staff.isVisible()
    return parts.staff


def audit_actions(parts):
    return [entry.action for entry in parts.operations.audit.recent(100)]


def test_correct_pin_opens_the_panel_and_is_audited(kiosk_parts):
    staff = open_staff(kiosk_parts)
    enter_pin(staff, STAFF_PIN)
    assert staff.unlocked
    assert "pin.accepted" in audit_actions(kiosk_parts)
    assert "staff.opened" in audit_actions(kiosk_parts)


def test_five_wrong_pins_lock_the_screen_even_after_a_restart(kiosk_parts):
    staff = open_staff(kiosk_parts)
    for attempt in range(4):
        enter_pin(staff, "9999")
        assert f"还可尝试 {4 - attempt} 次" in staff.pin.message.text()
    enter_pin(staff, "9999")
    assert "已锁定" in staff.pin.message.text()
    enter_pin(staff, STAFF_PIN)
    assert not staff.unlocked
    reopened = PinGate(kiosk_parts.terminal.db, kiosk_parts.terminal.config.ui.staff_pin_hash)
    assert reopened.state().locked_until is not None


def test_opening_the_staff_screen_ends_a_citizen_visit(kiosk_parts, qtbot):
    controller = kiosk_parts.controller
    controller.begin_login()
    assert controller.session.stage == Stage.LOGIN
    open_staff(kiosk_parts)
    assert controller.session.stage == Stage.HOME
    assert controller.session.visit.is_empty


def test_test_print_reaches_the_printer_and_reprint_is_marked(kiosk_parts, qtbot):
    staff = open_staff(kiosk_parts)
    enter_pin(staff, STAFF_PIN)
    panel = staff.panel
    panel.test_print()
    qtbot.waitUntil(lambda: "测试页已打印" in panel.result.text(), timeout=20_000)
    jobs = kiosk_parts.terminal.printer.recent_jobs()
    assert jobs and jobs[0].finished
    panel.reprint(jobs[0].id)
    qtbot.waitUntil(lambda: "已重印" in panel.result.text(), timeout=20_000)
    newest = kiosk_parts.terminal.printer.recent_jobs()[0]
    assert newest.reprint_of == jobs[0].id and newest.receipt_to_print.reprint
    assert {"staff.test_print", "staff.reprint"} <= set(audit_actions(kiosk_parts))


def test_out_of_service_and_back_from_the_staff_screen(kiosk_parts, qtbot):
    staff = open_staff(kiosk_parts)
    enter_pin(staff, STAFF_PIN)
    staff.panel.message.setText("设备维护中，请到3号窗口办理")
    staff.panel.out_of_service()
    qtbot.waitUntil(lambda: "已暂停服务" in staff.panel.result.text(), timeout=10_000)
    staff.panel._close()
    controller = kiosk_parts.controller
    assert controller.session.stage == Stage.OUT_OF_SERVICE
    assert "3号窗口" in kiosk_parts.window.out_of_service.reason.text()
    staff = open_staff(kiosk_parts)
    enter_pin(staff, STAFF_PIN)
    staff.panel.in_service()
    qtbot.waitUntil(lambda: "已恢复服务" in staff.panel.result.text(), timeout=10_000)
    staff.panel._close()
    assert controller.session.stage == Stage.HOME


def test_restart_button_asks_the_application_to_restart(kiosk_parts, qtbot):
    staff = open_staff(kiosk_parts)
    enter_pin(staff, STAFF_PIN)
    staff.restart_requested.disconnect()   # keep the test's event loop alive instead of leaving it
    with qtbot.waitSignal(staff.restart_requested, timeout=2000):
        staff.panel.restart()
    assert "staff.restart" in audit_actions(kiosk_parts)


def test_panel_shows_central_outbox_and_logs(kiosk_parts, qtbot):
    staff = open_staff(kiosk_parts)
    enter_pin(staff, STAFF_PIN)
    qtbot.waitUntil(lambda: "服务中心" in staff.panel.central_state.text(), timeout=10_000)
    qtbot.waitUntil(lambda: "待上传：0 项" in staff.panel.outbox_label.text(), timeout=10_000)
    qtbot.waitUntil(lambda: bool(staff.panel.printer_state.text()), timeout=10_000)
