"""The terminal's Qt-free services, composed from config: local storage, central client, outbox, printer.

Local storage is ready once constructed; `start()` connects central and the printer. Methods may block
(network, printer): the UI calls them from worker threads only."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.central.errors import CentralError, CentralUnavailable, LoginExpired
from kiosk.central.models import (RATING_CODES, AssistedLogin, CatalogItem, Category, CitizenProfile,
                                  SubmissionResult, Token)
from kiosk.config import Config
from kiosk.core.catalog import CatalogStore
from kiosk.core.forms import cleaned_values
from kiosk.core.home_snapshot import HomeCatalog
from kiosk.core.offline import STATUS_LINE, entry_id_of, is_pending_upload, local_reference, offline_result
from kiosk.core.outbox import EntryState, Outbox, new_idempotency_key
from kiosk.core.outbox_sender import OutboxSender, SendOutcome
from kiosk.core.replay import InFlight, OutboxReplayer, ReplayReport
from kiosk.core.session import Stage, Visit
from kiosk.devices.id_card import IdCard
from kiosk.devices.reader import ReaderConnection, ReaderUnavailable
from kiosk.errors import KioskError
from kiosk.i18n import tr
from kiosk.shared.store import open_db
from kiosk.receipt.dates import time_zone

if TYPE_CHECKING:
    from kiosk.central.client import CentralClient
    from kiosk.printing.service import PrinterService

log = logging.getLogger(__name__)

# After a crash restart, a slip of the last two minutes is printed (its citizen may still be at the terminal,
# and the screen says so); an older one is held for staff instead of falling into an empty tray.
RESTART_WINDOW_SECONDS = 120.0


class NotStarted(KioskError):
    """A service that needs central or the printer was asked for before `Terminal.start()` connected them."""


@dataclass
class Connection:
    """Central and the printer as a started terminal uses them: every part ready, closed together."""
    client: CentralClient
    replayer: OutboxReplayer
    printer: PrinterService
    embedded: Any = None          # the in-process reference central, on embedded defaults

    def close(self) -> None:
        """Stop the replayer, close printer and clients, stop the embedded central; never raises."""
        self.replayer.stop()
        for part in (self.printer, self.client, self.replayer.client, self.embedded):
            try:
                _close(part)
            except (KioskError, OSError):  # closing must never keep the terminal from stopping
                log.exception("error while closing %s", type(part).__name__)


class Terminal:
    """One terminal's services: local storage (catalogue, outbox) from the start; central and the printer
    once `start()` connected them (`NotStarted` before that)."""

    def __init__(self, config: Config, *, replay_interval: float = 30.0, client_options: dict | None = None,
                 printer_options: dict | None = None):
        """`client_options` and `printer_options` tune CentralClient and PrinterService (retries, timeouts)."""
        self.config = config
        self.data_dir: Path = config.data_dir
        self.started_at = time.time()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = open_db(self.data_dir / "kiosk.sqlite3")
        self.catalog = CatalogStore(self.db)
        self.outbox = Outbox(self.db)
        self.sender = OutboxSender(self.outbox)
        self.in_flight = InFlight()
        self.central_reachable = False
        self.resumed_slips = 0     # slips printed at start-up that a restart had left unprinted
        self.replay_interval = replay_interval
        self.client_options = dict(client_options or {})
        self.printer_options = dict(printer_options or {})
        self._connection: Connection | None = None
        self._last_submission: tuple[str, str] = ("", "")
        self._slip_keys: dict[str, str] = {}     # application number → its queued slip's key, until printed
        self._lock = threading.Lock()
        self._card_reader = (ReaderConnection(config.id_reader.device, config.id_reader.baudrate,
                                              config.id_reader.timeout) if config.id_reader.device else None)

    # Life cycle

    @property
    def started(self) -> bool:
        """True once `start()` connected central and the printer (and until `stop()`)."""
        return self._connection is not None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise NotStarted("the terminal's central and printer services are not started yet")
        return self._connection

    client = property(lambda self: self.connection.client, doc="The citizen-facing central client.")
    printer = property(lambda self: self.connection.printer, doc="The printer service and its spool.")
    replayer = property(lambda self: self.connection.replayer, doc="The outbox replayer.")
    embedded = property(lambda self: self._connection.embedded if self._connection else None,
                        doc="The embedded reference central (embedded defaults only).")

    def start(self) -> None:
        """Reach central (starting the embedded one if configured), open the printer, fetch the catalogue,
        replay the outbox once, print what a restart left unprinted, then replay in the background."""
        if self._connection is not None:
            return
        connection = self._connect()
        self._connection = connection
        self.refresh_catalog()
        self._replay_before_resuming()
        self.resumed_slips = len(connection.printer.resume_after_restart(RESTART_WINDOW_SECONDS))
        if self.resumed_slips:
            log.info("printed %d slip(s) left unprinted by a restart", self.resumed_slips)
        connection.replayer.start()

    def _connect(self) -> Connection:
        """Every connected part, or none: what was opened is closed again when a later part fails."""
        from kiosk.central.client import CentralClient
        from kiosk.printing.service import PrinterService

        embedded = None
        opened: list[Any] = []
        try:
            if self.config.is_embedded_central:
                from kiosk.central.embedded import start_embedded_central

                embedded = start_embedded_central(self.config)
                opened.append(embedded)
                base_url, secret = embedded.base_url, embedded.secret
            else:
                from kiosk.central.signing import load_secret

                base_url = self.config.central.base_url
                secret = load_secret(self.config.resolve(self.config.central.credentials_file))
            client = CentralClient.from_config(self.config, secret, base_url, **self.client_options)
            opened.append(client)
            # The replayer has a client of its own: its backoff is cut short by stop(), and it never
            # shares a connection with a citizen's request.
            replayer = OutboxReplayer(self.outbox, None, in_flight=self.in_flight, interval=self.replay_interval,
                                      on_reachability=self._track, on_accepted=self._replay_accepted)
            replayer.client = CentralClient.from_config(self.config, secret, base_url, **{
                "max_retries": 1, **self.client_options, "sleep": replayer.sleep})
            opened.append(replayer.client)
            printer = PrinterService.from_config(self.config, **self.printer_options)
        except BaseException:
            for part in reversed(opened):
                _close(part)
            raise
        return Connection(client, replayer, printer, embedded)

    def _replay_before_resuming(self) -> None:
        """One replay round first, so an answer central gave just before a crash gets its slip queued."""
        try:
            self.connection.replayer.replay_once()
        except CentralError as exc:
            log.info("outbox replay at start-up: %s", type(exc).__name__)

    def stop(self) -> None:
        """Close the connected services (if started) and the database."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
        if self._card_reader is not None:
            self._card_reader.close()
        self.db.close()

    # The catalogue (from the local cache; refreshed from central)

    def item(self, item_id: str) -> CatalogItem | None:
        return self.catalog.catalog.item(item_id) if self.catalog.catalog else None

    def items(self) -> list[CatalogItem]:
        """Every item, most used first."""
        return self.catalog.most_used(limit=0)

    def most_used(self, limit: int) -> list[CatalogItem]:
        return self.catalog.most_used(limit)

    def home_catalog(self, limit: int) -> HomeCatalog:
        """The 常办 tiles, in an order that holds for the whole day (the terminal's own date), and the categories."""
        return self.catalog.home(limit, self._today().isoformat())

    def search(self, query: str, category: str = "") -> list[CatalogItem]:
        return self.catalog.search(query, category)

    def categories(self) -> tuple[Category, ...]:
        return self.catalog.catalog.categories if self.catalog.catalog else ()

    def has_catalog(self) -> bool:
        return self.catalog.has_catalog()

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

    # Assisted login with the resident ID card (kiosk.core.card_login)

    @property
    def has_card_reader(self) -> bool:
        return self._card_reader is not None

    def read_card(self) -> IdCard:
        """The card on the reader (its validity judged on the terminal's own date), or the reader's error."""
        if self._card_reader is None:
            raise ReaderUnavailable("no ID card reader is configured (id_reader.device)")
        return self._card_reader.read_card(self._today())

    def _today(self) -> dt.date:
        return dt.datetime.now(time_zone(self.config.terminal.time_zone)).date()

    def start_assisted_login(self, card: IdCard) -> str:
        """Ask hall staff to confirm the card's holder; only the ID number leaves the terminal."""
        request_id = self.client.start_assisted_login(card.id_number)
        self._track(True)
        return request_id

    def poll_assisted_login(self, request_id: str) -> AssistedLogin:
        return self.client.poll_assisted_login(request_id)

    def cancel_assisted_login(self, request_id: str) -> None:
        self.client.cancel_assisted_login(request_id)

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
            if entry.state is EntryState.REFUSED:
                entry = self.outbox.reopen(key, payload)
            sent = self.sender.send(key, lambda: self._send_submission(visit.token, item, values, key, applicant),
                                    lambda answer: answer.application_number,
                                    before_settle=lambda answer: self._queue_slip(key, answer))
        self._track(sent.outcome.central_reachable)
        if sent.outcome is SendOutcome.UNREACHABLE and item.offline_ok and applicant:
            return self._accept_offline(entry, item, applicant)
        return sent.accepted()

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
        result = offline_result(item, applicant, reference, terminal_name=self.config.terminal.name,
                                hall=self.config.terminal.hall, accepted_at=entry.created_at)
        self._queue_slip(entry.idempotency_key, result)
        return result

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
            sent.accepted()       # raises central's refusal
        self._wake_replayer()
        return "queued"

    def replay_outbox(self) -> ReplayReport:
        """One replay round now, on the caller's thread (the background thread does the same periodically)."""
        return self.replayer.replay_once()      # NotStarted before start()

    def _wake_replayer(self) -> None:
        self.replayer.wake()

    def revoke(self, token: Token | None) -> None:
        if token is None:
            return
        try:
            self.client.revoke(token)
        except CentralError as exc:
            log.info("token revocation failed (%s); it expires on its own", type(exc).__name__)

    def help_request(self, stage: Stage, item_name: str = "") -> str:
        """Call hall staff, saying on which screen (and item) the citizen is, in the hall's language."""
        locale = self.config.ui.locale
        item = tr("help.reason_item", locale, item=item_name) if item_name else ""
        request_id = self.client.help_request(tr("help.reason", locale, screen=tr(f"stage.{stage.value}", locale),
                                                 item=item))
        self._track(True)
        return request_id

    # Printer

    def _queue_slip(self, key: str, result: SubmissionResult, held: bool = False) -> None:
        """Store the application's slip in the spool under its outbox key (once, whoever asks again)."""
        if result.document is not None:
            self.printer.queue_slip(_receipt_of(result, self.config.terminal.time_zone), key, held=held)
            if not held:
                with self._lock:
                    self._slip_keys[result.application_number] = key

    def _replay_accepted(self, entry, result: SubmissionResult) -> None:
        """A replayed submission was accepted: its slip is printed when it is fresh, else held for staff."""
        self._queue_slip(entry.idempotency_key, result,
                         held=time.time() - entry.created_at > RESTART_WINDOW_SECONDS)

    def print_result(self, result: SubmissionResult):
        """Print the application's slip (queued when central's answer was stored; queued now if it was not)."""
        if result.document is None:
            raise ValueError(f"application {result.application_number} has no document to print")
        with self._lock:
            slip_key = self._slip_keys.pop(result.application_number, "")
        job = self.printer.spool.find(slip_key) if slip_key else None
        if job is None:
            return self.printer.print_receipt(_receipt_of(result, self.config.terminal.time_zone))
        return self.printer.print_job(job.id)

    def visit_ended(self) -> None:
        """The citizen left: a slip of theirs that did not come out is held for staff, never printed later."""
        with self._lock:
            self._slip_keys.clear()
        if self.started:
            held = self.printer.hold_undelivered()
            if held:
                log.info("%d slip(s) not delivered: held for staff", held)

    def printer_status(self):
        return self.printer.status()


def _applicant(visit: Visit) -> dict[str, str] | None:
    """Who applies, as a token-less replay names them; None before a login."""
    if visit.profile is None:
        return None
    return {"name": visit.profile.name, "id_number": visit.profile.id_number}


def _receipt_of(result: SubmissionResult, zone: str | None = None):
    """The slip for central's answer: a receipt with the application number, or a 待上传 one; its dates in the
    terminal's time `zone`."""
    from kiosk.receipt.model import receipt_from_document

    document = result.document
    if document is None:
        raise ValueError(f"application {result.application_number} has no document to print")
    if is_pending_upload(result):
        return receipt_from_document(document, status_line=STATUS_LINE, zone=zone)
    return receipt_from_document(document, application_number=result.application_number, zone=zone)


def _close(part: Any) -> None:
    """Close a client or printer, or stop the embedded central (which has `stop`)."""
    if part is not None:
        (getattr(part, "close", None) or part.stop)()
