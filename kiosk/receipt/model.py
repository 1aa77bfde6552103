"""The printed slip as pure data: a `Receipt` built from central's `Document`.

Masking of personal data happens here, before anything is rendered, printed or stored."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from kiosk.central.models import Document
from kiosk.receipt.dates import format_when
from kiosk.shared.masking import mask_value


class ReceiptError(ValueError):
    """A receipt cannot be built or read back (bad stored data, unknown mask kind)."""


@dataclass(frozen=True)
class ReceiptField:
    """One `label：value` line of the slip; the value is already masked."""
    label: str
    value: str


@dataclass(frozen=True)
class Receipt:
    """Everything printed on one slip, already masked; no personal data in clear beyond what the slip shows."""
    title: str
    fields: tuple[ReceiptField, ...]
    issuer: str
    seal_text: str
    issued_at: str
    verification_code: str
    verification_url: str
    document_number: str = ""
    application_number: str = ""
    seal_label: str = "业务专用章"
    notes: tuple[str, ...] = ()
    reprint: bool = False
    status_line: str = ""
    valid_until: str = ""
    locale: str = "zh_CN"     # language of the slip's own words (办件编号 / Application no.)

    def as_reprint(self) -> "Receipt":
        """The same slip marked 重印 (printed again)."""
        return dataclasses.replace(self, reprint=True)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for the print spool); round-trips through `from_json`."""
        data = dataclasses.asdict(self)
        data["fields"] = [{"label": f.label, "value": f.value} for f in self.fields]
        data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_json(cls, data: Any) -> "Receipt":
        """Read back what `to_json` wrote; a wrong shape raises ReceiptError naming the key."""
        if not isinstance(data, dict):
            raise ReceiptError(f"receipt: expected a JSON object, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ReceiptError(f"receipt: unknown keys {sorted(unknown)}")
        values = dict(data)
        try:
            values["fields"] = tuple(ReceiptField(label=str(f["label"]), value=str(f["value"]))
                                     for f in data.get("fields", ()))
        except (TypeError, KeyError) as exc:
            raise ReceiptError(f"receipt.fields: each field needs 'label' and 'value' ({exc})") from None
        values["notes"] = tuple(str(n) for n in data.get("notes", ()))
        for key in ("title", "issuer", "seal_text", "issued_at", "verification_code", "verification_url"):
            if not isinstance(values.get(key), str):
                raise ReceiptError(f"receipt.{key}: expected a string, got {values.get(key)!r}")
        return cls(**values)


def receipt_from_document(document: Document, *, application_number: str = "", reprint: bool = False,
                          status_line: str = "", locale: str = "zh_CN", zone: str | None = None) -> Receipt:
    """The slip for `document`, every field masked as the document says (ID 6+4, phone 3+4, family name);
    its dates written for people (2026年12月03日 12:09 / 3 Dec 2026 12:09) in the terminal's time `zone`."""
    fields = []
    for f in document.fields:
        try:
            value = mask_value(f.mask, f.value)
        except ValueError as exc:
            raise ReceiptError(f"document field {f.label!r}: {exc}") from None
        fields.append(ReceiptField(label=f.label, value=value))
    return Receipt(
        title=document.title,
        fields=tuple(fields),
        issuer=document.issuer,
        seal_text=document.seal_text,
        issued_at=format_when(document.issued_at, locale, zone),
        verification_code=document.verification_code,
        verification_url=document.verification_url,
        document_number=document.number,
        application_number=application_number,
        seal_label=document.seal_label,
        notes=tuple(document.notes),
        reprint=reprint,
        status_line=status_line,
        valid_until=format_when(document.valid_until, locale, zone, with_time=False) if document.valid_until else "",
        locale=locale,
    )
