"""The terminal's Qt-free services, composed from config: local storage, central client, outbox, printer.

Local storage is ready once constructed; `start()` connects central and the printer. Methods may block
(network, printer): the UI calls them from worker threads only."""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.central.errors import CentralError, CentralUnavailable, LoginExpired
from kiosk.central.models import RATING_CODES, CatalogItem, Category, CitizenProfile, SubmissionResult, Token
from kiosk.config import Config
from kiosk.core.catalog import CatalogStore
from kiosk.core.forms import cleaned_values
from kiosk.core.offline import STATUS_LINE, entry_id_of, is_pending_upload, local_reference, offline_result
from kiosk.core.outbox import Outbox, new_idempotency_key
from kiosk.core.outbox_sender import OutboxSender, SendOutcome
from kiosk.core.replay import InFlight, OutboxReplayer, ReplayReport
from kiosk.core.session import Visit
from kiosk.shared.store import open_db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CentralEndpoint:
    base_url: str
    secret: bytes


class Terminal:
    """Owns the long-lived services of one terminal: storage from the start, central and printer after `start()`."""

    def __init__(self, config: Config, *, replay_interval: float = 30.0, client_options: dict | None = None,
                 printer_options: dict | None = None):
        """`client_options` and `printer_options` tune CentralClient and PrinterService (retries, timeouts)."""
        self.config = config
        self.data_dir: Path = config.data_dir
        self.started_at = time.time()
        self.embedded = None
        self.client = None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = open_db(self.data_dir / "kiosk.sqlite3")
        self.catalog = CatalogStore(self.db)
        self.outbox = Outbox(self.db)
        self.sender = OutboxSender(self.outbox)
        self.replayer: OutboxReplayer | None = None
        self.printer = None
        self.central_reachable = False
        self.replay_interval = replay_interval
        self.client_options = dict(client_options or {})
        self.printer_options = dict(printer_options or {})
        self.in_flight = InFlight()
        self._last_submission: tuple[str, str] = ("", "")
        self._lock = threading.Lock()

    # Life cycle

    @property
    def started(self) -> bool:
        """True once `start()` connected central and the printer (and until `stop()`)."""
        return self.client is not None and self.printer is not None

    def start(self) -> None:
        """Reach central (starting the embedded one if configured), open the printer, start the replayer."""
        from kiosk.central.client import CentralClient
        from kiosk.printing.service import PrinterService

        endpoint = self._central_endpoint()
        central = self.config.central
        timeouts = dict(connect_timeout=central.connect_timeout, read_timeout=central.read_timeout,
                        ca_bundle=central.ca_bundle)
        self.client = CentralClient(endpoint.base_url, self.config.terminal.id, endpoint.secret,
                                    **{**timeouts, **self.client_options})
        # The replayer has a client of its own: its backoff is cut short by stop(), and it never
        # shares a connection with a citizen's request.
        self.replayer = OutboxReplayer(self.outbox, None, in_flight=self.in_flight, interval=self.replay_interval,
                                       on_reachability=self._track)
        replay_options = {"max_retries": 1, **self.client_options, "sleep": self.replayer.sleep}
        self.replayer.client = CentralClient(endpoint.base_url, self.config.terminal.id, endpoint.secret,
                                             **{**timeouts, **replay_options})
        self.printer = PrinterService.from_config(self.config, **self.printer_options)
        self.refresh_catalog()
        self.replayer.start()
        unfinished = self.printer.resume_unfinished()
        if unfinished:
            log.info("resumed %d unfinished print job(s) after a restart", len(unfinished))

    def _central_endpoint(self) -> CentralEndpoint:
        if self.config.is_embedded_central:
            from kiosk.central.embedded import start_embedded_central

            self.embedded = start_embedded_central(self.config)
            return CentralEndpoint(self.embedded.base_url, self.embedded.secret)
        from kiosk.central.signing import load_secret

        return CentralEndpoint(self.config.central.base_url, load_secret(self.config.resolve(
            self.config.central.credentials_file)))

    def stop(self) -> None:
        """Stop the replayer, close printer, clients, the embedded central and the database."""
        if self.replayer is not None:
            self.replayer.stop()
        replay_client = self.replayer.client if self.replayer is not None else None
        for closer in (getattr(self.printer, "close", None), getattr(self.client, "close", None),
                       getattr(replay_client, "close", None)):
            if closer:
                try:
                    closer()
                except Exception:  # closing must never keep the terminal from stopping
                    log.exception("error while closing a service")
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None
        self.replayer = None
        self.client = None
        self.printer = None
        self.db.close()

    # The catalogue (from the local cache; refreshed from central)

    def item(self, item_id: str) -> CatalogItem | None:
        return self.catalog.catalog.item(item_id) if self.catalog.catalog else None

    def items(self) -> list[CatalogItem]:
        """Every item, most used first."""
        return self.catalog.most_used(limit=0)

    def most_used(self, limit: int) -> list[CatalogItem]:
        return self.catalog.most_used(limit)

    def categories(self) -> tuple[Category, ...]:
        return self.catalog.catalog.categories if self.catalog.catalog else ()

    def has_catalog(self) -> bool:
        return bool(self.catalog.items())

    def record_use(self, item_id: str) -> None:
        self.catalog.record_use(item_id)

    # Central

    def device_flow(self):
        """A new RFC 8628 login for this terminal; None until central is connected."""
        from kiosk.central.device_flow import DeviceFlow

        return DeviceFlow(self.client) if self.client is not None else None

    def login_with_code(self, code: str) -> Token:
        """Log in with a code shown to the terminal's scanner (e.g. an e-social-security card)."""
        token = self.client.login_with_code(code)
        self._track(True)
        return token

    def _track(self, ok: bool) -> None:
        self.central_reachable = ok

    def refresh_catalog(self) -> None:
        try:
            self.catalog.refresh(self.client)
            self._track(self.catalog.central_answered)
        except CentralUnavailable:
            self._track(False)
        except CentralError:
            log.exception("the catalogue could not be loaded")

    def fetch_profile(self, token: Token) -> CitizenProfile:
        profile = self.client.profile(token)
        self._track(True)
        return profile

    def submit(self, visit: Visit) -> SubmissionResult:
        """Store the submission in the outbox, then send it; the same key is reused on any retry.

        An offline_ok item is accepted locally when central is unreachable (a 待上传 result, forwarded
        later by the replayer). StoreError (disk full) means nothing was stored and nothing was sent."""
        item = visit.item
        if item is None:
            raise ValueError("no item chosen")
        values = cleaned_values(item.form, visit.values)
        applicant = _applicant(visit)
        payload = {"item_id": item.id, "values": values, "applicant": applicant, "offline_ok": item.offline_ok}
        key = self._key_for(visit, payload)
        with self.in_flight.claim(key, wait=True):   # never side by side with a replay of the same key
            entry = self.outbox.add("submission", payload, key)
            if entry.state == "refused":
                entry = self.outbox.reopen(key, payload)
            sent = self.sender.send(key, lambda: self._send_submission(visit.token, item, values, key, applicant),
                                    lambda answer: answer.application_number)
        self._track(sent.outcome.central_reachable)
        if sent.outcome is SendOutcome.SETTLED:
            return sent.answer
        if sent.outcome is SendOutcome.UNREACHABLE and item.offline_ok and applicant:
            return self._accept_offline(entry, item, applicant)
        raise sent.error

    def _key_for(self, visit: Visit, payload: dict) -> str:
        """The visit's key while the citizen sends the same request again; a fresh one once it changed."""
        fingerprint = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        with self._lock:
            if not visit.idempotency_key or self._last_submission != (visit.idempotency_key, fingerprint):
                visit.idempotency_key = new_idempotency_key()
            self._last_submission = (visit.idempotency_key, fingerprint)
            return visit.idempotency_key

    def _send_submission(self, token: Token | None, item, values: dict[str, str], key: str,
                         applicant: dict[str, str] | None) -> SubmissionResult:
        try:
            return self.client.submit(token, item.id, values, key)
        except LoginExpired:
            if not (item.offline_ok and applicant):
                raise
            log.info("login expired before submitting an offline_ok item; sending it terminal-signed")
            return self.client.submit(None, item.id, values, key, applicant=applicant)

    def _accept_offline(self, entry, item, applicant: dict[str, str]) -> SubmissionResult:
        reference = local_reference(self.config.terminal.id, entry.id)
        log.info("central unreachable: outbox entry %d accepted offline as %s", entry.id, reference)
        return offline_result(item, applicant, reference, terminal_name=self.config.terminal.name,
                              hall=self.config.terminal.hall, accepted_at=entry.created_at)

    def rate(self, visit: Visit, level: str) -> str:
        """Store the citizen's rating, then send it: "recorded" when central took it, "queued" when the
        outbox will forward it (central unreachable, or the application itself still waits for upload)."""
        result = visit.result
        if result is None:
            raise ValueError("nothing to rate")
        if level not in RATING_CODES:
            raise ValueError(f"rating level must be one of {', '.join(RATING_CODES)}, got {level!r}")
        number = result.application_number
        key = f"rating-{number}"
        if is_pending_upload(result):
            entry_id = entry_id_of(number, self.config.terminal.id)
            submission = self.outbox.get_by_id(entry_id) if entry_id else None
            if submission is None:
                raise ValueError(f"no locally accepted submission {number}")
            self.outbox.add("rating", {"application_number": "", "submission_key": submission.idempotency_key,
                                       "level": level}, key)
            self._wake_replayer()
            return "queued"
        with self.in_flight.claim(key, wait=True):
            self.outbox.add("rating", {"application_number": number, "level": level}, key)
            sent = self.sender.send(key, lambda: self.client.rate(visit.token, number, level, idempotency_key=key),
                                    lambda _answer: number)
        self._track(sent.outcome.central_reachable)
        if sent.outcome is SendOutcome.SETTLED:
            return "recorded"
        if sent.outcome is SendOutcome.REFUSED:
            raise sent.error
        self._wake_replayer()
        return "queued"

    def replay_outbox(self) -> ReplayReport:
        """One replay round now, on the caller's thread (the background thread does the same periodically)."""
        if self.replayer is None:
            raise RuntimeError("the terminal is not started")
        return self.replayer.replay_once()

    def _wake_replayer(self) -> None:
        if self.replayer is not None:
            self.replayer.wake()

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

        if result.document is None:
            raise ValueError(f"application {result.application_number} has no document to print")
        if is_pending_upload(result):
            receipt = receipt_from_document(result.document, reprint=reprint, status_line=STATUS_LINE,
                                            zone=self.config.terminal.time_zone)
        else:
            receipt = receipt_from_document(result.document, application_number=result.application_number,
                                            reprint=reprint, zone=self.config.terminal.time_zone)
        return self.printer.print_receipt(receipt)

    def printer_status(self):
        return self.printer.status()


def _applicant(visit: Visit) -> dict[str, str] | None:
    """Who applies, as a token-less replay names them; None before a login."""
    if visit.profile is None:
        return None
    return {"name": visit.profile.name, "id_number": visit.profile.id_number}
