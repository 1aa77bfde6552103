"""The catalogue at a province's size: 8 items (the sample) against 2,100 (tests/fixtures/catalog-2100.json).

Run: python benchmarks/catalog.py [--runs 5]. Prints, side by side with the ratio 2,100 / 8:
- first paint: process start to the first painted home screen with the catalogue cached (`kiosk run
  --exit-after-paint`, runs interleaved), and the process's peak RSS;
- ready: in one process, `start()` to services up, printer status known and the list filled;
- keystroke: a search typed into the list, to the list repainted (median and p95 over 40 queries);
- scroll: one page down the list, to the list repainted (median and p95 over 40 pages);
- RSS of the process holding the kiosk after all of the above."""
from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PROVINCE = REPO / "tests" / "fixtures" / "catalog-2100.json"
QUERIES = ["gjj", "sb", "社保", "yanglao", "证明", "housing", "hkzm", "户口", "医保", "gongjijin", "bdc", "税",
           "zfgj", "cr", "出入境", "jsz", "驾驶证", "residence", "lhjy", "残疾"] * 2


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def config_file(folder: Path, catalog: Path | None) -> Path:
    text = (REPO / "config.toml").read_text(encoding="utf-8").replace('dir = "var"', f'dir = "{folder / "var"}"')
    if catalog is not None:
        text = text.replace("[central]\n", f'[central]\nembedded_catalog = "{catalog}"\n', 1)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cache_catalogue(config_path: Path) -> None:
    """Run the kiosk's services once so that its database holds the catalogue, as on a terminal after a day."""
    from kiosk.config import load_config
    from kiosk.terminal import Terminal

    terminal = Terminal(load_config(config_path))
    try:
        terminal.start()
    finally:
        terminal.stop()


def first_paint(config_path: Path) -> tuple[float, float]:
    """Seconds from process start to the first painted home screen, and the process's peak RSS in MB."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.time()
    child = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config_path),
                              "--exit-after-paint"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env, cwd=REPO)
    out, err = child.communicate(timeout=120)
    line = next((l for l in out.splitlines() if l.startswith("first-paint ")), None)
    if line is None:
        raise SystemExit(f"the kiosk did not report its first paint:\n{err[-2000:]}")
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return float(line.split()[1]) - started, rss_mb


def one_child_rss(config_path: Path) -> float:
    """Peak RSS of one `--exit-after-paint` run, measured alone in a fresh interpreter (RUSAGE_CHILDREN is a
    maximum over every child so far, so each size is measured by its own parent)."""
    code = ("import sys, runpy; sys.path.insert(0, %r); from benchmarks.catalog import first_paint; "
            "from pathlib import Path; print(first_paint(Path(%r))[1])") % (str(REPO), str(config_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=180)
    return float(out.stdout.strip().splitlines()[-1])


def in_process(catalog: Path | None, folder: Path) -> dict[str, float]:
    """Ready time, keystroke and scroll times, and RSS, with the kiosk in this process."""
    from PySide6.QtCore import QCoreApplication

    from kiosk.app import build_kiosk, show, shutdown
    from kiosk.config import embedded_defaults

    config = embedded_defaults(folder / "data")
    config = dataclasses.replace(config, ui=dataclasses.replace(config.ui, fullscreen=False, voice=False))
    if catalog is not None:
        config = dataclasses.replace(config, central=dataclasses.replace(config.central,
                                                                          embedded_catalog=str(catalog)))
    parts = build_kiosk(config)
    c, w = parts.controller, parts.window
    show(parts, fullscreen=False)

    def pump(predicate, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise SystemExit("the kiosk did not get ready in time")
            QCoreApplication.processEvents()
            time.sleep(0.001)

    started = time.perf_counter()
    c.start()
    pump(lambda: c.services_up and c.printer_ready and len(w.catalog.items.item_ids()) > 0, 120)
    ready = time.perf_counter() - started
    w.stack.setCurrentWidget(w.catalog)
    pump(lambda: w.catalog.isVisible(), 10)
    keystrokes = []
    for query in QUERIES:
        t0 = time.perf_counter()
        c.flow.filter_catalog(query, "")
        w.catalog.items.viewport().repaint()
        keystrokes.append(time.perf_counter() - t0)
    c.flow.filter_catalog("", "")
    bar = w.catalog.items.verticalScrollBar()
    scrolls = []
    for _ in range(40):
        t0 = time.perf_counter()
        bar.setValue(min(bar.maximum(), bar.value() + bar.pageStep()))
        w.catalog.items.viewport().repaint()
        scrolls.append(time.perf_counter() - t0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shutdown(parts)
    return {"ready": ready, "key_median": statistics.median(keystrokes), "key_p95": p95(keystrokes),
            "scroll_median": statistics.median(scrolls), "scroll_p95": p95(scrolls), "rss": rss}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--part", choices=("paint", "live"), help=argparse.SUPPRESS)
    parser.add_argument("--catalog", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part == "live":   # one size in its own process, so that RSS is its own
        with tempfile.TemporaryDirectory() as tmp:
            figures = in_process(Path(args.catalog) if args.catalog else None, Path(tmp))
        print(" ".join(f"{k}={v}" for k, v in figures.items()))
        return 0

    with tempfile.TemporaryDirectory() as small_dir, tempfile.TemporaryDirectory() as big_dir:
        small = config_file(Path(small_dir), None)
        cache_catalogue(small)
        cache_catalogue(config_file(Path(big_dir), PROVINCE))
        # A terminal starts from the catalogue in its database; the file served by the embedded central is not
        # read (nor checked) on the way to the first paint.
        big = config_file(Path(big_dir), None)
        # Warm-up, not counted: it also keeps home's copy of the day's tiles, as a terminal's first start after a
        # new catalogue does (that start still parses the whole catalogue before its first paint).
        first_paint(small), first_paint(big)
        small_paint, big_paint = [], []
        for _ in range(args.runs):
            small_paint.append(first_paint(small)[0])
            big_paint.append(first_paint(big)[0])
        small_rss, big_rss = one_child_rss(small), one_child_rss(big)

    live = {}
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for name, catalog in (("8", ""), ("2100", str(PROVINCE))):
        out = subprocess.run([sys.executable, __file__, "--part", "live", "--catalog", catalog],
                             capture_output=True, text=True, env=env, cwd=REPO, timeout=600)
        line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
        if "=" not in line:
            raise SystemExit(f"the live part failed for {name} items:\n{out.stderr[-2000:]}")
        live[name] = {k: float(v) for k, v in (pair.split("=") for pair in line.split())}

    rows = [
        ("first paint, median (s)", statistics.median(small_paint), statistics.median(big_paint)),
        ("first paint peak RSS (MB)", small_rss, big_rss),
        ("ready: services, printer, list (s)", live["8"]["ready"], live["2100"]["ready"]),
        ("keystroke to repaint, median (ms)", live["8"]["key_median"] * 1e3, live["2100"]["key_median"] * 1e3),
        ("keystroke to repaint, p95 (ms)", live["8"]["key_p95"] * 1e3, live["2100"]["key_p95"] * 1e3),
        ("scroll a page, median (ms)", live["8"]["scroll_median"] * 1e3, live["2100"]["scroll_median"] * 1e3),
        ("scroll a page, p95 (ms)", live["8"]["scroll_p95"] * 1e3, live["2100"]["scroll_p95"] * 1e3),
        ("RSS after search and scroll (MB)", live["8"]["rss"], live["2100"]["rss"]),
    ]
    print(f"catalogue benchmark, {args.runs} interleaved start-ups per size; one process per size for the rest")
    print(f"{'':38}{'8 items':>12}{'2,100 items':>14}{'ratio':>9}")
    for name, small_value, big_value in rows:
        ratio = big_value / small_value if small_value else float("nan")
        print(f"{name:38}{small_value:12.3f}{big_value:14.3f}{ratio:9.2f}")
    print("first paint runs (s): 8: " + ", ".join(f"{t:.3f}" for t in small_paint)
          + "; 2,100: " + ", ".join(f"{t:.3f}" for t in big_paint))
    print("targets: first paint ≤ 0.8 s and ≤ 1.5× the 8-item start; keystroke p95 ≤ 50 ms; RSS ≤ 180 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
