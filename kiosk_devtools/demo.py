"""The demo on embedded defaults: a window with a phone-simulator panel, or a headless walk-through.

The headless run taps the real buttons offscreen, approves the login as the phone would, and saves PNGs."""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import Callable

from kiosk.config import Config


class DemoStepFailed(Exception):
    """A step of the headless demo did not happen in time; the message names the step."""


class HeadlessDemo:
    """Drives one citizen's whole visit through the real UI and records every screen."""

    def __init__(self, config: Config, out_dir: Path, timeout: float = 30.0):
        import dataclasses


        ui = dataclasses.replace(config.ui, fullscreen=False, voice=False, show_cursor=True)
        self.config = dataclasses.replace(config, ui=ui)
        self.out_dir = out_dir
        self.timeout = timeout
        self.shots: list[Path] = []
        self.parts = None
        self._counter = 0

    # Helpers

    def wait_until(self, step: str, predicate: Callable[[], bool], timeout: float | None = None) -> None:
        from PySide6.QtCore import QCoreApplication

        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            QCoreApplication.processEvents()
            if predicate():
                return
            time.sleep(0.01)
        raise DemoStepFailed(step)

    def snap(self, name: str) -> Path:
        from PySide6.QtCore import QCoreApplication

        QCoreApplication.processEvents()
        self._counter += 1
        path = self.out_dir / f"{self._counter:02d}-{name}.png"
        self.parts.window.grab().save(str(path), "PNG")
        self.shots.append(path)
        return path

    def click(self, step: str, widget) -> None:
        if widget is None or not widget.isEnabled() or not widget.isVisible():
            raise DemoStepFailed(f"{step}: the button is not there or not enabled")
        widget.click()

    # The visit

    def run(self) -> list[Path]:
        from kiosk.app import build_kiosk, setup_logging, show, shutdown
        from kiosk_devtools.phone import PhoneSimulator
        from kiosk_devtools.list_rows import ListRow
        from kiosk.core.session import Stage

        self.out_dir.mkdir(parents=True, exist_ok=True)
        setup_logging(self.config.data_dir)
        self.parts = parts = build_kiosk(self.config)
        c, w = parts.controller, parts.window
        show(parts, fullscreen=False)
        stage_shots = {Stage.SUBMITTING: "submitting", Stage.PRINTING: "printing"}
        c.stage_changed.connect(lambda s: self.snap(stage_shots[s]) if s in stage_shots else None)
        try:
            c.start()
            self.wait_until("services start and the catalogue loads",
                            lambda: c.services_up and bool(w.home.tiles.tiles))
            self.wait_until("printer status read", lambda: c.printer_ready, 10)
            self.snap("home")
            self.click("tap 扫码登录", w.home.login_button)
            self.wait_until("the login QR appears", lambda: bool(w.login.qr.data))
            self.snap("login")
            phone = PhoneSimulator(c.terminal.embedded.base_url)
            user_code = c.authorization.user_code
            phone.scan(user_code)
            self.wait_until("the screen says the code was scanned",
                            lambda: w.login._status_key == "login.scanned")
            self.snap("login-scanned")
            phone.approve(user_code)
            self.wait_until("login completes", lambda: c.session.stage == Stage.CATALOG)
            profile = c.visit.profile
            self.snap("catalog")
            everything = len(w.catalog.items.item_ids())
            w.catalog.search.setText("gjj")               # pinyin initials of 公积金
            self.wait_until("search by pinyin initials (after the pause in typing)",
                            lambda: 1 <= len(w.catalog.items.item_ids()) < everything)
            self.snap("catalog-search")
            w.catalog.search.clear()
            item = c.terminal.most_used(1)[0]
            self.wait_until("the whole list is back", lambda: item.id in w.catalog.items.item_ids())
            self.click("choose an item", ListRow(w.catalog.items, item.id))
            self.wait_until("the item's guide and form open", lambda: c.session.stage == Stage.ITEM)
            self.snap("item")
            w.idle_warning.show_seconds(c.idle.warning)
            self.snap("idle-warning")
            w.idle_warning.continue_button.click()
            self._fill_form(w.item)
            self.click("tap 下一步", w.item.next_button)
            self.wait_until("the confirm screen opens", lambda: c.session.stage == Stage.CONFIRM)
            self.snap("confirm")
            self.click("tap 确认提交", w.confirm.submit_button)
            self.wait_until("submission and printing finish", lambda: c.session.stage == Stage.RATING)
            if c.flow.last_print is None or not c.flow.last_print.ok:
                raise DemoStepFailed("the slip was not printed")
            self.snap("rating")
            self.click("rate 非常满意", w.rating.level_buttons["very_satisfied"])
            self.wait_until("the done screen opens", lambda: c.session.stage == Stage.DONE)
            self.snap("done")
            self.click("tap 完成并退出", w.done.finish_button)
            self.wait_until("back home", lambda: c.session.stage == Stage.HOME)
            if not c.session.visit.is_empty:
                raise DemoStepFailed("the visit was not wiped at the end")
            left = personal_data_left(w, profile)
            if left:
                raise DemoStepFailed(f"personal data left on screen after the visit: {left}")
            self.snap("home-after-visit")
            w.header.elderly_button.click()
            self.snap("home-elderly")
            w.header.language_button.click()
            self.snap("home-elderly-en")
            w.header.elderly_button.click()
            w.header.language_button.click()
            preview = c.flow.last_print.preview_path
            if preview is None or not Path(preview).is_file():
                raise DemoStepFailed("the printer left no receipt preview")
            receipt = self.out_dir / "receipt.png"
            shutil.copyfile(preview, receipt)
            self.shots.append(receipt)
            return self.shots
        finally:
            shutdown(parts)

    def _fill_form(self, item_screen) -> None:
        """Type a sensible value into every empty editable field, as a citizen would."""
        from PySide6.QtWidgets import QLineEdit

        import datetime as _dt

        for f in item_screen.item.form:
            widget = item_screen.inputs[f.key]
            if not isinstance(widget, QLineEdit) or widget.isReadOnly() or widget.text():
                continue
            sample = {"year": str(_dt.date.today().year - 1), "phone": "13800138000",
                      "digits": "12", "date": _dt.date.today().isoformat()}.get(f.type, "示范")
            widget.setText(sample)


def widget_texts(root) -> list[str]:
    """Every text a widget tree holds: labels, buttons, inputs, combo box entries, window titles."""
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QWidget

    texts = []
    for widget in [root, *root.findChildren(QWidget)]:
        texts.append(widget.windowTitle())
        texts.append(widget.toolTip())
        if isinstance(widget, (QLabel, QAbstractButton, QLineEdit)):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        if isinstance(widget, QComboBox):
            texts.extend(widget.itemText(i) for i in range(widget.count()))
    return [t for t in texts if t]


def personal_data_left(window, profile) -> list[str]:
    """Which of the citizen's values (plain or masked) are still held by any widget of the window."""
    from kiosk.shared.masking import mask_id_number, mask_phone

    if profile is None:
        return []
    needles = {"name": profile.name, "id_number": profile.id_number, "phone": profile.phone,
               "masked id_number": mask_id_number(profile.id_number), "masked phone": mask_phone(profile.phone)}
    texts = widget_texts(window)
    return [what for what, value in needles.items() if value and any(value in t for t in texts)]


def run_headless_demo(config: Config, out_dir: Path) -> int:
    """`kiosk demo --headless`: exit 0 with the PNG paths printed, or non-zero naming the failed step."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    demo = HeadlessDemo(config, out_dir)
    try:
        shots = demo.run()
    except DemoStepFailed as exc:
        print(f"demo failed at step: {exc}", file=sys.stderr)
        return 1
    for path in shots:
        print(path)
    print(f"headless demo done: {len(shots)} pictures in {out_dir}", file=sys.stderr)
    return 0


def panel_position(window: tuple[int, int, int, int], screen: tuple[int, int, int, int],
                   panel: tuple[int, int]) -> tuple[int, int]:
    """Where the phone panel goes: right of the kiosk window if the screen has room, else in the screen's
    bottom-right corner; never over the window's top-left corner, where staff tap five times."""
    x, y, width, height = window
    sx, sy, s_width, s_height = screen
    p_width, p_height = panel
    if x + width + 16 + p_width <= sx + s_width:
        return x + width + 16, y
    return sx + s_width - p_width - 16, sy + s_height - p_height - 16


def run_windowed_demo(config: Config) -> int:
    """`kiosk demo` with a display: the kiosk in a window plus a panel that plays the citizen's phone."""
    import dataclasses

    from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

    from kiosk.app import build_kiosk, setup_logging, show, shutdown
    from kiosk_devtools.phone import PhoneSimulator

    config = dataclasses.replace(config, ui=dataclasses.replace(config.ui, fullscreen=False, show_cursor=True))
    setup_logging(config.data_dir)
    parts = build_kiosk(config)
    c = parts.controller
    panel = QWidget()
    panel.setWindowTitle("演示：模拟手机")
    layout = QVBoxLayout(panel)
    info = QLabel("登录二维码出现后，点下面的按钮模拟手机扫码并确认。")
    info.setWordWrap(True)
    layout.addWidget(info)

    def phone_action(action: str) -> None:
        auth = c.authorization
        if auth is None or c.terminal.embedded is None:
            info.setText("请先在终端上点“扫码登录”。")
            return
        phone = PhoneSimulator(c.terminal.embedded.base_url)
        getattr(phone, action)(auth.user_code)
        info.setText(f"已{ {'scan': '扫码', 'approve': '确认登录', 'deny': '拒绝登录'}[action] }：{auth.user_code}")

    for text, action in (("扫码", "scan"), ("确认登录", "approve"), ("拒绝登录", "deny")):
        b = QPushButton(text)
        b.clicked.connect(lambda _=False, a=action: phone_action(a))
        layout.addWidget(b)

    def on_ready() -> None:
        url = c.terminal.embedded.base_url if c.terminal.embedded else ""
        info.setText(info.text() + f"\n手机模拟页：{url}/phone\n工作人员页：{url}/staff")

    c.ready.connect(on_ready)
    c.start()
    show(parts, fullscreen=False, size=(1600, 900))
    panel.resize(360, 300)
    screen = parts.window.screen().availableGeometry()
    frame = parts.window.frameGeometry()
    panel.move(*panel_position((frame.x(), frame.y(), frame.width(), frame.height()),
                               (screen.x(), screen.y(), screen.width(), screen.height()), (360, 300)))
    panel.show()
    code = parts.app.exec()
    panel.close()
    shutdown(parts)
    return code
