"""What the reference central's store hands out: one frozen dataclass per kind of row, no database types.

Secrets and personal values are left out of each repr, so a record in a log line leaks nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, TypeVar

R = TypeVar("R")


def from_mapping(kind: type[R], row: Mapping[Any, Any]) -> R:
    """The record of `kind` for a row whose columns are the record's fields."""
    return kind(**row)


@dataclass(frozen=True)
class Terminal:
    id: str
    name: str
    hall: str
    secret: str = field(repr=False)
    registered_at: float
    last_heartbeat: float | None
    status: str          # the last heartbeat's status object, as JSON
    needs_care: bool     # that status says paper, printer or service is not right


@dataclass(frozen=True)
class Citizen:
    id: str
    name: str = field(repr=False)
    id_number: str = field(repr=False)
    phone: str = field(repr=False)
    card_code: str = field(repr=False)
    note: str = ""


@dataclass(frozen=True)
class StaffAccount:
    username: str
    password_hash: str = field(repr=False)
    role: str
    hall: str
    created_at: float


@dataclass(frozen=True)
class DeviceCode:
    device_code_hash: str = field(repr=False)
    user_code: str = field(repr=False)
    terminal_id: str
    signed: bool
    created_at: float
    expires_at: float
    interval: float
    last_poll: float | None
    scanned: bool
    status: str          # pending, approved, denied, used
    citizen_id: str | None


@dataclass(frozen=True)
class AssistedLogin:
    id: str
    terminal_id: str
    citizen_id: str
    name_masked: str
    id_masked: str
    status: str          # pending, approved, denied
    staff: str
    token: str = field(repr=False)
    created_at: float
    decided_at: float | None
    hall: str            # the terminal's


@dataclass(frozen=True)
class StoredAnswer:
    terminal_id: str
    key: str
    endpoint: str
    request_hash: str
    status_code: int
    body: str = field(repr=False)        # the answer's JSON
    created_at: float


@dataclass(frozen=True)
class Application:
    number: str
    terminal_id: str
    item_id: str
    citizen_id: str
    status: str
    document: str = field(repr=False)    # the document's JSON
    verification_code: str
    created_at: float
    assisted_by: str = ""    # the member of staff who logged the citizen in (帮办), if one did


@dataclass(frozen=True)
class Rating:
    application_number: str
    terminal_id: str
    level: str
    comment: str = field(repr=False)
    created_at: float
    item_id: str         # the rated application's
    assisted_by: str = ""    # the member of staff who logged the citizen in (帮办), if one did


@dataclass(frozen=True)
class HelpRequest:
    id: str
    terminal_id: str
    reason: str
    created_at: float
    closed_at: float | None


@dataclass(frozen=True)
class Command:
    id: str
    terminal_id: str
    kind: str
    message: str
    created_at: float
    acked_at: float | None
