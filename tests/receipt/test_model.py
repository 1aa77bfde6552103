"""A document becomes a masked Receipt: masking happens before anything is rendered or stored."""
from __future__ import annotations

import pytest

from kiosk.central.models import Document, DocumentField
from kiosk.receipt.model import Receipt, ReceiptError, receipt_from_document


def test_fields_are_masked_as_the_document_says(receipt):
    values = {f.label: f.value for f in receipt.fields}
    assert values["公民身份号码"] == "340102********1234"
    assert values["联系电话"] == "138****5678"
    assert values["姓名"] == "欧阳**"
    assert values["参保单位"].startswith("合肥市某某科技有限公司")


def test_no_clear_personal_data_survives_into_the_receipt_or_its_json(receipt):
    stored = repr(receipt.to_json())
    for secret in ("340102195204121234", "13812345678", "欧阳桂英"):
        assert secret not in stored
        assert secret not in repr(receipt)


def test_receipt_round_trips_through_json(receipt):
    again = Receipt.from_json(receipt.to_json())
    assert again == receipt
    assert again.as_reprint().reprint and not again.reprint


def test_unknown_mask_kind_is_refused_not_passed_through():
    doc = Document(title="t", number="n", fields=(DocumentField("证件", "123456789012345678", "passport"),),
                   issuer="i", seal_text="s", issued_at="d", verification_code="c", verification_url="u")
    with pytest.raises(ReceiptError, match="证件"):
        receipt_from_document(doc)


def test_bad_stored_receipt_names_the_key():
    with pytest.raises(ReceiptError, match="receipt.title"):
        Receipt.from_json({"title": 3, "fields": [], "issuer": "", "seal_text": "", "issued_at": "",
                           "verification_code": "", "verification_url": ""})
    with pytest.raises(ReceiptError, match="unknown keys"):
        Receipt.from_json({"title": "x", "colour": "red"})


def test_flags_and_numbers_are_carried(document):
    r = receipt_from_document(document, application_number="A-1", reprint=True, status_line="已受理，待上传")
    assert (r.application_number, r.reprint, r.status_line, r.document_number) == \
        ("A-1", True, "已受理，待上传", document.number)
