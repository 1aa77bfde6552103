"""Benchmark: bytes and render time of a typical slip per printer profile, against the whole slip as one raster.

Run `python benchmarks/receipt.py`; every figure is measured in this run (medians over the repeats)."""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from escpos.printer import Dummy  # noqa: E402

from kiosk.config import default_profiles_dir  # noqa: E402
from kiosk.receipt.profiles import list_profiles  # noqa: E402
from kiosk.receipt.escpos_render import escpos_capabilities, render_escpos  # noqa: E402
from kiosk.receipt.model import receipt_from_document  # noqa: E402
from kiosk.receipt.preview import preview_mono  # noqa: E402
from kiosk.receipt.sample import sample_document  # noqa: E402

BAUD = 115200
BITS_PER_BYTE = 10          # 8N1: start bit, 8 data bits, stop bit
TARGET_RATIO = 0.25
TARGET_RENDER_MS = 50.0


def whole_raster_bytes(receipt, profile) -> int:
    """What most kiosk code sends: the whole slip drawn as one picture, through python-escpos GS v 0."""
    printer = Dummy()
    printer.profile = escpos_capabilities(profile)
    printer.hw("INIT")
    printer.image(preview_mono(receipt, profile), impl="bitImageRaster")
    printer.cut(mode="PART")
    return len(printer.output)


def median_ms(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    receipt = receipt_from_document(sample_document(), application_number="AH-340100-20240520-000042")
    print(f"typical slip: title, {len(receipt.fields)} fields + notes (~20 lines of Chinese), seal, QR; "
          f"medians of {args.repeats} runs")
    header = (f"{'profile':<17}{'chinese':<8}{'qr':<7}{'bytes':>8}{'raster':>9}{'ratio':>8}"
              f"{'render ms':>11}{'cold ms':>9}{'s@115200':>10}{'raster s':>10}")
    print(header)
    print("-" * len(header))
    failures = []
    for profile in list_profiles(default_profiles_dir()):
        start = time.perf_counter()
        data = render_escpos(receipt, profile)                     # first render: fonts and seal drawn
        cold = (time.perf_counter() - start) * 1000
        warm = median_ms(lambda: render_escpos(receipt, profile), args.repeats)
        raster = whole_raster_bytes(receipt, profile)
        ratio = len(data) / raster
        seconds = len(data) * BITS_PER_BYTE / BAUD
        raster_seconds = raster * BITS_PER_BYTE / BAUD
        print(f"{profile.name:<17}{'native' if profile.native_chinese else 'raster':<8}"
              f"{'native' if profile.native_qr else 'image':<7}{len(data):>8}{raster:>9}{ratio:>7.1%}"
              f"{warm:>11.1f}{cold:>9.1f}{seconds:>10.2f}{raster_seconds:>10.2f}")
        if profile.native_chinese and ratio > TARGET_RATIO:
            failures.append(f"{profile.name}: {ratio:.1%} of the whole-raster bytes (target ≤ {TARGET_RATIO:.0%})")
        if warm > TARGET_RENDER_MS:
            failures.append(f"{profile.name}: render {warm:.1f} ms (target ≤ {TARGET_RENDER_MS:.0f} ms)")
    print()
    print("targets: native-Chinese profiles ≤ 25% of whole-raster bytes; render ≤ 50 ms: " +
          ("met" if not failures else "MISSED"))
    for failure in failures:
        print(f"  - {failure}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
