"""An ESC/POS interpreter: bytes back into the picture a printer would print, plus what it recognised.

Text after FS & is read as GB18030 and drawn with the shared dot font, GS v 0 rasters are placed as
images, GS ( k QR codes are decoded to their payload and drawn; cuts are recorded. Used by the virtual
printer for its PNG and by the tests to compare printed bytes with the document."""
from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

from kiosk.receipt.glyphs import CELL_HEIGHT, glyph
from kiosk.receipt.qr import qr_mask

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
DEFAULT_SPACING = 30
_QR_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}


class DecodeError(ValueError):
    """The bytes end in the middle of a command (a job cut short); `partial` holds what was read."""

    def __init__(self, message: str, partial: "DecodedJob"):
        super().__init__(message)
        self.partial = partial


@dataclass(frozen=True)
class RasterImage:
    """One GS v 0 image as printed: its top-left on the paper and its dots (black on white)."""
    x: int
    y: int
    image: Image.Image


@dataclass
class DecodedJob:
    """What the bytes print: the paper picture, the text lines in the printer's font, QR payloads, rasters."""
    image: Image.Image
    text_lines: list[str] = field(default_factory=list)
    qr_payloads: list[str] = field(default_factory=list)
    rasters: list[RasterImage] = field(default_factory=list)
    cuts: list[int] = field(default_factory=list)
    status_requests: list[int] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    kanji_used: bool = False


class _Truncated(Exception):
    pass


class _Interpreter:
    def __init__(self, data: bytes, width_dots: int, draw: bool = True):
        self.data = data
        self.draw = draw
        self.pos = 0
        self.width = width_dots
        self.ops: list[tuple[int, int, Image.Image]] = []
        self.job = DecodedJob(image=Image.new("1", (width_dots, 1), 1))
        self.reset()
        self.y = 0
        self.line: list[tuple[str, int, int, bool]] = []
        self.line_height = CELL_HEIGHT

    def reset(self) -> None:
        self.align = 0
        self.sw = self.sh = 1
        self.bold = False
        self.spacing = DEFAULT_SPACING
        self.kanji = False
        self.qr_module = 3
        self.qr_ec = "L"
        self.qr_data = b""

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise _Truncated()
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    # --- drawing ---------------------------------------------------------------------------------
    def _x_for(self, width: int) -> int:
        free = max(0, self.width - width)
        return (0, free // 2, free)[min(self.align, 2)]

    def flush_line(self) -> bool:
        """Print the buffered characters at the current line; True when there were any."""
        if not self.line:
            return False
        if not self.draw:
            self.line = []
            return True
        masks = []
        for ch, sw, sh, bold in self.line:
            if sw == sh:
                masks.append(glyph(ch, sw, bold))
            else:
                base = glyph(ch, 1, bold)
                masks.append(base.resize((base.width * sw, base.height * sh), Image.NEAREST))
        total = sum(m.width for m in masks)
        x = self._x_for(total)
        text_canvas_height = max(m.height for m in masks)
        canvas = Image.new("1", (max(1, total), text_canvas_height), 1)
        cx = 0
        for m in masks:
            canvas.paste(0, (cx, 0), m)
            cx += m.width
        self.ops.append((x, self.y, canvas))
        self.job.text_lines.append("".join(ch for ch, *_ in self.line))
        self.line_height = max(CELL_HEIGHT * sh for _, _, sh, _ in self.line)
        self.line = []
        return True

    def newline(self) -> None:
        had_text = self.flush_line()
        height = self.line_height if had_text else 0
        self.y += max(self.spacing, height)

    def put_char(self, ch: str) -> None:
        self.line.append((ch, self.sw, self.sh, self.bold))

    def place_image(self, image: Image.Image) -> None:
        self.flush_line_without_feed()
        if not self.draw:
            return
        x = self._x_for(image.width)
        self.ops.append((x, self.y, image))
        self.job.rasters.append(RasterImage(x, self.y, image))
        self.y += image.height

    def flush_line_without_feed(self) -> None:
        if self.line:
            self.newline()

    # --- commands --------------------------------------------------------------------------------
    def run(self) -> DecodedJob:
        try:
            while self.pos < len(self.data):
                self.step()
            self.flush_line_without_feed()
        except _Truncated:
            self.flush_line_without_feed()
            job = self.finish()
            raise DecodeError(f"the job ends in the middle of a command at byte {self.pos} of "
                              f"{len(self.data)}", job) from None
        return self.finish()

    def finish(self) -> DecodedJob:
        height = max(self.y, 1)
        paper = Image.new("1", (self.width, height), 1)
        for x, y, img in self.ops:
            ink = img.point(lambda v: 0 if v else 255, mode="1")
            paper.paste(0, (x, y), ink)
        self.job.image = paper
        return self.job

    def step(self) -> None:
        b = self.byte()
        if b == 0x0A:
            self.newline()
        elif b in (0x0D, 0x00):
            pass
        elif b == 0x09:
            self.put_char(" ")
        elif b == 0x0C:
            self.newline()
        elif b == ESC:
            self.esc()
        elif b == GS:
            self.gs()
        elif b == FS:
            self.fs()
        elif b == DLE:
            self.dle()
        elif self.kanji and b >= 0x81:
            self.kanji_char(b)
        elif 0x20 <= b <= 0x7E:
            self.put_char(chr(b))
        elif b >= 0x80:
            self.put_char(bytes([b]).decode("cp437"))   # the code page a printer starts in
        else:
            self.job.unknown.append(f"control byte 0x{b:02x}")

    def kanji_char(self, lead: int) -> None:
        second = self.byte()
        raw = bytes([lead, second])
        if 0x30 <= second <= 0x39:
            raw += self.take(2)
        try:
            ch = raw.decode("gb18030")
        except UnicodeDecodeError:
            self.job.unknown.append(f"invalid GB18030 bytes {raw.hex()}")
            ch = "\u25a1"
        self.job.kanji_used = True
        self.put_char(ch)

    def esc(self) -> None:
        c = self.byte()
        if c == ord("@"):
            self.flush_line_without_feed()
            self.reset()
        elif c == ord("a"):
            n = self.byte()
            self.align = n - 48 if n >= 48 else n
        elif c == ord("E"):
            self.bold = bool(self.byte() & 1)
        elif c == ord("G"):
            self.byte()
        elif c == ord("!"):
            n = self.byte()
            self.bold = bool(n & 0x08)
            self.sh = 2 if n & 0x10 else 1
            self.sw = 2 if n & 0x20 else 1
        elif c == ord("3"):
            self.spacing = self.byte()
        elif c == ord("2"):
            self.spacing = DEFAULT_SPACING
        elif c == ord("J"):
            n = self.byte()
            self.flush_line()
            self.y += n
        elif c == ord("d"):
            n = self.byte()
            had = self.flush_line()
            self.y += n * self.spacing if (n or not had) else self.spacing
        elif c in (ord("-"), ord("M"), ord("t"), ord("R"), ord("{"), ord("="), ord("V"), ord(" "), ord("c")):
            if c == ord("c"):
                self.take(2)
            else:
                self.byte()
        elif c == ord("$"):
            self.take(2)
        elif c == ord("p"):
            self.take(3)
        elif c == ord("B"):
            self.take(2)
        elif c == ord("*"):
            m = self.byte()
            n = int.from_bytes(self.take(2), "little")
            self.take(n * (3 if m in (32, 33) else 1))
            self.job.unknown.append("ESC * column image (not drawn)")
        else:
            self.job.unknown.append(f"ESC 0x{c:02x}")

    def gs(self) -> None:
        c = self.byte()
        if c == ord("!"):
            n = self.byte()
            self.sw = (n >> 4) + 1
            self.sh = (n & 0x0F) + 1
        elif c == ord("V"):
            m = self.byte()
            self.flush_line_without_feed()
            if m in (65, 66, 97, 98, 103, 104):
                self.byte()
            self.job.cuts.append(self.y)
        elif c == ord("v"):
            if self.byte() != ord("0"):
                self.job.unknown.append("GS v other than GS v 0")
                return
            self.byte()  # density
            xb = int.from_bytes(self.take(2), "little")
            h = int.from_bytes(self.take(2), "little")
            raw = self.take(xb * h)
            if not self.draw:
                return
            ink = Image.frombytes("1", (xb * 8, h), raw)   # 1 = ink in ESC/POS raster data
            image = ink.point(lambda v: 0 if v else 255, mode="1")
            self.place_image(image)
        elif c == ord("("):
            fn_group = self.byte()
            length = int.from_bytes(self.take(2), "little")
            payload = self.take(length)
            if fn_group == ord("k"):
                self.two_d_code(payload)
            else:
                self.job.unknown.append(f"GS ( {chr(fn_group)}")
        elif c in (ord("L"), ord("W")):
            self.take(2)
        elif c in (ord("B"), ord("H"), ord("h"), ord("w"), ord("f"), ord("r"), ord("a"), ord("b")):
            self.byte()
        elif c == ord("P"):
            self.take(2)
        elif c == ord("k"):
            m = self.byte()
            if m <= 6:
                while self.byte() != 0:
                    pass
            else:
                self.take(self.byte())
            self.job.unknown.append("GS k barcode (not drawn)")
        else:
            self.job.unknown.append(f"GS 0x{c:02x}")

    def two_d_code(self, payload: bytes) -> None:
        if len(payload) < 2 or payload[0] != 49:   # cn = '1': QR code
            self.job.unknown.append("GS ( k for a symbol other than QR")
            return
        fn, args = payload[1], payload[2:]
        if fn == 67 and args:
            self.qr_module = max(1, min(16, args[0]))
        elif fn == 69 and args:
            self.qr_ec = _QR_EC.get(args[0], "L")
        elif fn == 80:
            self.qr_data = args[1:]
        elif fn == 81:
            text = self.qr_data.decode("utf-8", errors="replace")
            self.job.qr_payloads.append(text)
            if not self.draw:
                return
            mask = qr_mask(text, self.qr_module, self.qr_ec)
            self.place_image(mask.point(lambda v: 0 if v else 255, mode="1"))

    def fs(self) -> None:
        c = self.byte()
        if c == ord("&"):
            self.kanji = True
        elif c == ord("."):
            self.kanji = False
        elif c in (ord("!"), ord("-"), ord("C"), ord("W")):
            n = self.byte()
            if c == ord("!"):
                self.sw = 2 if n & 0x04 else self.sw
                self.sh = 2 if n & 0x08 else self.sh
        elif c == ord("S"):
            self.take(2)
        else:
            self.job.unknown.append(f"FS 0x{c:02x}")

    def dle(self) -> None:
        c = self.byte()
        if c == 0x04:
            self.job.status_requests.append(self.byte())
        elif c == 0x05:
            self.byte()
        elif c == 0x14:
            self.take(3)
        else:
            self.job.unknown.append(f"DLE 0x{c:02x}")


def decode_escpos(data: bytes, width_dots: int) -> DecodedJob:
    """Interpret `data` on paper `width_dots` wide; a job cut short raises DecodeError with the part read."""
    return _Interpreter(data, width_dots).run()


def decode_partial(data: bytes, width_dots: int) -> DecodedJob:
    """Like decode_escpos, but a job cut short gives what was printed before the cut instead of raising."""
    try:
        return decode_escpos(data, width_dots)
    except DecodeError as exc:
        return exc.partial


@dataclass(frozen=True)
class Command:
    """One complete command in a byte stream: where it ends, and the DLE EOT n it asks, if it is one."""
    start: int
    end: int
    status_query: int | None = None
    cut: bool = False


def split_commands(data: bytes) -> tuple[list[Command], int]:
    """The complete commands at the start of `data` and where the incomplete rest begins.

    A printer's receive loop: real-time DLE EOT queries are found only at command boundaries, never
    inside raster or QR data."""
    interp = _Interpreter(data, 8, draw=False)
    commands: list[Command] = []
    while interp.pos < len(data):
        start = interp.pos
        queries = len(interp.job.status_requests)
        cuts = len(interp.job.cuts)
        try:
            interp.step()
        except _Truncated:
            return commands, start
        query = interp.job.status_requests[-1] if len(interp.job.status_requests) > queries else None
        commands.append(Command(start, interp.pos, query, len(interp.job.cuts) > cuts))
    return commands, len(data)


def mark_cuts(job: DecodedJob) -> Image.Image:
    """The paper with a dashed line where the printer cut, for people looking at the PNG."""
    paper = job.image.copy()
    for y in job.cuts:
        for x in range(0, paper.width, 12):
            for dx in range(6):
                if x + dx < paper.width and y - 1 < paper.height:
                    paper.putpixel((x + dx, min(y, paper.height - 1)), 0)
    return paper



