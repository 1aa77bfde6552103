"""The verification QR as dots: one module matrix shared by raster printing, the preview and the interpreter.

Error correction M, no quiet zone (the layout leaves blank paper around it), as GS ( k prints it."""
from __future__ import annotations

from functools import lru_cache

import qrcode
from PIL import Image

EC_LEVELS = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
             "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}
ESCPOS_EC = {"L": 0, "M": 1, "Q": 2, "H": 3}  # GS ( k function 169 values minus 48


@lru_cache(maxsize=64)
def qr_modules(payload: str, ec: str = "M") -> tuple[tuple[bool, ...], ...]:
    """The module matrix (True = dark) for `payload`, smallest version that fits."""
    if not payload:
        raise ValueError("a QR code needs a payload")
    code = qrcode.QRCode(version=None, error_correction=EC_LEVELS[ec], border=0)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    return tuple(tuple(bool(v) for v in row) for row in code.get_matrix())


def qr_mask(payload: str, module_dots: int, ec: str = "M") -> Image.Image:
    """The QR as a 1-bit mask (255 = ink), `module_dots` dots per module."""
    modules = qr_modules(payload, ec)
    n = len(modules)
    small = Image.new("1", (n, n), 0)
    small.putdata([255 if dark else 0 for row in modules for dark in row])
    return small.resize((n * module_dots, n * module_dots), Image.Resampling.NEAREST)

