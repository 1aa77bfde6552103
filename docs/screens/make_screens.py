"""Makes the pictures in docs/screens/: every citizen screen in Chinese, English, elderly mode and portrait.

Run from the repository: `python docs/screens/make_screens.py` (offscreen; embedded central, virtual printer)."""
from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

# (suffix, locale, elderly, size); the first is the base every other picture returns to
VARIANTS = (("", "zh_CN", False, (1920, 1080)), (".en", "en", False, (1920, 1080)),
            (".elderly", "zh_CN", True, (1920, 1080)), (".portrait", "zh_CN", False, (1080, 1920)))
PORTRAIT_ONLY_FOR = {"home", "login", "catalog", "item", "rating", "print-failed", "done"}


class ScreenCamera:
    """Drives one kiosk through a visit and photographs each screen in every variant."""

    def __init__(self, out_dir: Path, data_dir: Path):
        from kiosk.app import build_kiosk, show
        from kiosk.config import embedded_defaults

        config = embedded_defaults(data_dir)
        config = dataclasses.replace(config, ui=dataclasses.replace(config.ui, fullscreen=False, voice=False,
                                                                    show_cursor=True))
        self.out_dir = out_dir
        self.parts = build_kiosk(config)
        self.c, self.w = self.parts.controller, self.parts.window
        show(self.parts, fullscreen=False)
        self.saved: list[Path] = []

    def pump(self, seconds: float = 0.05) -> None:
        from PySide6.QtCore import QCoreApplication

        end = time.monotonic() + seconds
        while True:
            QCoreApplication.processEvents()
            if time.monotonic() >= end:
                return
            time.sleep(0.005)

    def wait(self, what: str, predicate, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise SystemExit(f"gave up waiting for: {what}")
            self.pump(0.02)

    def set_variant(self, locale: str, elderly: bool, size: tuple[int, int]) -> None:
        if self.c.ctx.locale != locale:
            self.c.toggle_language()
        if self.c.ctx.elderly != elderly:
            self.c.toggle_elderly()
        for _ in range(6):
            self.w.set_screen_size(*size)
            self.pump(0.05)
            if (self.w.width(), self.w.height()) == size:
                return
        print(f"warning: the screen needs {self.w.width()}×{self.w.height()}, not {size[0]}×{size[1]}",
              file=sys.stderr)

    def snap(self, name: str) -> None:
        from PIL import Image

        for suffix, locale, elderly, size in VARIANTS:
            if suffix == ".portrait" and name not in PORTRAIT_ONLY_FOR:
                continue
            self.set_variant(locale, elderly, size)
            path = self.out_dir / f"{name}{suffix}.png"
            self.w.grab().save(str(path), "PNG")
            with Image.open(path) as image:
                image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
            self.saved.append(path)
        base = VARIANTS[0]
        self.set_variant(base[1], base[2], base[3])

    def run(self) -> list[Path]:
        from kiosk_devtools.phone import PhoneSimulator
        from kiosk.core.session import EndReason, Stage
        from kiosk.printing.connections import virtual_out_dir
        from kiosk_devtools.list_rows import ListRow

        c, w = self.c, self.w
        c.start()
        self.wait("services", lambda: c.services_up and c.printer_ready and bool(w.home.tiles.tiles)
                  and bool(w.home.qr.data))
        self.snap("home")
        w.home.login_button.click()
        self.wait("login code", lambda: bool(w.login.qr.data))
        self.snap("login")
        phone = PhoneSimulator(c.terminal.embedded.base_url)
        code = c.authorization.user_code
        phone.scan(code)
        self.wait("scanned", lambda: w.login._status_key == "login.scanned")
        self.snap("login-scanned")
        phone.approve(code)
        self.wait("catalogue", lambda: c.session.stage == Stage.CATALOG)
        self.snap("catalog")
        w.catalog.search.setText("sbjf")
        w.catalog.search_now()                         # as after the pause in typing
        self.pump(0.1)
        self.snap("catalog-search")
        w.catalog.search.clear()
        w.catalog.search_now()
        item = c.terminal.most_used(1)[0]
        ListRow(w.catalog.items, item.id).click()
        self.wait("item", lambda: c.session.stage == Stage.ITEM)
        self.snap("item")
        w.item.next_button.click()                     # nothing filled in yet: the form says what is missing
        self.pump(0.1)
        self.snap("item-error")
        w.idle_warning.show_seconds(c.idle.warning)
        self.snap("idle-warning")
        w.idle_warning.hide()
        from kiosk_devtools.demo import HeadlessDemo

        HeadlessDemo._fill_form(None, w.item)
        w.item.next_button.click()
        self.wait("confirm", lambda: c.session.stage == Stage.CONFIRM)
        self.snap("confirm")
        c.flow.submit_grace = 60.0
        w.confirm.submit_button.click()
        self.snap("submitting")
        c.flow.cancel_submit()
        c.flow.submit_grace = 0.0
        c.stage_changed.connect(lambda stage: self.snap("printing") if stage == Stage.PRINTING else None)
        w.confirm.submit_button.click()
        self.wait("rating", lambda: c.session.stage == Stage.RATING)
        self.snap("rating")
        w.rating.level_buttons["very_satisfied"].click()
        self.wait("done", lambda: c.session.stage == Stage.DONE)
        self.snap("done")
        w.done.finish_button.click()
        self.wait("home", lambda: c.session.stage == Stage.HOME)
        c.stage_changed.disconnect()
        # A second visit whose slip cannot be printed: the printer runs out of paper.
        self.wait("a new code", lambda: c.authorization is not None)
        w.home.login_button.click()
        phone.approve(c.authorization.user_code)
        self.wait("catalogue", lambda: c.session.stage == Stage.CATALOG)
        ListRow(w.catalog.items, item.id).click()
        self.wait("item", lambda: c.session.stage == Stage.ITEM)
        HeadlessDemo._fill_form(None, w.item)
        w.item.next_button.click()
        self.wait("confirm", lambda: c.session.stage == Stage.CONFIRM)
        fault = virtual_out_dir(c.config) / "fault"
        fault.write_text("paper_out\n", encoding="utf-8")
        w.confirm.submit_button.click()
        self.wait("print failure", lambda: w.printing.problem_card.isVisible())
        self.snap("print-failed")
        c.end_visit(EndReason.CITIZEN)
        c.flow.check_printer()
        self.wait("printer read", lambda: not c.printer_ready)
        self.snap("home-printer-out")
        fault.write_text("none\n", encoding="utf-8")
        c.apply_service_mode(True, "设备维护中，预计 30 分钟后恢复", "")
        self.wait("out of service", lambda: c.session.stage == Stage.OUT_OF_SERVICE)
        self.snap("out-of-service")
        c.apply_service_mode(False, "", "")
        self.snap_staff()
        return self.saved

    def snap_staff(self) -> None:
        """The staff screen (behind the PIN, in the hall's language) at the three sizes it must fit, then as a
        hall working in English sees it (ui.locale = "en")."""
        staff, w = self.parts.staff, self.parts.window
        shots = (("", (1920, 1080)), (".1600x900", (1600, 900)), (".portrait", (1080, 1920)))
        self._snap_staff_at(shots)
        terminal = staff.console.terminal
        chinese = terminal.config
        terminal.config = dataclasses.replace(chinese, ui=dataclasses.replace(chinese.ui, locale="en"))
        staff.pin = staff.panel = None          # made again, in the hall's new language
        self._snap_staff_at(((".en", (1920, 1080)), (".en.1600x900", (1600, 900))))
        terminal.config = chinese
        w.resize(1920, 1080)

    def _snap_staff_at(self, shots) -> None:
        staff, w = self.parts.staff, self.parts.window
        for suffix, size in shots:
            w.resize(*size)
            staff.open()
            staff._unlocked()
            self.pump(0.3)
            path = self.out_dir / f"staff{suffix}.png"
            w.grab().save(str(path))
            self.saved.append(path)
            staff.close_screen()

    def close(self) -> None:
        from kiosk.app import shutdown

        shutdown(self.parts)


def main() -> int:
    with tempfile.TemporaryDirectory() as data:
        camera = ScreenCamera(HERE, Path(data))
        try:
            saved = camera.run()
        finally:
            camera.close()
    for path in saved:
        print(path.relative_to(HERE.parents[1]))
    print(f"{len(saved)} pictures", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
