"""The text and photo a second-generation resident ID card gives: 256 bytes of UCS-2 fields, 1,024 of photo.

A card's data is personal: its repr and str show the name and number masked; only the login flow sees more."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiosk.devices.sam_frames import FrameError
from kiosk.errors import KioskError
from kiosk.shared.masking import mask_id_number, mask_name

TEXT_BYTES = 256
PHOTO_BYTES = 1024
# (field, bytes) in the order the card holds them; the text is UCS-2 little-endian, padded with spaces
TEXT_FIELDS = (("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70), ("id_number", 36),
               ("issuer", 30), ("valid_from", 16), ("valid_to", 16))
SEXES = {"1": "男", "2": "女"}


class CardExpired(KioskError):
    """The card was read, but its validity ended: the citizen needs a new card (or a temporary one)."""


@dataclass(frozen=True)
class IdCard:
    name: str
    sex: str
    nation: str
    birth: dt.date
    address: str
    id_number: str
    issuer: str
    valid_from: dt.date
    valid_to: dt.date | None          # None: 长期 (valid for life)
    photo: bytes = field(repr=False, default=b"")

    def __repr__(self) -> str:        # never the whole name or number, even in a traceback or a log line
        return f"IdCard(name={mask_name(self.name)!r}, id_number={mask_id_number(self.id_number)!r})"

    __str__ = __repr__

    def expired(self, today: dt.date) -> bool:
        return self.valid_to is not None and self.valid_to < today


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise FrameError(f"the card's {what} is not a date ({len(text)} characters)") from None


def parse_card(data: bytes) -> IdCard:
    """The card in a READ_BASE answer's data: text length (2), photo length (2), text, photo."""
    if len(data) < 4:
        raise FrameError("the card's answer is too short to hold its lengths")
    text_length, photo_length = int.from_bytes(data[0:2], "big"), int.from_bytes(data[2:4], "big")
    if text_length != TEXT_BYTES or len(data) < 4 + text_length + photo_length:
        raise FrameError(f"the card's answer holds {len(data) - 4} bytes for {text_length} of text and "
                         f"{photo_length} of photo")
    raw = data[4:4 + text_length]
    try:
        text = raw.decode("utf-16-le")
    except UnicodeDecodeError:
        raise FrameError("the card's text is not UCS-2") from None
    values, at = {}, 0
    for name, size in TEXT_FIELDS:
        values[name] = text[at:at + size // 2].strip()
        at += size // 2
    if len(values["id_number"]) != 18:
        raise FrameError("the card holds no 18-character ID number (a damaged card or a foreign card)")
    valid_to = None if values["valid_to"] in ("长期", "") else _date(values["valid_to"], "end of validity")
    return IdCard(name=values["name"], sex=SEXES.get(values["sex"], values["sex"]), nation=values["nation"],
                  birth=_date(values["birth"], "birth date"), address=values["address"],
                  id_number=values["id_number"], issuer=values["issuer"],
                  valid_from=_date(values["valid_from"], "start of validity"), valid_to=valid_to,
                  photo=bytes(data[4 + text_length:4 + text_length + photo_length]))


def card_text(card_fields: dict[str, str]) -> bytes:
    """The 256 text bytes for field values (the virtual reader writes cards with this)."""
    text = "".join(card_fields.get(name, "").ljust(size // 2)[:size // 2] for name, size in TEXT_FIELDS)
    return text.ljust(TEXT_BYTES // 2).encode("utf-16-le")
