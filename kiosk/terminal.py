"""The terminal's Qt-free services, composed from config: central client, catalogue, outbox, printer.

Every method here may block (network, printer); the UI calls them from worker threads only."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.central.errors import CentralError, CentralRefused, CentralUnavailable, LoginExpired
from kiosk.central.models import CitizenProfile, SubmissionResult, Token
from kiosk.config import Config
from kiosk.core.catalog import CatalogStore
from kiosk.core.forms import cleaned_values
from kiosk.core.outbox import Outbox, new_idempotency_key
from kiosk.core.session import Visit
from kiosk.core.store import open_db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CentralEndpoint:
    base_url: str
    secret: bytes


class Terminal:
    """Owns the long-lived services of one terminal; `start()` brings them up, `stop()` down."""

    def __init__(self, config: Config):
        self.config = config
        self.data_dir: Path = config.data_dir
        self.started_at = time.time()
        self.embedded = None
        self.client = None
        self.db = None
        self.catalog: CatalogStore | None = None
        self.outbox: Outbox | None = None
        self.printer = None
        self.central_reachable = False
        self._lock = threading.Lock()

    # Life cycle

    def open_storage(self) -> None:
        """Open the local database and the cached catalogue (fast; done before the first paint)."""
        if self.db is not None:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = open_db(self.data_dir / "kiosk.sqlite3")
        self.catalog = CatalogStore(self.db)
        self.outbox = Outbox(self.db)

    def start(self) -> None:
        """Open storage, reach central (starting the embedded one if configured), open the printer."""
        from kiosk.central.client import CentralClient
        from kiosk.printing.service import PrinterService

        self.open_storage()
        endpoint = self._central_endpoint()
        central = self.config.central
        self.client = CentralClient(endpoint.base_url, self.config.terminal.id, endpoint.secret,
                                    connect_timeout=central.connect_timeout, read_timeout=central.read_timeout,
                                    ca_bundle=central.ca_bundle)
        self.printer = PrinterService.from_config(self.config)
        self.refresh_catalog()
        unfinished = self.printer.resume_unfinished()
        if unfinished:
            log.info("resumed %d unfinished print job(s) after a restart", len(unfinished))

    def _central_endpoint(self) -> CentralEndpoint:
        if self.config.is_embedded_central:
            from kiosk.central.server.embedded import start_embedded_central

            t = self.config.terminal
            self.embedded = start_embedded_central(self.data_dir / "central", t.id, t.name, t.hall)
            return CentralEndpoint(self.embedded.base_url, self.embedded.secret)
        from kiosk.central.signing import load_secret

        return CentralEndpoint(self.config.central.base_url, load_secret(self.config.resolve(
            self.config.central.credentials_file)))

    def stop(self) -> None:
        for closer in (getattr(self.printer, "close", None), getattr(self.client, "close", None)):
            if closer:
                try:
                    closer()
                except Exception:  # closing must never keep the terminal from stopping
                    log.exception("error while closing a service")
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None
        if self.db is not None:
            self.db.close()
            self.db = None

    # Central

    def _track(self, ok: bool) -> None:
        self.central_reachable = ok

    def refresh_catalog(self) -> None:
        try:
            self.catalog.refresh(self.client)
            self._track(True)
        except CentralUnavailable:
            self._track(False)
        except CentralError:
            log.exception("the catalogue could not be loaded")

    def fetch_profile(self, token: Token) -> CitizenProfile:
        profile = self.client.profile(token)
        self._track(True)
        return profile

    def submit(self, visit: Visit) -> SubmissionResult:
        """Store the submission in the outbox, then send it; the same key is reused on any retry."""
        item = visit.item
        if item is None:
            raise ValueError("no item chosen")
        values = cleaned_values(item.form, visit.values)
        if not visit.idempotency_key:
            visit.idempotency_key = new_idempotency_key()
        entry = self.outbox.add("submission", {"item_id": item.id, "values": values},
                                visit.idempotency_key)
        try:
            result = self.client.submit(visit.token, item.id, values, entry.idempotency_key)
        except CentralRefused as exc:
            self.outbox.settle(entry.idempotency_key, refused=exc.reason or "refused")
            self._track(True)
            raise
        except (CentralUnavailable, LoginExpired) as exc:
            self.outbox.record_attempt(entry.idempotency_key, type(exc).__name__)
            self._track(not isinstance(exc, CentralUnavailable))
            raise
        self.outbox.settle(entry.idempotency_key, reference=result.application_number)
        self._track(True)
        return result

    def rate(self, visit: Visit, level: str) -> None:
        """Send the citizen's rating of this application (stored first, like a submission)."""
        if visit.result is None:
            raise ValueError("nothing to rate")
        number = visit.result.application_number
        key = f"rating-{number}"
        self.outbox.add("rating", {"application_number": number, "level": level}, key)
        try:
            self.client.rate(visit.token, number, level, idempotency_key=key)
        except CentralRefused as exc:
            self.outbox.settle(key, refused=exc.reason or "refused")
            raise
        except CentralError as exc:
            self.outbox.record_attempt(key, type(exc).__name__)
            raise
        self.outbox.settle(key, reference=number)

    def revoke(self, token: Token | None) -> None:
        if token is None:
            return
        try:
            self.client.revoke(token)
        except CentralError as exc:
            log.info("token revocation failed (%s); it expires on its own", type(exc).__name__)

    def help_request(self) -> str:
        request_id = self.client.help_request("citizen pressed 呼叫帮办")
        self._track(True)
        return request_id

    # Printer

    def print_result(self, result: SubmissionResult, *, reprint: bool = False):
        from kiosk.receipt.model import receipt_from_document

        receipt = receipt_from_document(result.document, application_number=result.application_number,
                                        reprint=reprint)
        return self.printer.print_receipt(receipt)

    def printer_status(self):
        return self.printer.status()
