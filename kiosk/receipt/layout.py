"""The slip as a column of printable items (text lines, gaps, the seal block, the QR, the cut).

Wrapping is by display width (a Chinese character takes two columns) and never breaks inside a number; titles
wrap into balanced lines. Both the ESC/POS renderer and the preview draw from this one layout."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.i18n import tr
from kiosk.receipt.profiles import PrinterProfile
from kiosk.receipt.glyphs import CELL_HEIGHT, HALF_WIDTH, char_columns, clean_text, display_width
from kiosk.receipt.model import Receipt
from kiosk.receipt.seal import seal_graphic

LINE_GAP = 8             # dots between two text lines at normal size

# Characters that must not begin a line (they close something) or end one (they open something).
_CLOSING = set("，。、：；！？）》」』”’】〕…·%,.;:!?)]}")
_OPENING = set("（《「『“‘【〔￥¥$([{")
_TOKEN = re.compile(r"[!-~]+| +|.", re.S)


def line_advance(scale: int = 1) -> int:
    """Dots the paper moves for one text line of this size (cell height plus the gap)."""
    return (CELL_HEIGHT + LINE_GAP) * scale


@dataclass(frozen=True)
class TextLine:
    """One printed line; `text` fits `columns // scale` columns of the profile."""
    text: str
    align: str = "left"      # left | center | right
    scale: int = 1           # 1 normal, 2 double width and height
    bold: bool = False

    @property
    def height(self) -> int:
        return line_advance(self.scale)

    @property
    def width_dots(self) -> int:
        return display_width(self.text) * HALF_WIDTH * self.scale


@dataclass(frozen=True)
class Gap:
    """Blank paper, in dots."""
    dots: int

    @property
    def height(self) -> int:
        return self.dots


@dataclass(frozen=True)
class SealBlock:
    """The issuer and date lines with the round seal stamped over them, printed as one 1-bit raster."""
    lines: tuple[str, ...]
    seal_text: str
    seal_label: str
    diameter_dots: int
    red: bool = False        # two-colour paper: text in colour 1, the seal in colour 2

    @property
    def height(self) -> int:
        return self.diameter_dots + 8


@dataclass(frozen=True)
class SealImage:
    """The seal alone, right-aligned just above the issuer and date lines so that it covers no text: printed
    from the printer's NV memory by `key` (GS ( L fn 69, or FS p for `fs_q`), or sent as a raster without one."""
    key: str | None
    command: str            # gs_l | fs_q | none
    seal_text: str
    seal_label: str
    diameter_dots: int
    red: bool = False

    @property
    def height(self) -> int:
        return self.diameter_dots


@dataclass(frozen=True)
class QrBlock:
    """The verification QR code, `module_dots` per module, centred."""
    payload: str
    module_dots: int
    native: bool


@dataclass(frozen=True)
class Cut:
    """The end of the slip: cut (partial or full) or, without a cutter, feed to the tear bar."""
    mode: str  # partial | full | tear


@dataclass(frozen=True)
class Layout:
    """Everything on one slip, top to bottom, for one printer profile."""
    width_dots: int
    columns: int
    items: tuple


def _tokens(text: str) -> list[str]:
    """Unbreakable pieces: ASCII runs (numbers, codes, URLs) stay whole; punctuation sticks to its word."""
    raw = _TOKEN.findall(text)
    merged: list[str] = []
    carry = ""
    for tok in raw:
        if tok in _OPENING:
            carry += tok
            continue
        tok = carry + tok
        carry = ""
        if merged and tok[0] in _CLOSING and not merged[-1].isspace():
            merged[-1] += tok
        else:
            merged.append(tok)
    if carry:
        merged.append(carry)
    return merged


def _hard_split(token: str, width: int) -> list[str]:
    """Split a token longer than a whole line (the only case a run of digits may be broken)."""
    pieces, current = [], ""
    for ch in token:
        if current and display_width(current) + char_columns(ch) > width:
            pieces.append(current)
            current = ""
        current += ch
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, columns: int, indent: int = 0) -> list[str]:
    """Lines of at most `columns` display columns; continuation lines start with `indent` spaces."""
    if columns < 2:
        raise ValueError(f"cannot wrap into {columns} columns")
    text = clean_text(text)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        start = len(lines)
        current = ""
        prefix = ""
        for tok in _tokens(paragraph):
            width = columns - display_width(prefix)
            if tok.isspace():
                if current:
                    current += tok
                continue
            if display_width(current) + display_width(tok) <= width:
                current += tok
                continue
            if current.strip():
                lines.append(prefix + current.rstrip())
                prefix = " " * indent
                width = columns - indent
                current = ""
            if display_width(tok) <= width:
                current = tok
            elif display_width(tok) <= columns:   # a long number: a line of its own rather than broken
                prefix = ""
                current = tok
            else:
                pieces = _hard_split(tok, width)
                for piece in pieces[:-1]:
                    lines.append(prefix + piece)
                    prefix = " " * indent
                current = pieces[-1]
        lines.append(prefix + current.rstrip())
        _no_lone_last_character(lines, start, indent)
    return lines


def _no_lone_last_character(lines: list[str], start: int, indent: int) -> None:
    """A paragraph never ends with one Chinese character alone on its line: the one before it joins it."""
    if len(lines) - start < 2:
        return
    last, before = lines[-1].strip(), lines[-2].rstrip()
    body = before[indent:] if len(lines) - start > 2 else before
    if len(last) != 1 or last.isascii() or len(body.strip()) < 3:
        return
    moved = before[-1]
    if moved.isascii() or moved in _CLOSING or moved in _OPENING:
        return
    lines[-2] = before[:-1]
    lines[-1] = lines[-1][:len(lines[-1]) - len(lines[-1].lstrip())] + moved + last


def _lone_character(lines: list[str]) -> bool:
    return any(len(line.strip()) == 1 for line in lines)


def balanced_wrap(text: str, columns: int) -> list[str]:
    """As few lines as `wrap` needs, but of even length: the narrowest width that still gives that many lines,
    so that no line holds a single character (社会保险个人参保缴费证明 → 社会保险个人 / 参保缴费证明)."""
    lines = wrap(text, columns)
    if len(lines) < 2:
        return lines
    total = sum(display_width(line.strip()) for line in lines)
    for width in range(max(2, total // len(lines)), columns + 1):
        candidate = wrap(text, width)
        if len(candidate) <= len(lines) and not _lone_character(candidate):
            return candidate
    return lines


def field_lines(label: str, value: str, columns: int, colon: str = "：") -> list[str]:
    """`label：value` wrapped with a hanging indent under the value when the label leaves room."""
    head = f"{clean_text(label)}{colon}"
    indent = display_width(head)
    if indent > columns // 3:
        indent = 2
    return wrap(head + value, columns, indent=indent)


def stored_seal_digest(receipt: Receipt, profile: PrinterProfile) -> str:
    """The digest of this receipt's seal as this printer would store it (its dots and colour)."""
    diameter = profile.mm_to_dots(profile.seal_diameter_mm)
    return seal_graphic(receipt.seal_text, receipt.seal_label, diameter, profile.two_colour_paper).digest


def stored_seal_key(receipt: Receipt, profile: PrinterProfile, stored_seals: Mapping[str, str] | None) -> str | None:
    """The NV key holding exactly this receipt's seal on this printer, or None (then the seal goes as a raster).

    `stored_seals` maps a seal's digest to its key, as `kiosk printer store-seal` wrote it."""
    if not stored_seals or profile.nv_graphics == "none" or not receipt.seal_text:
        return None
    return stored_seals.get(stored_seal_digest(receipt, profile))


def layout_receipt(receipt: Receipt, profile: PrinterProfile,
                   stored_seals: Mapping[str, str] | None = None) -> Layout:
    """The slip for this profile: banner, title, numbers, fields, notes, sealed issuer block, QR, cut.

    With `stored_seals` (digest → NV key) holding this receipt's seal, the seal is printed by key."""
    cols = profile.text_columns
    items: list = []

    def say(key: str, **params: object) -> str:
        """The slip's own words in the slip's language (the document's text is printed as central wrote it)."""
        return tr(key, receipt.locale, **params)

    def text(value: str, align: str = "left", scale: int = 1, bold: bool = False) -> None:
        for line in wrap(value, cols // scale):
            items.append(TextLine(line, align, scale, bold))

    def rule() -> None:
        items.append(TextLine("-" * cols))

    if receipt.reprint:
        text(say("receipt.reprint_banner"), "center", 2, True)
        text(say("receipt.reprint_note"), "center")
        items.append(Gap(8))
    for line in balanced_wrap(receipt.title, cols // 2):
        items.append(TextLine(line, "center", 2, True))
    if receipt.status_line:
        text(receipt.status_line, "center", 1, True)
    items.append(Gap(8))
    numbers = []
    if receipt.application_number:
        numbers.append((say("receipt.application_number"), receipt.application_number))
    if receipt.document_number:
        numbers.append((say("receipt.document_number"), receipt.document_number))
    if receipt.valid_until:
        numbers.append((say("receipt.valid_until"), receipt.valid_until))
    for label, value in numbers:
        items.extend(TextLine(line) for line in field_lines(label, value, cols, say("receipt.colon")))
    rule()
    for field in receipt.fields:
        items.extend(TextLine(line) for line in field_lines(field.label, field.value, cols))
    rule()
    for note in receipt.notes:
        items.extend(TextLine(line) for line in wrap(note, cols, indent=0))
    items.append(Gap(16))
    key = stored_seal_key(receipt, profile, stored_seals)
    if receipt.seal_text and (key is not None or not profile.two_colour_paper):
        # a black seal, or one from NV memory (which prints on a line of its own): above the issuer and date
        diameter = profile.mm_to_dots(profile.seal_diameter_mm)
        items.append(SealImage(key, profile.nv_graphics if key else "none", receipt.seal_text,
                               receipt.seal_label, diameter, profile.two_colour_paper))
        text(receipt.issuer, "right")
        text(receipt.issued_at, "right")
    elif receipt.seal_text:   # a red seal sent with the slip: over the issuer and date, the text knocked out
        diameter = profile.mm_to_dots(profile.seal_diameter_mm)
        block_cols = min(cols - 2, max(diameter // HALF_WIDTH, 30))
        seal_lines = tuple(wrap(receipt.issuer, block_cols)) + tuple(wrap(receipt.issued_at, block_cols))
        items.append(SealBlock(seal_lines, receipt.seal_text, receipt.seal_label, diameter,
                               profile.two_colour_paper))
    else:   # nothing issued yet (a slip accepted offline): issuer and date in plain text, no seal
        text(receipt.issuer, "right")
        text(receipt.issued_at, "right")
    if receipt.verification_url:
        items.append(Gap(24))
        items.append(QrBlock(receipt.verification_url, profile.qr_module_dots, profile.native_qr))
        items.append(Gap(16))
        text(say("receipt.verification_code", code=receipt.verification_code), "center", 1, True)
        text(say("receipt.verify_hint"), "center")
        for line in wrap(receipt.verification_url, cols):
            items.append(TextLine(line, "center"))
    if receipt.reprint:
        text(say("receipt.reprint_footer"), "center", 1, True)
    items.append(Gap(profile.mm_to_dots(4)))
    items.append(Cut(profile.cut_mode if profile.cutter else "tear"))
    if not profile.cutter:
        items.append(Gap(profile.mm_to_dots(12)))
    return Layout(width_dots=profile.width_dots, columns=cols, items=tuple(items))
