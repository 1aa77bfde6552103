"""The reference server's storage (SQLAlchemy Core): terminals, citizens, login codes, tokens, applications, ….

One engine per store, SQLite or PostgreSQL by URL; a request's statements share one pooled connection
(connections.py), every change runs in a transaction of its own (a nonce: one statement, committed at once), so a
committed answer is never lost or doubled, and rows come back as the frozen records of records.py."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy import Float, Select, bindparam, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from central_server.citizens import SAMPLE_CITIZENS
from central_server.connections import Connections
from central_server.database import (COMMIT_WITHOUT_WAITING, database_errors, database_url, insert_or_ignore,
                                     open_engine, upsert, writes_within_queries)
from central_server.migrate import upgrade
from central_server.records import (Application, AssistedLogin, Citizen, Command, DeviceCode, HelpRequest, Rating,
                                    StaffAccount, StoredAnswer, Terminal, from_mapping)
from central_server.schema import (Text, applications, assisted_logins, citizens, commands, counters, device_codes,
                                   help_requests, idempotent_answers, ratings, seen_nonces, server_keys, staff_users,
                                   terminals, tokens)
from central_server.terminal_status import OFFLINE_AFTER, status_needs_care

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1: no vowels, no look-alikes
SLOW_DOWN_STEP = 5.0
POLL_SLACK = 0.2  # seconds a poll may come early before it counts as too fast

R = TypeVar("R")

# The statements every heartbeat runs, built once (building one costs more than running it on a warm connection)
TERMINAL_BY_ID = select(terminals).where(terminals.c.id == bindparam("terminal_id"))
WAITING_COMMANDS = (select(commands).where(commands.c.terminal_id == bindparam("terminal_id"),
                                           commands.c.acked_at.is_(None)).order_by(commands.c.created_at))
NEW_NONCE = insert_or_ignore(seen_nonces, seen_nonces.c.nonce)
# PostgreSQL: a verified request's terminal read, and its nonce recorded where the terminal still has the secret
# that verified it, in one statement.
_NONCE_RECORDED = (postgresql.insert(seen_nonces).from_select(
    ["terminal_id", "nonce", "expires_at"],
    select(bindparam("terminal_id", type_=Text), bindparam("nonce", type_=Text), bindparam("expires_at", type_=Float))
    .where(select(terminals.c.id).where(terminals.c.id == bindparam("terminal_id"),
                                        terminals.c.secret == bindparam("secret")).exists()))
    .on_conflict_do_nothing().returning(seen_nonces.c.nonce).cte("recorded"))
TERMINAL_AND_NEW_NONCE = select(terminals, select(_NONCE_RECORDED.c.nonce).exists().label("first_use")).where(
    terminals.c.id == bindparam("terminal_id")).add_cte(_NONCE_RECORDED)
# PostgreSQL: a beat's status refresh and its read of waiting commands in one statement, committed on its own
# without waiting for the disk.
REFRESH_AND_WAITING_COMMANDS = WAITING_COMMANDS.add_cte(
    update(terminals).where(terminals.c.id == bindparam("terminal_id"), COMMIT_WITHOUT_WAITING)
    .values(last_heartbeat=bindparam("now"), status=bindparam("stored"), needs_care=bindparam("care"))
    .cte("refreshed"))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_user_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def display_user_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class PollOutcome:
    """What one token request gets: an RFC 8628 error code, or a token for a citizen."""
    error: str = ""
    scanned: bool = False
    access_token: str = ""
    expires_in: int = 0


class Writes:
    """The steps of one open transaction (a submission, a rating, a help request), from `CentralStore.transaction`.

    A unique key another transaction took first ends the transaction with `Conflict`."""

    def __init__(self, connection: Connection, clock: Callable[[], float]):
        self.connection = connection
        self.clock = clock

    def answer_exists(self, terminal_id: str, key: str) -> bool:
        return self.connection.execute(select(idempotent_answers.c.key).where(
            idempotent_answers.c.terminal_id == terminal_id, idempotent_answers.c.key == key)).first() is not None

    def save_answer(self, terminal_id: str, key: str, endpoint: str, request_hash: str, status_code: int,
                    body: Any) -> None:
        self.connection.execute(idempotent_answers.insert().values(
            terminal_id=terminal_id, key=key, endpoint=endpoint, request_hash=request_hash, status_code=status_code,
            body=json.dumps(body, ensure_ascii=False), created_at=self.clock()))

    def next_number(self, name: str) -> int:
        """The counter's next value. The upsert locks the counter's row until the transaction ends, so two
        transactions never get the same number (SQLite: one writer at a time anyway)."""
        stmt = upsert(self.connection, counters, {"name": name, "value": 1}, {"value": counters.c.value + 1})
        return int(self.connection.execute(stmt.returning(counters.c.value)).scalar_one())

    def add_application(self, number: str, terminal_id: str, item_id: str, citizen_id: str, status: str,
                        document: dict, verification_code: str, created_at: float, assisted_by: str = "") -> None:
        self.connection.execute(applications.insert().values(
            number=number, terminal_id=terminal_id, item_id=item_id, citizen_id=citizen_id, status=status,
            document=json.dumps(document, ensure_ascii=False), verification_code=verification_code,
            created_at=created_at, assisted_by=assisted_by))

    def rating_exists(self, application_number: str) -> bool:
        return self.connection.execute(select(ratings.c.application_number).where(
            ratings.c.application_number == application_number)).first() is not None

    def add_rating(self, application_number: str, terminal_id: str, level: str, comment: str) -> None:
        self.connection.execute(ratings.insert().values(
            application_number=application_number, terminal_id=terminal_id, level=level, comment=comment,
            created_at=self.clock()))

    def add_help_request(self, request_id: str, terminal_id: str, reason: str) -> None:
        self.connection.execute(help_requests.insert().values(
            id=request_id, terminal_id=terminal_id, reason=reason, created_at=self.clock()))

    def issue_token(self, citizen_id: str, terminal_id: str, lifetime: float, assisted_by: str = "") -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        self.connection.execute(tokens.insert().values(
            token_hash=digest(token), citizen_id=citizen_id, terminal_id=terminal_id, issued_at=now,
            expires_at=now + lifetime, assisted_by=assisted_by))
        return token


HEARTBEAT_WRITE_EVERY = 60.0   # seconds: an unchanged terminal's "last seen" is this fresh (offline after 180)


def stored_status(status: dict, now: float) -> str:
    """A heartbeat's status as kept: the uptime, which grows with every beat, becomes the minute the terminal
    started, which does not."""
    kept = dict(status)
    uptime = kept.pop("uptime", None)
    if isinstance(uptime, (int, float)) and not isinstance(uptime, bool):
        kept["started_at"] = round((now - uptime) / 60) * 60
    return json.dumps(kept, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class FleetCounts:
    """Terminals in a staff member's view: all of them, offline, and needing attention (offline included)."""
    total: int
    offline: int
    attention: int


class CentralStore:
    """All of the reference server's state in one database (a SQLite path or a URL); safe from any thread.

    Opening it brings the schema up to date (migrate.py) and adds the sample citizens."""

    def __init__(self, database: str | os.PathLike[str], clock: Callable[[], float] = time.time):
        self.url = database_url(database)
        self.clock = clock
        self.engine = open_engine(self.url)
        self.connections = Connections(self.engine, self.url)
        try:
            with database_errors(self.url):
                upgrade(self.engine)
            self._seed()
        except BaseException:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Writes]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        with database_errors(self.url), self.connections.transaction() as connection:
            yield Writes(connection, self.clock)

    def _seed(self) -> None:
        with self.transaction() as tx:
            for p in SAMPLE_CITIZENS:
                tx.connection.execute(upsert(tx.connection, citizens, {
                    "id": p.id, "name": p.name, "id_number": p.id_number, "phone": p.phone,
                    "card_code": p.card_code, "note": p.note}))

    def _one(self, kind: type[R], query: Select, parameters: dict[str, Any] | None = None) -> R | None:
        with database_errors(self.url), self.connections.reading() as connection:
            row = connection.execute(query, parameters).mappings().first()
        return None if row is None else from_mapping(kind, row)

    def _all(self, kind: type[R], query: Select, parameters: dict[str, Any] | None = None) -> list[R]:
        with database_errors(self.url), self.connections.reading() as connection:
            return [from_mapping(kind, row) for row in connection.execute(query, parameters).mappings()]

    def server_key(self, name: str, size: int) -> bytes:
        """A random key of `size` bytes made at the first call and kept in the database (shared by every server
        process on it), e.g. the one that signs staff sessions."""
        with self.transaction() as tx:
            tx.connection.execute(upsert(tx.connection, server_keys, {
                "name": name, "value": secrets.token_hex(size), "created_at": self.clock()}))
            value = tx.connection.execute(select(server_keys.c.value).where(server_keys.c.name == name)).scalar_one()
        return bytes.fromhex(value)

    # Terminals

    def register_terminal(self, terminal_id: str, name: str, hall: str, secret: bytes) -> None:
        """Add a terminal, or update the name, hall and secret of a known one."""
        self.register_terminals([(terminal_id, name, hall, secret)])

    def register_terminals(self, listed: list[tuple[str, str, str, bytes]]) -> None:
        """Register (id, name, hall, secret) for many terminals in one transaction: all of them, or none."""
        now = self.clock()
        with self.transaction() as tx:
            for terminal_id, name, hall, secret in listed:
                tx.connection.execute(upsert(tx.connection, terminals, {
                    "id": terminal_id, "name": name, "hall": hall, "secret": secret.decode("ascii"),
                    "registered_at": now}, ("name", "hall", "secret")))

    def terminal(self, terminal_id: str) -> Terminal | None:
        return self._one(Terminal, TERMINAL_BY_ID, {"terminal_id": terminal_id})

    def terminals(self, hall: str | None = None) -> list[Terminal]:
        """Every terminal, or those of one hall."""
        query = select(terminals).order_by(terminals.c.id)
        return self._all(Terminal, query if hall is None else query.where(terminals.c.hall == hall))

    # The hall staff's list: a province's thousands of terminals counted, filtered and paged in SQL

    def _offline(self):
        return or_(terminals.c.last_heartbeat.is_(None), terminals.c.last_heartbeat <= self.clock() - OFFLINE_AFTER)

    def terminal_counts(self, hall: str | None) -> FleetCounts:
        """How many terminals (of one hall, or all) there are, are offline, and need attention (offline or in
        need of care), in one grouped query."""
        offline = self._offline()
        query = select(func.count(), func.coalesce(func.sum(case((offline, 1), else_=0)), 0),
                       func.coalesce(func.sum(case((or_(offline, terminals.c.needs_care), 1), else_=0)), 0))
        if hall is not None:
            query = query.where(terminals.c.hall == hall)
        with database_errors(self.url), self.connections.reading() as c:
            total, offline_count, attention = c.execute(query).one()
        return FleetCounts(int(total), int(offline_count), int(attention))

    def terminal_page(self, hall: str | None, show: str, offset: int, limit: int) -> list[Terminal]:
        """`limit` terminals from `offset` in id order: all, "offline" or "attention" ones, of one hall or all."""
        query = select(terminals).order_by(terminals.c.id).offset(offset).limit(limit)
        if hall is not None:
            query = query.where(terminals.c.hall == hall)
        if show == "offline":
            query = query.where(self._offline())
        elif show == "attention":
            query = query.where(or_(self._offline(), terminals.c.needs_care))
        return self._all(Terminal, query)

    def hall_names(self) -> list[str]:
        with database_errors(self.url), self.connections.reading() as c:
            return list(c.execute(select(terminals.c.hall).distinct().order_by(terminals.c.hall)).scalars())

    def terminal_names(self, terminal_ids: set[str], hall: str | None) -> dict[str, str]:
        """The names of these terminals, leaving out any not in `hall` (when given)."""
        query = select(terminals.c.id, terminals.c.name).where(terminals.c.id.in_(sorted(terminal_ids)))
        if hall is not None:
            query = query.where(terminals.c.hall == hall)
        with database_errors(self.url), self.connections.reading() as c:
            return {row.id: row.name for row in c.execute(query)}

    # Assisted logins (帮办登录): a card read at a terminal, approved or denied by a member of staff

    def add_assisted_login(self, request_id: str, terminal_id: str, citizen: Citizen, name_masked: str,
                           id_masked: str) -> None:
        with self.transaction() as tx:
            tx.connection.execute(assisted_logins.insert().values(
                id=request_id, terminal_id=terminal_id, citizen_id=citizen.id, name_masked=name_masked,
                id_masked=id_masked, status="pending", created_at=self.clock()))

    @staticmethod
    def _assisted_logins() -> Select:
        return (select(assisted_logins, terminals.c.hall)
                .join(terminals, terminals.c.id == assisted_logins.c.terminal_id))

    def assisted_login(self, request_id: str) -> AssistedLogin | None:
        return self._one(AssistedLogin, self._assisted_logins().where(assisted_logins.c.id == request_id))

    def pending_assisted_logins(self) -> list[AssistedLogin]:
        return self._all(AssistedLogin, self._assisted_logins().where(assisted_logins.c.status == "pending")
                         .order_by(assisted_logins.c.created_at))

    def approve_assisted_login(self, request_id: str, staff: str, token_lifetime: float, made_after: float) -> bool:
        """Approve a request still pending and made after `made_after`, and issue its citizen's token, in one
        transaction; False (and no token) if another decision, a withdrawal or its lapse came first."""
        with self.transaction() as tx:
            claimed = tx.connection.execute(update(assisted_logins).where(
                assisted_logins.c.id == request_id, assisted_logins.c.status == "pending",
                assisted_logins.c.created_at > made_after).values(
                status="approved", staff=staff, decided_at=self.clock()).returning(
                assisted_logins.c.citizen_id, assisted_logins.c.terminal_id)).first()
            if claimed is None:
                return False
            token = tx.issue_token(claimed.citizen_id, claimed.terminal_id, token_lifetime, assisted_by=staff)
            tx.connection.execute(update(assisted_logins).where(assisted_logins.c.id == request_id).values(
                token=token))
            return True

    def deny_assisted_login(self, request_id: str, staff: str) -> bool:
        """Deny a pending request; False if it was no longer pending."""
        return self._close_assisted_login(request_id, status="denied", staff=staff)

    def withdraw_assisted_login(self, request_id: str) -> bool:
        """The terminal withdrew a pending request (its citizen left); False if it was no longer pending."""
        return self._close_assisted_login(request_id, status="withdrawn")

    def _close_assisted_login(self, request_id: str, **values: str) -> bool:
        with self.transaction() as tx:
            changed = tx.connection.execute(update(assisted_logins).where(
                assisted_logins.c.id == request_id, assisted_logins.c.status == "pending").values(
                decided_at=self.clock(), **values))
            return changed.rowcount == 1

    # Staff accounts (the pages' logins; passwords only as salted hashes)

    def save_staff(self, username: str, password_hash: str, role: str, hall: str) -> None:
        with self.transaction() as tx:
            tx.connection.execute(upsert(tx.connection, staff_users, {
                "username": username, "password_hash": password_hash, "role": role, "hall": hall,
                "created_at": self.clock()}, ("password_hash", "role", "hall")))

    def staff_user(self, username: str) -> StaffAccount | None:
        return self._one(StaffAccount, select(staff_users).where(staff_users.c.username == username))

    # Citizens

    def citizens(self) -> list[Citizen]:
        return self._all(Citizen, select(citizens).order_by(citizens.c.id))

    def citizen(self, citizen_id: str) -> Citizen | None:
        return self._one(Citizen, select(citizens).where(citizens.c.id == citizen_id))

    def citizen_by_id_number(self, id_number: str) -> Citizen | None:
        return self._one(Citizen, select(citizens).where(citizens.c.id_number == id_number.upper()))

    def citizen_by_card_code(self, code: str) -> Citizen | None:
        return self._one(Citizen, select(citizens).where(citizens.c.card_code == code))

    # Device codes (RFC 8628)

    def create_device_code(self, terminal_id: str, signed: bool, lifetime: float,
                           interval: float) -> tuple[str, str]:
        """A new (device_code, user_code) pair for `terminal_id`; the user code is returned as XXXX-XXXX."""
        device_code = secrets.token_urlsafe(32)
        now = self.clock()
        with self.transaction() as tx:
            c = tx.connection
            c.execute(delete(device_codes).where(device_codes.c.expires_at < now - 3600))
            while True:
                user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
                if c.execute(select(device_codes.c.user_code).where(device_codes.c.user_code == user_code)
                             ).first() is None:
                    break
            c.execute(device_codes.insert().values(
                device_code_hash=digest(device_code), user_code=user_code, terminal_id=terminal_id, signed=signed,
                created_at=now, expires_at=now + lifetime, interval=interval))
        return device_code, display_user_code(user_code)

    def device_code_by_user_code(self, user_code: str) -> DeviceCode | None:
        return self._one(DeviceCode, select(device_codes).where(
            device_codes.c.user_code == normalise_user_code(user_code)))

    def mark_scanned(self, user_code: str) -> None:
        with self.transaction() as tx:
            tx.connection.execute(update(device_codes).where(
                device_codes.c.user_code == normalise_user_code(user_code)).values(scanned=True))

    def decide(self, user_code: str, citizen_id: str | None) -> str:
        """Approve (with a citizen) or deny (None) a pending code; returns "" or why it cannot be decided."""
        code = normalise_user_code(user_code)
        with self.transaction() as tx:
            c = tx.connection
            found = c.execute(select(device_codes).where(device_codes.c.user_code == code).with_for_update()
                              ).mappings().first()
            if found is None:
                return "unknown"
            row = from_mapping(DeviceCode, found)
            if self.clock() >= row.expires_at:
                return "expired"
            if row.status != "pending":
                return "decided"
            c.execute(update(device_codes).where(device_codes.c.user_code == code).values(
                status="approved" if citizen_id else "denied", citizen_id=citizen_id, scanned=True))
        return ""

    def poll(self, device_code: str, client_id: str, token_lifetime: float) -> PollOutcome:
        """One RFC 8628 token request, decided atomically (the code's row is locked: it yields one token)."""
        now = self.clock()
        with self.transaction() as tx:
            c = tx.connection
            found = c.execute(select(device_codes).where(device_codes.c.device_code_hash == digest(device_code))
                              .with_for_update()).mappings().first()
            row = None if found is None else from_mapping(DeviceCode, found)
            if row is None or row.terminal_id != client_id or row.status == "used":
                return PollOutcome("invalid_grant")
            if now >= row.expires_at:
                return PollOutcome("expired_token")
            if row.status == "denied":
                return PollOutcome("access_denied")
            this_code = update(device_codes).where(device_codes.c.device_code_hash == row.device_code_hash)
            if row.last_poll is not None and now - row.last_poll < row.interval - POLL_SLACK:
                c.execute(this_code.values(interval=device_codes.c.interval + SLOW_DOWN_STEP, last_poll=now))
                return PollOutcome("slow_down")
            if row.status == "pending":
                c.execute(this_code.values(last_poll=now))
                return PollOutcome("authorization_pending", scanned=row.scanned)
            c.execute(this_code.values(last_poll=now, status="used"))
            assert row.citizen_id is not None, "an approved code names its citizen"
            token = tx.issue_token(row.citizen_id, client_id, token_lifetime)
        return PollOutcome(access_token=token, expires_in=int(token_lifetime))

    # Tokens

    def issue_token(self, citizen_id: str, terminal_id: str, lifetime: float, assisted_by: str = "") -> str:
        """A citizen's token for one terminal; `assisted_by` names the member of staff who approved an
        assisted login (kept with every application made with it)."""
        with self.transaction() as tx:
            return tx.issue_token(citizen_id, terminal_id, lifetime, assisted_by)

    def token_assisted_by(self, token: str, terminal_id: str) -> str:
        """The member of staff who let this token's citizen in ("" for the citizen's own login)."""
        with database_errors(self.url), self.connections.reading() as connection:
            found = connection.execute(select(tokens.c.assisted_by).where(
                tokens.c.token_hash == digest(token), tokens.c.terminal_id == terminal_id)).scalar()
        return found or ""

    def token_citizen(self, token: str, terminal_id: str) -> Citizen | None:
        """The citizen a live token of this terminal belongs to; None when unknown, expired or revoked."""
        return self._one(Citizen, select(citizens).join(tokens, tokens.c.citizen_id == citizens.c.id).where(
            tokens.c.token_hash == digest(token), tokens.c.terminal_id == terminal_id, tokens.c.revoked.is_(False),
            tokens.c.expires_at > self.clock()))

    def revoke_token(self, token: str, terminal_id: str) -> None:
        with self.transaction() as tx:
            tx.connection.execute(update(tokens).where(
                tokens.c.token_hash == digest(token), tokens.c.terminal_id == terminal_id).values(revoked=True))

    # Idempotent answers

    def stored_answer(self, terminal_id: str, key: str) -> StoredAnswer | None:
        return self._one(StoredAnswer, select(idempotent_answers).where(
            idempotent_answers.c.terminal_id == terminal_id, idempotent_answers.c.key == key))

    # Applications and their documents

    def application(self, number: str) -> Application | None:
        return self._one(Application, select(applications).where(applications.c.number == number))

    def application_by_code(self, code: str) -> Application | None:
        return self._one(Application, select(applications).where(applications.c.verification_code == code.upper()))

    def count_applications(self) -> int:
        with database_errors(self.url), self.connections.reading() as connection:
            return int(connection.execute(select(func.count()).select_from(applications)).scalar_one())

    # Ratings

    def recent_ratings(self, limit: int = 20, hall: str | None = None) -> list[Rating]:
        """The newest ratings, of the terminals of `hall` when given."""
        query = (select(ratings, applications.c.item_id, applications.c.assisted_by)
                 .join(applications, applications.c.number == ratings.c.application_number)
                 .order_by(ratings.c.created_at.desc()).limit(limit))
        if hall is not None:
            query = query.join(terminals, terminals.c.id == ratings.c.terminal_id).where(terminals.c.hall == hall)
        return self._all(Rating, query)

    # Help requests

    def open_help_requests(self) -> list[HelpRequest]:
        return self._all(HelpRequest, select(help_requests).where(help_requests.c.closed_at.is_(None))
                         .order_by(help_requests.c.created_at))

    def help_request(self, request_id: str) -> HelpRequest | None:
        return self._one(HelpRequest, select(help_requests).where(help_requests.c.id == request_id))

    def close_help_request(self, request_id: str) -> bool:
        with self.transaction() as tx:
            return tx.connection.execute(update(help_requests).where(
                help_requests.c.id == request_id, help_requests.c.closed_at.is_(None)).values(
                closed_at=self.clock())).rowcount == 1

    # Commands and heartbeats

    def queue_command(self, terminal_id: str, kind: str, message: str = "") -> str:
        command_id = "CMD-" + secrets.token_hex(6).upper()
        with self.transaction() as tx:
            tx.connection.execute(commands.insert().values(
                id=command_id, terminal_id=terminal_id, kind=kind, message=message, created_at=self.clock()))
        return command_id

    def first_use_of_nonce(self, terminal_id: str, nonce: str, expires_at: float) -> bool:
        """Record a signed request's nonce; False when another request (in any process) already used it.

        One statement, on PostgreSQL in autocommit (no BEGIN and COMMIT round trips): every signed request
        pays for it."""
        values = {"terminal_id": terminal_id, "nonce": nonce, "expires_at": expires_at}
        with database_errors(self.url), self.connections.single_write() as connection:
            return connection.execute(NEW_NONCE[connection.dialect.name], values).first() is not None

    def terminal_and_first_use(self, terminal_id: str, nonce: str, expires_at: float,
                               secret: str) -> tuple[Terminal | None, bool]:
        """For a request whose signature holds with `secret`: the terminal (None when unknown), and whether its
        nonce is new, recorded now only if the terminal's secret is still `secret`. One statement on PostgreSQL:
        every signed request of a known terminal pays for it."""
        if not writes_within_queries(self.url):
            terminal = self.terminal(terminal_id)
            if terminal is None or terminal.secret != secret:
                return terminal, False
            return terminal, self.first_use_of_nonce(terminal_id, nonce, expires_at)
        values = {"terminal_id": terminal_id, "nonce": nonce, "expires_at": expires_at, "secret": secret}
        with database_errors(self.url), self.connections.single_write() as connection:
            row = connection.execute(TERMINAL_AND_NEW_NONCE, values).mappings().first()
        if row is None:
            return None, False
        return from_mapping(Terminal, {k: v for k, v in row.items() if k != "first_use"}), bool(row["first_use"])

    def forget_nonces(self, before: float) -> None:
        """Drop nonces whose requests' timestamps have left the window (their timestamps refuse them now)."""
        with self.transaction() as tx:
            tx.connection.execute(delete(seen_nonces).where(seen_nonces.c.expires_at <= before))

    def heartbeat(self, terminal_id: str, status: dict, acked: list[str], known: Terminal | None = None) -> list[Command]:
        """Record a terminal's status and acknowledgements; returns the commands still waiting for it.

        A province's terminals beat every 30 s: a beat that changes nothing (the same status, the last one
        written less than HEARTBEAT_WRITE_EVERY ago, nothing acknowledged) only reads. `known` is the terminal's
        row when the caller just read it (checking the request's signature), saving a second read."""
        now = self.clock()
        stored = stored_status(status, now)
        if known is None or known.id != terminal_id:
            known = self.terminal(terminal_id)
        if not acked and known is not None and known.status == stored and known.last_heartbeat is not None \
                and now - known.last_heartbeat < HEARTBEAT_WRITE_EVERY:
            return self.pending_commands(terminal_id)
        if not acked and writes_within_queries(self.url) and not self.connections.in_transaction():
            # Only the status and "last seen", which the terminal's next beat writes again: one round trip, and
            # no wait for the disk (for this statement's own transaction: never within another one).
            # Acknowledgements stay durable.
            with database_errors(self.url), self.connections.single_write() as connection:
                return [from_mapping(Command, row) for row in connection.execute(REFRESH_AND_WAITING_COMMANDS, {
                    "terminal_id": terminal_id, "now": now, "stored": stored,
                    "care": status_needs_care(status)}).mappings()]
        with self.transaction() as tx:
            c = tx.connection
            c.execute(update(terminals).where(terminals.c.id == terminal_id).values(
                last_heartbeat=now, status=stored, needs_care=status_needs_care(status)))
            if acked:
                c.execute(update(commands).where(commands.c.id.in_(acked), commands.c.terminal_id == terminal_id,
                                                 commands.c.acked_at.is_(None)).values(acked_at=now))
            return [from_mapping(Command, row)
                    for row in c.execute(WAITING_COMMANDS, {"terminal_id": terminal_id}).mappings()]

    def pending_commands(self, terminal_id: str) -> list[Command]:
        return self._all(Command, WAITING_COMMANDS, {"terminal_id": terminal_id})

    def pending_commands_of(self, terminal_ids: list[str]) -> list[Command]:
        """The waiting commands of several terminals (a page of the staff list) in one query."""
        return self._all(Command, select(commands).where(commands.c.terminal_id.in_(terminal_ids),
                                                         commands.c.acked_at.is_(None))
                         .order_by(commands.c.created_at))
