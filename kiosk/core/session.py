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


class InvalidTransition(Exception):
    """An event arrived that the current stage does not accept."""


# event name → {from stage: to stage}
TRANSITIONS: dict[str, dict[Stage, Stage]] = {
    "start_login": {Stage.HOME: Stage.LOGIN, Stage.CATALOG: Stage.LOGIN},
    "logged_in": {Stage.LOGIN: Stage.CATALOG},
    "login_cancelled": {Stage.LOGIN: Stage.HOME},
    "browse": {Stage.HOME: Stage.CATALOG, Stage.ITEM: Stage.CATALOG, Stage.CONFIRM: Stage.CATALOG},
    "choose_item": {Stage.CATALOG: Stage.ITEM, Stage.HOME: Stage.ITEM},
    "review": {Stage.ITEM: Stage.CONFIRM},
    "edit": {Stage.CONFIRM: Stage.ITEM},
    "confirm": {Stage.CONFIRM: Stage.SUBMITTING},
    "submit_cancelled": {Stage.SUBMITTING: Stage.CONFIRM},
    "submit_failed": {Stage.SUBMITTING: Stage.CONFIRM},
    "submitted": {Stage.SUBMITTING: Stage.PRINTING},
    "printed": {Stage.PRINTING: Stage.RATING},
    "rated": {Stage.RATING: Stage.DONE},
    "rating_skipped": {Stage.RATING: Stage.DONE},
    "finish": {Stage.DONE: Stage.HOME},
    "go_out_of_service": {Stage.HOME: Stage.OUT_OF_SERVICE},
    "back_in_service": {Stage.OUT_OF_SERVICE: Stage.HOME},
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
    print_problem: str = ""
    rating: str = ""
    error: str = ""

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
        self.print_problem = ""
        self.rating = ""
        self.error = ""

    @property
    def is_empty(self) -> bool:
        return (self.token is None and self.profile is None and self.item is None and not self.values
                and self.result is None and not self.idempotency_key)


Listener = Callable[[Stage, Stage, str], None]


class Session:
    """The visit state machine: `fire(event)` moves between stages or raises InvalidTransition."""

    def __init__(self) -> None:
        self.stage = Stage.HOME
        self.visit = Visit()
        self.out_of_service_reason = ""
        self._listeners: list[Listener] = []

    @property
    def active(self) -> bool:
        """True while a citizen is using the terminal."""
        return self.stage in ACTIVE_STAGES

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(old, new, event)` after every change of stage."""
        self._listeners.append(listener)

    def can(self, event: str) -> bool:
        return self.stage in TRANSITIONS.get(event, {})

    def fire(self, event: str) -> Stage:
        """Apply `event`; wipes the visit whenever the terminal returns home."""
        table = TRANSITIONS.get(event)
        if table is None:
            raise InvalidTransition(f"unknown event {event!r}")
        if self.stage not in table:
            raise InvalidTransition(f"event {event!r} is not accepted in stage {self.stage.value}")
        old, new = self.stage, table[self.stage]
        self._enter(old, new, event)
        return new

    def end_visit(self, reason: str = "timeout") -> None:
        """Leave whatever stage the visit is in and return home with nothing of the citizen left.

        Used by the idle timeout, a cancel from any screen and remote commands; never refused."""
        if self.stage == Stage.OUT_OF_SERVICE:
            self.visit.wipe()
            return
        self._enter(self.stage, Stage.HOME, f"end_visit:{reason}")

    def _enter(self, old: Stage, new: Stage, event: str) -> None:
        if new in (Stage.HOME, Stage.OUT_OF_SERVICE):
            self.visit.wipe()
        self.stage = new
        log.info("session %s -> %s (%s)", old.value, new.value, event)
        for listener in list(self._listeners):
            listener(old, new, event)

    # Convenience setters that keep data and stage consistent.

    def set_login(self, token: Token, profile: CitizenProfile) -> None:
        """Login succeeded: keep the token and profile and go on to the catalogue (refused, storing
        nothing, outside the login stage: a late login must not attach a citizen to another visit)."""
        if not self.can("logged_in"):
            raise InvalidTransition(f"event 'logged_in' is not accepted in stage {self.stage.value}")
        self.visit.token = token
        self.visit.profile = profile
        self.fire("logged_in")

    def set_item(self, item: CatalogItem) -> None:
        """Open an item's guide and form, prefilled from the profile (refused, touching nothing, where
        choosing an item is not allowed)."""
        if not self.can("choose_item"):
            raise InvalidTransition(f"event 'choose_item' is not accepted in stage {self.stage.value}")
        self.visit.item = item
        self.visit.values = {}
        if self.visit.profile is not None:
            for f in item.form:
                if f.prefill:
                    self.visit.values[f.key] = self.visit.profile.value_of(f.prefill)
        self.fire("choose_item")

    def set_out_of_service(self, reason: str) -> None:
        self.out_of_service_reason = reason
        if self.stage == Stage.HOME:
            self.fire("go_out_of_service")

    def clear_out_of_service(self) -> None:
        self.out_of_service_reason = ""
        if self.stage == Stage.OUT_OF_SERVICE:
            self.fire("back_in_service")
