"""Offline acceptance: the local result and slip for an offline_ok item accepted while central is unreachable.

The slip says 已受理，待上传 and carries a local reference; the outbox forwards the submission later."""
from __future__ import annotations

import datetime as _dt
import re

from kiosk.central.models import CatalogItem, Document, DocumentField, SubmissionResult
from kiosk.i18n import tr

PENDING_UPLOAD = "pending_upload"
STATUS_LINE = tr("receipt.pending_upload")   # the slip is in the terminal's default language
LOCAL_PREFIX = "LOCAL"
_CHINA_TZ = _dt.timezone(_dt.timedelta(hours=8))
_LOCAL_RE = re.compile(r"^LOCAL-(?P<terminal>.+)-(?P<entry>\d{6,})$")


def local_reference(terminal_id: str, entry_id: int) -> str:
    """The reference printed on a locally accepted slip: unique per terminal (the outbox row id)."""
    if entry_id <= 0:
        raise ValueError(f"an outbox entry id is positive, got {entry_id}")
    return f"{LOCAL_PREFIX}-{terminal_id}-{entry_id:06d}"


def entry_id_of(reference: str, terminal_id: str) -> int | None:
    """The outbox row behind a local reference of this terminal; None for anything else."""
    match = _LOCAL_RE.match(reference)
    if match is None or match.group("terminal") != terminal_id:
        return None
    return int(match.group("entry"))


def is_pending_upload(result: SubmissionResult | None) -> bool:
    return result is not None and result.status == PENDING_UPLOAD


def offline_result(item: CatalogItem, applicant: dict[str, str], reference: str, *, terminal_name: str,
                   hall: str, accepted_at: float) -> SubmissionResult:
    """What the citizen gets when central is unreachable: a receipt (受理回执), no official document.

    It carries no seal and no verification QR: nothing has been issued yet; central does that on upload."""
    stamp = _dt.datetime.fromtimestamp(accepted_at, _CHINA_TZ)
    fields = (
        DocumentField(tr("receipt.offline.reference"), reference),
        DocumentField(tr("receipt.offline.item"), item.name_zh),
        DocumentField(tr("receipt.offline.applicant"), applicant.get("name", ""), "name"),
        DocumentField(tr("receipt.offline.id_number"), applicant.get("id_number", ""), "id_number"),
        DocumentField(tr("receipt.offline.terminal"), terminal_name),
        DocumentField(tr("receipt.offline.accepted_at"), f"{stamp:%Y-%m-%d %H:%M}"),
    )
    document = Document(
        title=tr("receipt.offline.title", item=item.name_zh), number="", fields=fields, issuer=hall, seal_text="",
        issued_at=tr("receipt.offline.issued_at", date=stamp), verification_code="", verification_url="",
        seal_label="", notes=(tr("receipt.offline.note_network"), tr("receipt.offline.note_query")))
    return SubmissionResult(application_number=reference, status=PENDING_UPLOAD, document=document,
                            message=STATUS_LINE)
