"""Assisted login (帮办登录) with the resident ID card: the reader is watched while home or login is shown; a card
starts a request at central, hall staff approve it, and the citizen's token arrives by polling.

Qt-free and tick-driven like the login code; blocking calls go through the injected runner. A card that was
used (or refused) must be lifted off the reader before it counts again, so a card left behind never logs
the next citizen in."""
from __future__ import annotations

import hashlib
import logging
from typing import Callable, Protocol

from kiosk.central.errors import CentralRefused, CentralUnavailable
from kiosk.central.models import AssistedLogin, Token
from kiosk.core.login_code import Runner
from kiosk.devices.id_card import CardExpired, IdCard
from kiosk.devices.reader import CardUnreadable, NoCard, ReaderUnavailable
from kiosk.devices.sam_frames import FrameError

log = logging.getLogger(__name__)

READ_INTERVAL = 1.0           # seconds between looks for a card
CENTRAL_POLL_INTERVAL = 2.0   # seconds between asking central whether staff decided
READER_RETRY = 30.0           # seconds before a reader that failed is tried again
REQUEST_PATIENCE = 330.0      # central lets a request lapse after 300 s; the terminal gives up a little later


class CardServices(Protocol):
    """What the card login asks of the terminal (kiosk.terminal.Terminal)."""

    @property
    def has_card_reader(self) -> bool: ...
    def read_card(self) -> IdCard: ...
    def start_assisted_login(self, card: IdCard) -> str: ...
    def poll_assisted_login(self, request_id: str) -> AssistedLogin: ...
    def cancel_assisted_login(self, request_id: str) -> None: ...


class CardListener(Protocol):
    """What the card login tells the visit flow."""

    def card_placed(self) -> None: ...
    def login_status(self, key: str) -> None: ...
    def login_token(self, token: Token) -> None: ...


def _card_digest(card: IdCard) -> str:
    """Which card this is, without keeping its number."""
    return hashlib.sha256(card.id_number.encode("utf-8")).hexdigest()


def _refusal_key(exc: Exception) -> str:
    if isinstance(exc, CentralRefused) and exc.reason == "unknown_citizen":
        return "login.card_unknown"
    if isinstance(exc, CentralUnavailable):
        return "login.unavailable"
    return "login.card_refused"


class CardLogin:
    """One terminal's card reader as a way in. `set_active(True)` while home or login is shown."""

    def __init__(self, services: CardServices, runner: Runner, clock: Callable[[], float], listener: CardListener,
                 *, read_interval: float = READ_INTERVAL, poll_interval: float = CENTRAL_POLL_INTERVAL):
        self.services = services
        self.runner = runner
        self.clock = clock
        self.listener = listener
        self.read_interval = read_interval
        self.poll_interval = poll_interval
        self.active = False
        self.generation = 0
        self.reading = False
        self.next_read_at = 0.0
        self.reader_ok = True
        self.lift_first = False             # the card on the reader was used or refused: wait until it is gone
        self.request_id = ""
        self.request_started_at = 0.0
        self.polling = False
        self.next_poll_at = 0.0

    @property
    def waiting_for_staff(self) -> bool:
        return bool(self.request_id)

    def set_active(self, active: bool) -> None:
        self.active = active

    def reset(self) -> None:
        """The visit ended: forget its request (central is told, so staff no longer see it)."""
        self.generation += 1
        if self.request_id:
            request_id = self.request_id
            self.runner(lambda: self.services.cancel_assisted_login(request_id), lambda _r: None,
                        lambda exc: log.info("assisted login not withdrawn: %s", type(exc).__name__))
        self.request_id = ""
        self.reading = self.polling = False

    # The clock

    def tick(self) -> None:
        if not self.active or not self.services.has_card_reader:
            return
        now = self.clock()
        if self.request_id:
            if now - self.request_started_at > REQUEST_PATIENCE:
                self._request_over("login.card_request_expired")
            elif not self.polling and now >= self.next_poll_at:
                self._poll()
        elif not self.reading and now >= self.next_read_at:
            self._read()

    # The reader

    def _read(self) -> None:
        self.reading = True
        generation = self.generation
        self.runner(self.services.read_card, lambda card: self._card_read(generation, card),
                    lambda exc: self._read_failed(generation, exc))

    def _read_done(self, generation: int, pause: float) -> bool:
        """Whether the answer still belongs to this visit; the next look is `pause` seconds away."""
        if generation != self.generation:
            return False
        self.reading = False
        self.next_read_at = self.clock() + pause
        return True

    def _new_card(self, generation: int, status_key: str) -> bool:
        """A card answered (read, or refused by the reader): True, with the login screen saying `status_key`,
        when it is a card not yet seen since the reader was last empty."""
        if not self._read_done(generation, self.read_interval):
            return False
        self._reader_back()
        if self.lift_first:
            return False
        self.lift_first = True
        self.listener.card_placed()
        self.listener.login_status(status_key)
        return True

    def _card_read(self, generation: int, card: IdCard) -> None:
        if not self._new_card(generation, "login.card_sending"):
            return
        self.request_started_at = self.clock()
        self.runner(lambda: self.services.start_assisted_login(card),
                    lambda request_id: self._request_started(generation, request_id),
                    lambda exc: self._request_refused(generation, exc))

    def _read_failed(self, generation: int, exc: Exception) -> None:
        if isinstance(exc, NoCard):
            if self._read_done(generation, self.read_interval):
                self._reader_back()
                self.lift_first = False
            return
        if isinstance(exc, (CardExpired, CardUnreadable, FrameError)):
            if self._new_card(generation, "login.card_expired" if isinstance(exc, CardExpired)
                              else "login.card_unreadable"):
                log.info("ID card not usable: %s", type(exc).__name__)
            return
        if not self._read_done(generation, READER_RETRY):
            return
        if self.reader_ok:      # once per outage, not every 30 s
            reason = str(exc) if isinstance(exc, ReaderUnavailable) else type(exc).__name__
            log.warning("ID card reader unusable, retrying every %.0f s: %s", READER_RETRY, reason)
        self.reader_ok = False

    def _reader_back(self) -> None:
        if not self.reader_ok:
            log.info("ID card reader answers again")
        self.reader_ok = True

    # Central

    def _request_started(self, generation: int, request_id: str) -> None:
        if generation != self.generation:
            self.runner(lambda: self.services.cancel_assisted_login(request_id), lambda _r: None,
                        lambda exc: None)
            return
        self.request_id = request_id
        self.next_poll_at = self.clock() + self.poll_interval
        self.listener.login_status("login.card_waiting_staff")

    def _request_refused(self, generation: int, exc: Exception) -> None:
        if generation != self.generation:
            return
        log.info("assisted login refused by central: %s", type(exc).__name__)
        self.listener.login_status(_refusal_key(exc))

    def _poll(self) -> None:
        self.polling = True
        generation, request_id = self.generation, self.request_id
        self.runner(lambda: self.services.poll_assisted_login(request_id),
                    lambda answer: self._answered(generation, request_id, answer),
                    lambda exc: self._poll_failed(generation, exc))

    def _poll_failed(self, generation: int, exc: Exception) -> None:
        if generation == self.generation:
            self.polling = False
            self.next_poll_at = self.clock() + self.poll_interval
            log.warning("assisted login poll failed: %s", type(exc).__name__)

    def _answered(self, generation: int, request_id: str, answer: AssistedLogin) -> None:
        if generation != self.generation or request_id != self.request_id:
            return
        self.polling = False
        self.next_poll_at = self.clock() + self.poll_interval
        if answer.status == "pending":
            return
        if answer.status == "approved" and answer.token is not None:
            self.request_id = ""
            self.generation += 1           # the request is spent
            log.info("assisted login approved by staff member %s", answer.staff or "(not named)")
            self.listener.login_status("login.loading_profile")
            self.listener.login_token(answer.token)
            return
        self._request_over("login.card_denied" if answer.status == "denied" else "login.card_request_expired")

    def _request_over(self, status_key: str) -> None:
        self.request_id = ""
        self.generation += 1
        self.polling = False
        self.listener.login_status(status_key)
