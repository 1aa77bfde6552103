"""One citizen's visit as an explicit state machine: home → login → … → done → home.

Qt-free: the UI subscribes to changes; every way out of a visit wipes the citizen's data."""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from typing import Callable

from kiosk.central.models import CatalogItem, CitizenProfile, SubmissionResult, Token

log = logging.getLogger(__name__)


class Stage(enum.Enum):
    HOME = "home"
    LOGIN = "login"
    CATALOG = "catalog"
    ITEM = "item"
    CONFIRM = "confirm"
    SUBMITTING = "submitting"
    PRINTING = "printing"
    RATING = "rating"
    DONE = "done"
    OUT_OF_SERVICE = "out_of_service"


class Event(enum.Enum):
    """What moves a visit from one stage to the next."""
    START_LOGIN = "start_login"
    LOGGED_IN = "logged_in"
    LOGIN_CANCELLED = "login_cancelled"
    BROWSE = "browse"
    CHOOSE_ITEM = "choose_item"
    REVIEW = "review"
    EDIT = "edit"
    CONFIRM = "confirm"
    SUBMIT_CANCELLED = "submit_cancelled"
    SUBMIT_FAILED = "submit_failed"
    SUBMITTED = "submitted"
    PRINTED = "printed"
    RATED = "rated"
    RATING_SKIPPED = "rating_skipped"
    FINISH = "finish"
    GO_OUT_OF_SERVICE = "go_out_of_service"
    BACK_IN_SERVICE = "back_in_service"
    END_VISIT = "end_visit"   # from any stage, never refused (see Session.end_visit)


class EndReason(enum.Enum):
    """Why a visit ended before (or at) its natural end."""
    CITIZEN = "citizen"       # 返回首页, 退出, cancel on the login screen
    IDLE = "idle"             # the idle warning ran out
    FINISHED = "finished"     # the done screen was left or timed out
    STAFF = "staff"           # staff opened their screen
    COMMAND = "command"       # a remote command (restart, out of service) needed the terminal


class InvalidTransition(Exception):
    """An event arrived that the current stage does not accept (a programming error, never a citizen's)."""


# event → {from stage: to stage}
TRANSITIONS: dict[Event, dict[Stage, Stage]] = {
    Event.START_LOGIN: {Stage.HOME: Stage.LOGIN, Stage.CATALOG: Stage.LOGIN},
    Event.LOGGED_IN: {Stage.LOGIN: Stage.CATALOG},
    Event.LOGIN_CANCELLED: {Stage.LOGIN: Stage.HOME},
    Event.BROWSE: {Stage.HOME: Stage.CATALOG, Stage.ITEM: Stage.CATALOG, Stage.CONFIRM: Stage.CATALOG},
    Event.CHOOSE_ITEM: {Stage.CATALOG: Stage.ITEM, Stage.HOME: Stage.ITEM},
    Event.REVIEW: {Stage.ITEM: Stage.CONFIRM},
    Event.EDIT: {Stage.CONFIRM: Stage.ITEM},
    Event.CONFIRM: {Stage.CONFIRM: Stage.SUBMITTING},
    Event.SUBMIT_CANCELLED: {Stage.SUBMITTING: Stage.CONFIRM},
    Event.SUBMIT_FAILED: {Stage.SUBMITTING: Stage.CONFIRM},
    Event.SUBMITTED: {Stage.SUBMITTING: Stage.PRINTING},
    Event.PRINTED: {Stage.PRINTING: Stage.RATING},
    Event.RATED: {Stage.RATING: Stage.DONE},
    Event.RATING_SKIPPED: {Stage.RATING: Stage.DONE},
    Event.FINISH: {Stage.DONE: Stage.HOME},
    Event.GO_OUT_OF_SERVICE: {Stage.HOME: Stage.OUT_OF_SERVICE},
    Event.BACK_IN_SERVICE: {Stage.OUT_OF_SERVICE: Stage.HOME},
}

# Stages during which a citizen is at the terminal (remote commands wait for these to end).
ACTIVE_STAGES = frozenset(set(Stage) - {Stage.HOME, Stage.OUT_OF_SERVICE})


@dataclass
class Visit:
    """What the terminal knows about the citizen in front of it; wiped when the visit ends."""
    token: Token | None = None
    profile: CitizenProfile | None = None
    item: CatalogItem | None = None
    values: dict[str, str] = field(default_factory=dict)
    idempotency_key: str = ""
    result: SubmissionResult | None = None
    print_ok: bool | None = None
    rating: str = ""
    error: str = ""          # i18n key of why the last submission failed ("" for none)
    error_detail: str = ""   # central's reason, shown inside that message

    def wipe(self) -> None:
        """Forget everything about the citizen (values are overwritten before being dropped)."""
        for key in list(self.values):
            self.values[key] = ""
        self.values.clear()
        self.token = None
        self.profile = None
        self.item = None
        self.idempotency_key = ""
        self.result = None
        self.print_ok = None
        self.rating = ""
        self.error = ""
        self.error_detail = ""

    @property
    def is_empty(self) -> bool:
        return (self.token is None and self.profile is None and self.item is None and not self.values
                and self.result is None and not self.idempotency_key)


Listener = Callable[[Stage, Stage, Event], None]


class Session:
    """The visit state machine: `fire(event)` moves between stages or raises InvalidTransition."""

    def __init__(self) -> None:
        self.stage = Stage.HOME
        self.visit = Visit()
        self._listeners: list[Listener] = []

    @property
    def active(self) -> bool:
        """True while a citizen is using the terminal."""
        return self.stage in ACTIVE_STAGES

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(old, new, event)` after every change of stage."""
        self._listeners.append(listener)

    def can(self, event: Event) -> bool:
        return self.stage in TRANSITIONS.get(event, {})

    def fire(self, event: Event) -> Stage:
        """Apply `event`; wipes the visit whenever the terminal returns home."""
        table = TRANSITIONS.get(event)
        if table is None:
            raise InvalidTransition(f"unknown event {event!r}")
        if self.stage not in table:
            raise InvalidTransition(f"event {event.value!r} is not accepted in stage {self.stage.value}")
        old, new = self.stage, table[self.stage]
        self._enter(old, new, event)
        return new

    def fire_if_possible(self, event: Event) -> bool:
        """Apply `event` where the current stage accepts it; False (and nothing changes) where not."""
        if not self.can(event):
            return False
        self.fire(event)
        return True

    def end_visit(self, reason: EndReason = EndReason.IDLE) -> None:
        """Leave whatever stage the visit is in and return home with nothing of the citizen left.

        Used by the idle timeout, a cancel from any screen and remote commands; never refused."""
        if self.stage == Stage.OUT_OF_SERVICE:
            self.visit.wipe()
            return
        log.info("visit ended: %s", reason.value)
        self._enter(self.stage, Stage.HOME, Event.END_VISIT)

    def _enter(self, old: Stage, new: Stage, event: Event) -> None:
        if new in (Stage.HOME, Stage.OUT_OF_SERVICE):
            self.visit.wipe()
        self.stage = new
        log.info("session %s -> %s (%s)", old.value, new.value, event.value)
        for listener in list(self._listeners):
            listener(old, new, event)

    # Convenience setters that keep data and stage consistent.

    def set_login(self, token: Token, profile: CitizenProfile) -> None:
        """Login succeeded: keep the token and profile and go on to the catalogue (refused, storing
        nothing, outside the login stage: a late login must not attach a citizen to another visit)."""
        if not self.can(Event.LOGGED_IN):
            raise InvalidTransition(f"event 'logged_in' is not accepted in stage {self.stage.value}")
        self.visit.token = token
        self.visit.profile = profile
        self.fire(Event.LOGGED_IN)

    def set_item(self, item: CatalogItem) -> None:
        """Open an item's guide and form, prefilled from the profile (refused, touching nothing, where
        choosing an item is not allowed)."""
        if not self.can(Event.CHOOSE_ITEM):
            raise InvalidTransition(f"event 'choose_item' is not accepted in stage {self.stage.value}")
        self.visit.item = item
        self.visit.values = {}
        if self.visit.profile is not None:
            for f in item.form:
                if f.prefill:
                    self.visit.values[f.key] = self.visit.profile.value_of(f.prefill)
        self.fire(Event.CHOOSE_ITEM)
