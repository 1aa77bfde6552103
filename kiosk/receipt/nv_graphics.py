"""ESC/POS commands for graphics kept in the printer's non-volatile memory and for two-colour graphics.

GS ( L functions 48/51 (capacity), 64 (key list), 66 (delete), 67 (define, raster), 69 (print by key), 112/50
(graphics in the print buffer, colour 1 black or 2 red); FS q / FS p for older printers; the replies parsed."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from escpos.printer import Dummy
from PIL import Image

FS = b"\x1c"
ACK = b"\x06"
COLOUR_BLACK, COLOUR_RED = 1, 2          # GS ( L c = 49 / 50: colour 1 (high energy) and colour 2 (red layer)
NV_RECORD_OVERHEAD = 24                  # bytes of control information per NV graphics record (Epson)
MAX_GS_L_PARAMETERS = 65535              # beyond this a define needs GS 8 L
FS_Q_IMAGE = 1                           # the seal is NV bit image number 1


class NvError(ValueError):
    """A key, an image or a printer's reply that NV graphics cannot use; the message says which and why."""


def check_key(key: str) -> bytes:
    """The two key bytes kc1 kc2 (each 32-126, printable ASCII) for `key`, or NvError saying what is wrong."""
    if not isinstance(key, str) or len(key) != 2 or not all(" " <= ch <= "~" for ch in key):
        raise NvError(f"an NV graphics key is two printable ASCII characters (32-126), such as \"S1\"; got {key!r}")
    return key.encode("ascii")


@dataclass(frozen=True)
class NvGraphic:
    """A 1-bit picture ready for NV memory: raster rows of whole bytes (1 = ink, MSB left) and its colour."""
    width: int
    height: int
    raster: bytes
    colour: int = COLOUR_BLACK

    @classmethod
    def from_mask(cls, mask: Image.Image, colour: int = COLOUR_BLACK) -> "NvGraphic":
        """From a 1-bit ink mask (255 = ink); the width is padded to whole bytes."""
        if colour not in (COLOUR_BLACK, COLOUR_RED):
            raise NvError(f"graphics colour is 1 (black) or 2 (red), got {colour}")
        width = (mask.width + 7) // 8 * 8
        padded = Image.new("1", (width, mask.height), 0)
        padded.paste(mask.convert("1"), (0, 0))
        return cls(width, mask.height, padded.tobytes(), colour)

    @property
    def data_bytes(self) -> int:
        return len(self.raster)

    @property
    def record_bytes(self) -> int:
        """What one NV graphics record of this picture takes in the printer's memory."""
        return self.data_bytes + NV_RECORD_OVERHEAD

    @property
    def digest(self) -> str:
        """Identifies the exact dots and colour: the slip prints by key only when the stored digest matches."""
        head = f"{self.width}x{self.height}c{self.colour}:".encode("ascii")
        return hashlib.sha256(head + self.raster).hexdigest()

    def mask(self) -> Image.Image:
        """The picture as a 1-bit ink mask (255 = ink)."""
        return Image.frombytes("1", (self.width, self.height), self.raster)


def _gs_l(fn: bytes, data: bytes = b"") -> bytes:
    """GS ( L pL pH m fn [data], built by python-escpos (m = 48)."""
    printer = Dummy()
    printer._image_send_graphics_data(b"0", fn, data)
    return printer.output


def _low_high(value: int) -> bytes:
    return value.to_bytes(2, "little")


# --- GS ( L --------------------------------------------------------------------------------------------
CAPACITY_REQUEST = _gs_l(b"0")            # fn 48: transmit the NV graphics memory capacity
REMAINING_REQUEST = _gs_l(b"3")           # fn 51: transmit the remaining capacity
KEY_LIST_REQUEST = _gs_l(b"@", b"KC")     # fn 64: transmit the key code list (answer with ACK)
PRINT_BUFFER = _gs_l(b"2")                # fn 50: print the graphics in the print buffer


def define_nv_graphic(key: str, graphic: NvGraphic) -> bytes:
    """GS ( L fn 67: define `graphic` (raster format, one colour) under `key` in NV memory."""
    kc = check_key(key)
    params = (b"0" + kc + b"\x01" + _low_high(graphic.width) + _low_high(graphic.height)
              + bytes([48 + graphic.colour]) + graphic.raster)
    if len(params) + 2 > MAX_GS_L_PARAMETERS:
        raise NvError(f"the seal picture is {graphic.data_bytes} bytes; GS ( L defines at most "
                      f"{MAX_GS_L_PARAMETERS - 12} bytes of dots: make the seal smaller")
    return _gs_l(b"C", params)


def print_nv_graphic(key: str) -> bytes:
    """GS ( L fn 69: print the NV graphics stored under `key`, normal size."""
    return _gs_l(b"E", check_key(key) + b"\x01\x01")


def delete_nv_graphic(key: str) -> bytes:
    """GS ( L fn 66: delete the NV graphics stored under `key`."""
    return _gs_l(b"B", check_key(key))


def buffer_graphic(mask: Image.Image, colour: int) -> bytes:
    """GS ( L fn 112: put a 1-bit ink mask (255 = ink) into the print buffer in colour 1 or 2; several colours
    are laid over each other and printed together by PRINT_BUFFER."""
    graphic = NvGraphic.from_mask(mask, colour)
    params = (b"0\x01\x01" + bytes([48 + colour]) + _low_high(graphic.width) + _low_high(graphic.height)
              + graphic.raster)
    return _gs_l(b"p", params)


# --- FS q / FS p ---------------------------------------------------------------------------------------
def define_nv_bit_image(graphic: NvGraphic) -> bytes:
    """FS q 1: define the seal as NV bit image 1 (column format, sides in multiples of 8 dots). A printer
    keeps one set of FS q images: this replaces every image defined before."""
    width = (graphic.width + 7) // 8 * 8
    height = (graphic.height + 7) // 8 * 8
    canvas = Image.new("1", (width, height), 0)
    canvas.paste(graphic.mask(), (0, 0))
    columns = canvas.transpose(Image.Transpose.TRANSPOSE).tobytes()   # one column per row, top dot = MSB
    return (FS + b"q" + bytes([FS_Q_IMAGE]) + _low_high(width // 8) + _low_high(height // 8) + columns)


def print_nv_bit_image(number: int = FS_Q_IMAGE) -> bytes:
    """FS p n 0: print NV bit image n, normal size."""
    return FS + b"p" + bytes([number, 0])


# --- replies -------------------------------------------------------------------------------------------
def parse_capacity(reply: bytes | None, identifier: int) -> int:
    """Bytes in a capacity reply (header 37h, identifier 30h for fn 48 or 31h for fn 51, ASCII digits, NUL)."""
    if not reply or len(reply) < 4 or reply[0] != 0x37 or reply[1] != identifier or reply[-1] != 0:
        raise NvError(f"the printer did not answer the NV capacity request as expected (got {reply!r})")
    digits = reply[2:-1]
    if not digits.isdigit():
        raise NvError(f"the printer's NV capacity reply holds no number (got {reply!r})")
    return int(digits)


def parse_key_list(reply: bytes | None) -> tuple[list[str], bool]:
    """Keys in a key list reply (37h 72h, status 40h last block / 41h more, key pairs, NUL), and whether more
    blocks follow."""
    if not reply or len(reply) < 4 or reply[0] != 0x37 or reply[1] != 0x72 or reply[-1] != 0:
        raise NvError(f"the printer did not answer the NV key list request as expected (got {reply!r})")
    status, body = reply[2], reply[3:-1]
    if status not in (0x40, 0x41) or len(body) % 2:
        raise NvError(f"the printer's NV key list reply is malformed (got {reply!r})")
    return [body[i:i + 2].decode("ascii") for i in range(0, len(body), 2)], status == 0x41


def capacity_reply(identifier: int, value: int) -> bytes:
    """A capacity reply as a printer sends it (for printers simulated in tests and the virtual printer)."""
    return bytes([0x37, identifier]) + str(max(0, value)).encode("ascii") + b"\x00"


def key_list_reply(keys: list[str]) -> bytes:
    """A one-block key list reply as a printer sends it."""
    return b"\x37\x72\x40" + "".join(keys).encode("ascii") + b"\x00"
