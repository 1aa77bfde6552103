"""Benchmark: bytes and render time of a typical slip per printer profile, against the whole slip as one raster;
then, on the printers that keep the seal in NV memory, the slip with the seal as a raster, with the seal printed
by key, and as receiptline makes it, side by side in bytes and seconds at 115200 baud.

Run `python benchmarks/receipt.py`; every figure is measured in this run (medians over the repeats). The
receiptline column needs Node.js and receiptline (`npm install --prefix benchmarks receiptline@4.0.4`)."""
from __future__ import annotations

import argparse
import base64
import io
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from escpos.printer import Dummy  # noqa: E402

from kiosk.config import default_profiles_dir  # noqa: E402
from kiosk.receipt.profiles import list_profiles  # noqa: E402
from kiosk.receipt.escpos_render import escpos_capabilities, render_escpos  # noqa: E402
from kiosk.receipt.layout import stored_seal_digest, wrap  # noqa: E402
from kiosk.receipt.seal import draw_seal  # noqa: E402
from kiosk.receipt.model import receipt_from_document  # noqa: E402
from kiosk.receipt.preview import preview_mono  # noqa: E402
from kiosk.receipt.sample import sample_document  # noqa: E402

BAUD = 115200
BITS_PER_BYTE = 10          # 8N1: start bit, 8 data bits, stop bit
TARGET_RATIO = 0.25
TARGET_RENDER_MS = 50.0
TARGET_NV_BYTES = 3 * 1024
HERE = Path(__file__).resolve().parent
_RECEIPTLINE_SPECIAL = set("\\|{}-=~_\"`^")


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


def seconds_at_baud(size: int) -> float:
    return size * BITS_PER_BYTE / BAUD


def _rl(text: str) -> str:
    """Text with receiptline's special characters escaped."""
    return "".join("\\" + ch if ch in _RECEIPTLINE_SPECIAL else ch for ch in text)


def receiptline_document(receipt, profile) -> str:
    """The same slip in ReceiptLine: text in the printer's font, the seal as a PNG image, the QR as a code."""
    seal = draw_seal(receipt.seal_text, receipt.seal_label, profile.mm_to_dots(profile.seal_diameter_mm))
    png = io.BytesIO()
    seal.point(lambda v: 0 if v else 255, mode="1").save(png, format="PNG")
    lines = [f"^^^{_rl(receipt.title)}"]
    if receipt.status_line:
        lines.append(f'"{_rl(receipt.status_line)}"')
    for label, value in (("办件编号", receipt.application_number), ("文书编号", receipt.document_number)):
        if value:
            lines.append(f"|{_rl(label)}：{_rl(value)}")
    lines.append("---")
    lines += [f"|{_rl(f.label)}：{_rl(f.value)}" for f in receipt.fields]
    lines.append("---")
    lines += [f"|{_rl(note)}" for note in receipt.notes]
    lines.append(f"{{image:{base64.b64encode(png.getvalue()).decode('ascii')}; align:right}}")
    lines += [f"{_rl(receipt.issuer)}|", f"{_rl(receipt.issued_at)}|"]
    lines.append(f"{{code:{receipt.verification_url}; option:qrcode,{profile.qr_module_dots},m}}")
    lines += [f'"验证码：{_rl(receipt.verification_code)}"', "扫描二维码或登录以下网址核验"]
    lines += [_rl(line) for line in wrap(receipt.verification_url, profile.text_columns)]
    return "\n".join(lines) + "\n"


def receiptline_bytes(receipt, profile) -> int | None:
    """Bytes receiptline makes of the slip, or None when Node.js or receiptline is not installed."""
    node = shutil.which("node")
    modules = [HERE / "node_modules", *(Path(p) for p in os.environ.get("NODE_PATH", "").split(os.pathsep) if p)]
    found = next((m for m in modules if (m / "receiptline").is_dir()), None)
    if node is None or found is None:
        return None
    env = dict(os.environ, NODE_PATH=str(found))
    out = subprocess.run([node, str(HERE / "receiptline_slip.js"), str(profile.text_columns),
                          profile.native_charset], input=receiptline_document(receipt, profile).encode("utf-8"),
                         capture_output=True, env=env, check=True, timeout=60)
    return len(out.stdout)


def seal_comparison(receipt, profiles, repeats: int) -> list[str]:
    """Raster seal, NV seal and receiptline side by side on each NV-capable Chinese-font profile; failures."""
    failures = []
    print()
    print("the seal: sent as a raster with every slip, printed from NV memory by key, and receiptline")
    header = (f"{'profile':<17}{'slip':<13}{'bytes':>8}{'s@115200':>10}{'× raster':>10}{'× receiptline':>15}"
              f"{'render ms':>11}")
    print(header)
    print("-" * len(header))
    for profile in profiles:
        if profile.nv_graphics == "none" or not profile.native_chinese:
            continue
        stored = {stored_seal_digest(receipt, profile): "S1"}
        raster = render_escpos(receipt, profile)
        nv = render_escpos(receipt, profile, stored)
        rl = receiptline_bytes(receipt, profile)
        timings = {"raster seal": median_ms(lambda: render_escpos(receipt, profile), repeats),
                   "NV seal": median_ms(lambda: render_escpos(receipt, profile, stored), repeats)}
        rows = [("raster seal", len(raster)), ("NV seal", len(nv))] + ([("receiptline", rl)] if rl else [])
        for name, size in rows:
            versus_rl = f"{size / rl:>14.2f}×" if rl else f"{'n/a':>15}"
            ms = f"{timings[name]:>11.1f}" if name in timings else f"{'':>11}"
            print(f"{profile.name:<17}{name:<13}{size:>8}{seconds_at_baud(size):>10.3f}"
                  f"{size / len(raster):>9.3f}×{versus_rl}{ms}")
        if rl is None:
            print(f"{'':<17}receiptline: not measured (needs node and `npm install --prefix benchmarks "
                  f"receiptline@4.0.4`)")
        if len(nv) > TARGET_NV_BYTES:
            failures.append(f"{profile.name}: NV-seal slip {len(nv)} bytes (target ≤ {TARGET_NV_BYTES})")
    return failures


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
    profiles = list_profiles(default_profiles_dir())
    for profile in profiles:
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
    failures += seal_comparison(receipt, profiles, args.repeats)
    print()
    print("targets: native-Chinese profiles ≤ 25% of whole-raster bytes; render ≤ 50 ms; NV-seal slip ≤ 3 KB: " +
          ("met" if not failures else "MISSED"))
    for failure in failures:
        print(f"  - {failure}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
