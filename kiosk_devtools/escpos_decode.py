"""An ESC/POS interpreter: bytes back into the picture a printer would print, plus what it recognised.

Text after FS & is read as GB18030 and drawn with the shared dot font, GS v 0 rasters are placed as
images, GS ( k QR codes are decoded to their payload and drawn; cuts are recorded. Used by the virtual
printer for its PNG and by the tests to compare printed bytes with the document. NV graphics (GS ( L fn 64-69,
FS q/FS p) are read from and written to an `NvMemory` when one is given; colour 2 (red) is kept as its own layer."""
from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

from kiosk.receipt.glyphs import CELL_HEIGHT, glyph
from kiosk.receipt.nv_graphics import COLOUR_BLACK, COLOUR_RED, NvGraphic
from kiosk.receipt.qr import qr_mask
from kiosk_devtools.nv_memory import NvFull, NvMemory

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
    red: Image.Image | None = None                   # colour-2 dots (255 = ink) when any were printed
    nv_printed: list[str] = field(default_factory=list)        # keys (or "fsq:N") printed from NV memory
    nv_missing: list[str] = field(default_factory=list)        # keys asked for that NV memory does not hold
    nv_defined: list[str] = field(default_factory=list)        # keys (or "fsq:N") written to NV memory
    requests: list[int] = field(default_factory=list)          # GS ( L functions that ask for a reply

    def picture(self) -> Image.Image:
        """The paper as people see it: RGB, colour-2 dots in red."""
        from kiosk.receipt.seal import SEAL_RED

        rgb = Image.new("RGB", self.image.size, (255, 255, 255))
        rgb.paste((0, 0, 0), (0, 0), self.image.point(lambda v: 0 if v else 255, mode="1"))
        if self.red is not None:
            rgb.paste(SEAL_RED, (0, 0), self.red)
        return rgb


class _Truncated(Exception):
    pass


class _Interpreter:
    def __init__(self, data: bytes, width_dots: int, draw: bool = True, nv: NvMemory | None = None,
                 nv_writes: bool = True):
        self.data = data
        self.nv = nv
        self.nv_writes = nv_writes
        self.draw = draw
        self.pos = 0
        self.width = width_dots
        self.ops: list[tuple[int, int, Image.Image, int]] = []
        self.graphics_buffer: list[tuple[int, Image.Image]] = []
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
        self.text_colour = COLOUR_BLACK

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
        self.ops.append((x, self.y, canvas, self.text_colour))
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

    def place_image(self, image: Image.Image, colour: int = COLOUR_BLACK) -> None:
        self.flush_line_without_feed()
        if not self.draw:
            return
        x = self._x_for(image.width)
        self.ops.append((x, self.y, image, colour))
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
        red = Image.new("1", (self.width, height), 0)
        any_red = False
        for x, y, img, colour in self.ops:
            ink = img.point(lambda v: 0 if v else 255, mode="1")
            paper.paste(0, (x, y), ink)
            if colour == COLOUR_RED:
                red.paste(1, (x, y), ink)
                any_red = True
        self.job.image = paper
        self.job.red = red if any_red else None
        return self.job

    def step(self) -> None:
        b = self.byte()
        if b == 0x0A:
            self.newline()
        elif b in (0x0D, 0x00, 0x06, 0x15, 0x18):   # CR, NUL; ACK/NAK/CAN answer a key list block
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
            elif fn_group == ord("L"):
                self.graphics(payload)
            elif fn_group == ord("N"):
                if len(payload) == 2 and payload[0] == 48:      # fn 48: character colour
                    self.text_colour = COLOUR_RED if payload[1] == 50 else COLOUR_BLACK
            else:
                self.job.unknown.append(f"GS ( {chr(fn_group)}")
        elif c == ord("8"):
            if self.byte() != ord("L"):
                self.job.unknown.append("GS 8 other than GS 8 L")
                return
            length = int.from_bytes(self.take(4), "little")
            self.graphics(self.take(length))
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
        elif c == ord("q"):
            self.define_bit_images()
        elif c == ord("p"):
            number = self.byte()
            self.byte()   # size mode: only normal size is used
            self.print_nv(f"fsq:{number}", self.nv.bit_image(number) if self.nv else None)
        else:
            self.job.unknown.append(f"FS 0x{c:02x}")

    # --- NV graphics and colour ------------------------------------------------------------------
    def graphics(self, payload: bytes) -> None:
        """GS ( L / GS 8 L with m = 48: the functions the kiosk sends (others are recorded as unknown)."""
        if len(payload) < 2 or payload[0] != 48:
            self.job.unknown.append("GS ( L with m other than 48")
            return
        fn, args = payload[1], payload[2:]
        if fn in (48, 51, 64, 3, 0):
            self.job.requests.append(fn)
        elif fn == 67 and len(args) >= 8:
            key = args[1:3].decode("ascii", "replace")
            width = int.from_bytes(args[4:6], "little")
            height = int.from_bytes(args[6:8], "little")
            colour = args[8] - 48 if len(args) > 8 else 1
            raster = args[9:9 + (width + 7) // 8 * height]
            self.job.nv_defined.append(key)
            if self.nv is not None and self.nv_writes:
                try:
                    self.nv.define(key, NvGraphic((width + 7) // 8 * 8, height, raster, colour))
                except NvFull as exc:
                    self.job.unknown.append(f"NV graphics {key!r} not defined: {exc}")
        elif fn == 66 and len(args) == 2:
            if self.nv is not None and self.nv_writes:
                self.nv.delete(args.decode("ascii", "replace"))
        elif fn == 65:
            if self.nv is not None and self.nv_writes:
                self.nv.delete_all()
        elif fn == 69 and len(args) >= 2:
            key = args[:2].decode("ascii", "replace")
            self.print_nv(key, self.nv.get(key) if self.nv else None)
        elif fn == 112 and len(args) >= 8:
            colour = args[3] - 48
            width = int.from_bytes(args[4:6], "little")
            height = int.from_bytes(args[6:8], "little")
            raster = args[8:8 + (width + 7) // 8 * height]
            ink = Image.frombytes("1", ((width + 7) // 8 * 8, height), raster)
            self.graphics_buffer.append((colour, ink.point(lambda v: 0 if v else 255, mode="1")))
        elif fn in (50, 2):
            self.print_graphics_buffer()
        else:
            self.job.unknown.append(f"GS ( L function {fn}")

    def print_nv(self, key: str, graphic: NvGraphic | None) -> None:
        if graphic is None:
            self.job.nv_missing.append(key)
            self.job.unknown.append(f"NV graphics {key!r} printed but not stored")
            return
        self.job.nv_printed.append(key)
        image = graphic.mask().point(lambda v: 0 if v else 255, mode="1")
        self.place_image(image, graphic.colour)

    def print_graphics_buffer(self) -> None:
        """fn 50: the buffered graphics of every colour, laid over each other, placed by ESC a."""
        self.flush_line_without_feed()
        buffered, self.graphics_buffer = self.graphics_buffer, []
        if not buffered or not self.draw:
            return
        width = max(img.width for _, img in buffered)
        x = self._x_for(width)
        for colour, img in buffered:
            self.ops.append((x, self.y, img, colour))
        self.job.rasters.append(RasterImage(x, self.y, buffered[0][1]))
        self.y += max(img.height for _, img in buffered)

    def define_bit_images(self) -> None:
        """FS q n [xL xH yL yH d1...dk]1...n: column-format images, sides in units of 8 dots."""
        count = self.byte()
        images = []
        for _ in range(count):
            xb = int.from_bytes(self.take(2), "little")
            yb = int.from_bytes(self.take(2), "little")
            columns = self.take(xb * 8 * yb)
            transposed = Image.frombytes("1", (yb * 8, xb * 8), columns)
            mask = transposed.transpose(Image.Transpose.TRANSPOSE)
            images.append(NvGraphic.from_mask(mask))
        self.job.nv_defined.extend(f"fsq:{i + 1}" for i in range(count))
        if self.nv is not None and self.nv_writes:
            try:
                self.nv.define_bit_images(images)
            except NvFull as exc:
                self.job.unknown.append(f"NV bit images not defined: {exc}")

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


def decode_escpos(data: bytes, width_dots: int, nv: NvMemory | None = None, nv_writes: bool = True) -> DecodedJob:
    """Interpret `data` on paper `width_dots` wide; a job cut short raises DecodeError with the part read.
    With `nv`, NV graphics print from it (and defines write to it unless `nv_writes` is False)."""
    return _Interpreter(data, width_dots, nv=nv, nv_writes=nv_writes).run()


def decode_partial(data: bytes, width_dots: int, nv: NvMemory | None = None, nv_writes: bool = True) -> DecodedJob:
    """Like decode_escpos, but a job cut short gives what was printed before the cut instead of raising."""
    try:
        return decode_escpos(data, width_dots, nv, nv_writes)
    except DecodeError as exc:
        return exc.partial


@dataclass(frozen=True)
class Command:
    """One complete command in a byte stream: where it ends, and the DLE EOT n it asks, if it is one."""
    start: int
    end: int
    status_query: int | None = None
    cut: bool = False
    nv_request: int | None = None     # GS ( L fn 48, 51 or 64: the printer answers with capacity or keys


def split_commands(data: bytes, nv: NvMemory | None = None) -> tuple[list[Command], int]:
    """The complete commands at the start of `data` and where the incomplete rest begins.

    A printer's receive loop: real-time DLE EOT queries are found only at command boundaries, never
    inside raster or QR data. With `nv`, NV memory writes take effect here, as the printer receives them."""
    interp = _Interpreter(data, 8, draw=False, nv=nv)
    commands: list[Command] = []
    while interp.pos < len(data):
        start = interp.pos
        queries = len(interp.job.status_requests)
        cuts = len(interp.job.cuts)
        requests = len(interp.job.requests)
        try:
            interp.step()
        except _Truncated:
            return commands, start
        query = interp.job.status_requests[-1] if len(interp.job.status_requests) > queries else None
        nv_request = interp.job.requests[-1] if len(interp.job.requests) > requests else None
        commands.append(Command(start, interp.pos, query, len(interp.job.cuts) > cuts, nv_request))
    return commands, len(data)


def mark_cuts(job: DecodedJob) -> Image.Image:
    """The paper with a dashed line where the printer cut, for people looking at the PNG (RGB when red was
    printed)."""
    paper = job.picture() if job.red is not None else job.image.copy()
    ink = (0, 0, 0) if paper.mode == "RGB" else 0
    for y in job.cuts:
        for x in range(0, paper.width, 12):
            for dx in range(6):
                if x + dx < paper.width and y - 1 < paper.height:
                    paper.putpixel((x + dx, min(y, paper.height - 1)), ink)
    return paper



