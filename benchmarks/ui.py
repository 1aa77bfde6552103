"""UI responsiveness and memory: time from a tap to the next screen painted, and RSS growth over many visits.

Run: python benchmarks/ui.py [--visits 500]. Offscreen, embedded central, virtual printer; targets p95 ≤ 50 ms, ≤ 10 MB."""
from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_P95_MS = 50.0
TARGET_GROWTH_MB = 10.0


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PaintClock:
    """Records when a widget is next painted."""

    def __init__(self):
        from PySide6.QtCore import QEvent, QObject

        clock = self

        class Filter(QObject):
            def eventFilter(self, watched, event):
                if event.type() == QEvent.Paint and clock.target is watched and clock.painted_at is None:
                    clock.painted_at = time.perf_counter()
                return False

        self.filter = Filter()
        self.target = None
        self.painted_at = None


class Bench:
    def __init__(self, data_dir: Path):
        from kiosk.app import build_kiosk, show
        from kiosk.config import embedded_defaults
        from kiosk.ui.window import SCREENS

        config = embedded_defaults(data_dir)
        config = dataclasses.replace(config, ui=dataclasses.replace(config.ui, fullscreen=False, voice=False,
                                                                    show_cursor=True))
        self.parts = build_kiosk(config)
        self.c, self.w = self.parts.controller, self.parts.window
        show(self.parts, fullscreen=False)
        self.c.flow.submit_grace = 0.0
        self.clock = PaintClock()
        for stage in SCREENS:           # every screen, made now (the window makes them after its first paint)
            self.w.screen_for(stage).installEventFilter(self.clock.filter)
        self.times: dict[str, list[float]] = defaultdict(list)

    def pump(self, predicate, timeout: float = 30.0, what: str = "") -> None:
        from PySide6.QtCore import QCoreApplication, QEvent

        end = time.monotonic() + timeout
        while not predicate():
            QCoreApplication.processEvents()
            QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)   # as the running event loop does
            if time.monotonic() > end:
                raise SystemExit(f"timed out: {what}")
            time.sleep(0.0005)

    def tap(self, name: str, button, then_stage=None) -> None:
        """Tap `button`; time until the screen that is current afterwards has been painted."""
        from PySide6.QtCore import QCoreApplication

        QCoreApplication.processEvents()
        self.clock.painted_at = None
        started = time.perf_counter()
        button.click()
        self.clock.target = self.w.current
        if then_stage is not None and self.c.session.stage != then_stage:
            raise SystemExit(f"{name}: expected {then_stage}, got {self.c.session.stage}")
        self.pump(lambda: self.clock.painted_at is not None, 5, f"paint after {name}")
        self.times[name].append((self.clock.painted_at - started) * 1000)

    def start(self) -> None:
        self.c.start()
        self.pump(lambda: self.c.services_up and self.c.printer_ready and bool(self.w.home.tiles.tiles), 30,
                  "services")

    def visit(self, card_code: str) -> None:
        from kiosk.core.session import Stage
        from kiosk_devtools.demo import HeadlessDemo
        from kiosk_devtools.list_rows import ListRow

        c, w = self.c, self.w
        self.tap("home → catalogue", w.home.categories.buttons[0], Stage.CATALOG)
        w.scanner.code_scanned.emit(card_code)       # what a scanner burst produces
        self.pump(lambda: c.session.stage == Stage.CATALOG and c.visit.token is not None, 10, "login")
        self.tap("language switch", w.header.language_button)
        self.tap("language switch", w.header.language_button)
        item = c.terminal.most_used(1)[0]
        self.tap("catalogue → item", ListRow(w.catalog.items, item.id), Stage.ITEM)
        HeadlessDemo._fill_form(None, w.item)
        self.tap("item → confirm", w.item.next_button, Stage.CONFIRM)
        self.tap("confirm → item (change)", w.confirm.edit_button, Stage.ITEM)
        self.tap("item → confirm", w.item.next_button, Stage.CONFIRM)
        self.tap("confirm → submitting", w.confirm.submit_button, Stage.SUBMITTING)
        self.pump(lambda: c.session.stage == Stage.RATING, 20, "submit and print")
        self.tap("rating → done", w.rating.level_buttons["satisfied"], Stage.DONE)
        self.tap("done → home (logout)", w.done.finish_button, Stage.HOME)

    def stop(self) -> None:
        from kiosk.app import shutdown

        shutdown(self.parts)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=500)
    args = parser.parse_args()
    from central_server.citizens import SAMPLE_CITIZENS

    with tempfile.TemporaryDirectory() as data:
        bench = Bench(Path(data))
        try:
            bench.start()
            started = time.monotonic()
            rss_at_10 = None
            for n in range(1, args.visits + 1):
                bench.visit(SAMPLE_CITIZENS[n % len(SAMPLE_CITIZENS)].card_code)
                if n == 10:
                    gc.collect()
                    rss_at_10 = rss_mb()
            gc.collect()
            rss_end = rss_mb()
            elapsed = time.monotonic() - started
        finally:
            bench.stop()
    print(f"{args.visits} visits in {elapsed:.0f} s (tap → next screen painted, offscreen, 1920×1080)")
    print(f"{'transition':28} {'n':>5} {'p50 ms':>8} {'p95 ms':>8}")
    worst = 0.0
    for name, values in bench.times.items():
        p95 = percentile(values, 95)
        worst = max(worst, p95)
        print(f"{name:28} {len(values):5d} {statistics.median(values):8.1f} {p95:8.1f}")
    everything = [v for values in bench.times.values() for v in values]
    print(f"{'all taps':28} {len(everything):5d} {statistics.median(everything):8.1f} "
          f"{percentile(everything, 95):8.1f}")
    growth = rss_end - (rss_at_10 or rss_end)
    print(f"RSS after 10 visits {rss_at_10:.1f} MB, after {args.visits}: {rss_end:.1f} MB, growth {growth:+.1f} MB")
    ok = worst <= TARGET_P95_MS and growth <= TARGET_GROWTH_MB
    print(f"targets: p95 ≤ {TARGET_P95_MS:.0f} ms per transition, growth ≤ {TARGET_GROWTH_MB:.0f} MB: "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)     # skip interpreter teardown: Qt objects must not be freed after the application object
