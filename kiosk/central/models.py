"""Typed payloads exchanged with the central API, and their strict parsing from JSON.

Every `from_json` raises `InvalidAnswer` naming the field that is missing or wrong."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from kiosk.central.errors import InvalidAnswer
from kiosk.central.clock import plausible_time

RATING_CODES = ("very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied")
MASK_KINDS = ("id_number", "phone", "name")
FIELD_TYPES = ("text", "digits", "id_number", "phone", "choice", "date", "year")


def _get(obj: Any, key: str, kind: type | tuple, where: str, optional: bool = False, default: Any = None):
    """Read obj[key] and check its JSON type; raise InvalidAnswer naming `where.key` otherwise."""
    if not isinstance(obj, dict):
        raise InvalidAnswer(f"{where}: expected a JSON object, got {type(obj).__name__}")
    if key not in obj or obj[key] is None:
        if optional:
            return default
        raise InvalidAnswer(f"{where}.{key}: missing")
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if bool not in kinds and isinstance(value, bool):
        raise InvalidAnswer(f"{where}.{key}: expected {'/'.join(k.__name__ for k in kinds)}, got a boolean")
    if not isinstance(value, kinds):
        raise InvalidAnswer(f"{where}.{key}: expected {'/'.join(k.__name__ for k in kinds)}, "
                            f"got {type(value).__name__}")
    return value


def _str_list(obj: dict, key: str, where: str) -> tuple[str, ...]:
    values = _get(obj, key, list, where, optional=True, default=[])
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise InvalidAnswer(f"{where}.{key}[{i}]: expected str, got {type(v).__name__}")
    return tuple(values)


@dataclass(frozen=True)
class DeviceAuthorization:
    """RFC 8628 §3.2 device authorization response."""
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int = 5

    @classmethod
    def from_json(cls, obj: Any) -> "DeviceAuthorization":
        w = "device_authorization"
        uri = _get(obj, "verification_uri", str, w)
        expires_in = _get(obj, "expires_in", int, w)
        interval = _get(obj, "interval", int, w, optional=True, default=5)
        if not (0 < expires_in <= 86400 and 0 < interval <= 300):
            raise InvalidAnswer(f"{w}: expires_in must be 1-86400 s and interval 1-300 s, "
                                f"got {expires_in} and {interval}")
        return cls(
            device_code=_get(obj, "device_code", str, w),
            user_code=_get(obj, "user_code", str, w),
            verification_uri=uri,
            verification_uri_complete=_get(obj, "verification_uri_complete", str, w, optional=True, default=uri),
            expires_in=expires_in,
            interval=interval,
        )


@dataclass(frozen=True)
class Token:
    """An access token for one citizen (RFC 6749 §5.1)."""
    access_token: str
    expires_in: int
    token_type: str = "Bearer"

    @classmethod
    def from_json(cls, obj: Any) -> "Token":
        w = "token"
        token_type = _get(obj, "token_type", str, w)
        if token_type.lower() != "bearer":
            raise InvalidAnswer(f"{w}.token_type: expected Bearer, got {token_type!r}")
        return cls(access_token=_get(obj, "access_token", str, w),
                   expires_in=_get(obj, "expires_in", int, w, optional=True, default=600),
                   token_type="Bearer")


class PollOutcome(enum.Enum):
    """What one RFC 8628 token request came to (§3.5): a token, or one of the four expected answers."""
    APPROVED = "approved"
    PENDING = "authorization_pending"
    SLOW_DOWN = "slow_down"          # the interval grows by 5 seconds from now on
    DENIED = "access_denied"         # the citizen refused on the phone
    EXPIRED = "expired_token"        # the device code ran out


@dataclass(frozen=True)
class TokenPoll:
    """The answer to one token request; `token` only when APPROVED, `scanned` is the optional extension
    saying the QR was scanned (with PENDING)."""
    outcome: PollOutcome
    token: Token | None = None
    scanned: bool = False


ASSISTED_STATES = ("pending", "approved", "denied", "expired", "withdrawn")


@dataclass(frozen=True)
class AssistedLogin:
    """Central's answer about an assisted login: its state, and once approved the token and who approved it."""
    status: str
    token: Token | None = None
    staff: str = ""

    @classmethod
    def from_json(cls, obj: Any) -> "AssistedLogin":
        w = "assisted_login"
        status = _get(obj, "status", str, w)
        if status not in ASSISTED_STATES:
            raise InvalidAnswer(f"{w}.status: unknown state {status!r}")
        if status != "approved":
            return cls(status)
        return cls(status, Token.from_json(obj), _get(obj, "staff", str, w, optional=True, default=""))


@dataclass(frozen=True)
class CitizenProfile:
    """Who is logged in. Personal data: never logged, wiped at the end of the session."""
    name: str
    id_number: str
    phone: str

    @classmethod
    def from_json(cls, obj: Any) -> "CitizenProfile":
        w = "profile"
        return cls(name=_get(obj, "name", str, w), id_number=_get(obj, "id_number", str, w),
                   phone=_get(obj, "phone", str, w, optional=True, default=""))

    def value_of(self, key: str) -> str:
        """A profile value by the name a form field's `prefill` uses."""
        return {"name": self.name, "id_number": self.id_number, "phone": self.phone}.get(key, "")


def _translations(obj: Any, key: str, where: str) -> tuple[str, ...]:
    """`key`_en: the English words of the list `key`, one for each, or nothing."""
    english = _str_list(obj, f"{key}_en", where)
    if english and len(english) != len(_str_list(obj, key, where)):
        raise InvalidAnswer(f"{where}.{key}_en: {len(english)} words for {len(_str_list(obj, key, where))} {key}")
    return english


@dataclass(frozen=True)
class FormField:
    """One typed input of an item's form."""
    key: str
    label_zh: str
    label_en: str
    type: str = "text"
    required: bool = True
    prefill: str = ""
    choices: tuple[str, ...] = ()
    min_length: int = 0
    max_length: int = 0
    pattern: str = ""
    mask: str = ""
    choices_en: tuple[str, ...] = ()   # the choices' English words, in the same order ("" where missing)

    def label(self, en: bool) -> str:
        return self.label_en if en and self.label_en else self.label_zh

    def choice_label(self, value: str, en: bool) -> str:
        """The words shown for a choice; the value sent to central is always the Chinese choice."""
        if en and value in self.choices:
            english = self.choices_en[self.choices.index(value)] if self.choices_en else ""
            return english or value
        return value

    @classmethod
    def from_json(cls, obj: Any, where: str) -> "FormField":
        kind = _get(obj, "type", str, where, optional=True, default="text")
        if kind not in FIELD_TYPES:
            raise InvalidAnswer(f"{where}.type: unknown field type {kind!r} (known: {', '.join(FIELD_TYPES)})")
        mask = _get(obj, "mask", str, where, optional=True, default="")
        if mask and mask not in MASK_KINDS:
            raise InvalidAnswer(f"{where}.mask: unknown mask {mask!r}")
        return cls(
            key=_get(obj, "key", str, where),
            label_zh=_get(obj, "label_zh", str, where),
            label_en=_get(obj, "label_en", str, where, optional=True, default=""),
            type=kind,
            required=_get(obj, "required", bool, where, optional=True, default=True),
            prefill=_get(obj, "prefill", str, where, optional=True, default=""),
            choices=_str_list(obj, "choices", where),
            min_length=_get(obj, "min_length", int, where, optional=True, default=0),
            max_length=_get(obj, "max_length", int, where, optional=True, default=0),
            pattern=_get(obj, "pattern", str, where, optional=True, default=""),
            mask=mask,
            choices_en=_translations(obj, "choices", where),
        )


@dataclass(frozen=True)
class Guide:
    """The item's one-page guide (明白卡)."""
    summary: str
    eligibility: str
    materials: tuple[str, ...]
    time_limit: str
    fee: str
    faq: tuple[tuple[str, str], ...] = ()
    english: "Guide | None" = None   # the same guide in English, when central has one ("en" in the API)

    def in_language(self, en: bool) -> tuple["Guide", bool]:
        """The guide to show, and whether it is in the language asked for (False: Chinese shown in English)."""
        if not en:
            return self, True
        return (self.english, True) if self.english is not None else (self, False)

    @classmethod
    def from_json(cls, obj: Any, where: str, *, translation: bool = False) -> "Guide":
        faq_raw = _get(obj, "faq", list, where, optional=True, default=[])
        faq = []
        for i, entry in enumerate(faq_raw):
            faq.append((_get(entry, "q", str, f"{where}.faq[{i}]"), _get(entry, "a", str, f"{where}.faq[{i}]")))
        english_raw = None if translation else _get(obj, "en", dict, where, optional=True, default=None)
        return cls(
            summary=_get(obj, "summary", str, where, optional=True, default=""),
            eligibility=_get(obj, "eligibility", str, where),
            materials=_str_list(obj, "materials", where),
            time_limit=_get(obj, "time_limit", str, where),
            fee=_get(obj, "fee", str, where),
            faq=tuple(faq),
            english=None if english_raw is None else cls.from_json(english_raw, f"{where}.en", translation=True),
        )


@dataclass(frozen=True)
class CatalogItem:
    """A high-frequency item (高频事项) the terminal offers."""
    id: str
    name_zh: str
    name_en: str
    category: str
    guide: Guide
    form: tuple[FormField, ...]
    needs_login: bool = True
    needs_printer: bool = True
    offline_ok: bool = False
    keywords: tuple[str, ...] = ()
    popularity: int = 0

    @classmethod
    def from_json(cls, obj: Any, where: str) -> "CatalogItem":
        form_raw = _get(obj, "form", list, where, optional=True, default=[])
        form = tuple(FormField.from_json(f, f"{where}.form[{i}]") for i, f in enumerate(form_raw))
        keys = [f.key for f in form]
        if len(set(keys)) != len(keys):
            raise InvalidAnswer(f"{where}.form: field keys repeat: {keys}")
        return cls(
            id=_get(obj, "id", str, where),
            name_zh=_get(obj, "name_zh", str, where),
            name_en=_get(obj, "name_en", str, where, optional=True, default=""),
            category=_get(obj, "category", str, where),
            guide=Guide.from_json(_get(obj, "guide", dict, where), f"{where}.guide"),
            form=form,
            needs_login=_get(obj, "needs_login", bool, where, optional=True, default=True),
            needs_printer=_get(obj, "needs_printer", bool, where, optional=True, default=True),
            offline_ok=_get(obj, "offline_ok", bool, where, optional=True, default=False),
            keywords=_str_list(obj, "keywords", where),
            popularity=_get(obj, "popularity", int, where, optional=True, default=0),
        )


@dataclass(frozen=True)
class Category:
    id: str
    name_zh: str
    name_en: str

    @classmethod
    def from_json(cls, obj: Any, where: str) -> "Category":
        return cls(id=_get(obj, "id", str, where), name_zh=_get(obj, "name_zh", str, where),
                   name_en=_get(obj, "name_en", str, where, optional=True, default=""))


@dataclass(frozen=True)
class Catalog:
    """The whole catalogue as central serves it, with the ETag it came with."""
    version: str
    categories: tuple[Category, ...]
    items: tuple[CatalogItem, ...]
    etag: str = ""

    @classmethod
    def from_json(cls, obj: Any, etag: str = "") -> "Catalog":
        w = "catalog"
        cats = tuple(Category.from_json(c, f"{w}.categories[{i}]")
                     for i, c in enumerate(_get(obj, "categories", list, w)))
        items = tuple(CatalogItem.from_json(it, f"{w}.items[{i}]") for i, it in enumerate(_get(obj, "items", list, w)))
        known = {c.id for c in cats}
        for i, item in enumerate(items):
            if item.category not in known:
                raise InvalidAnswer(f"{w}.items[{i}].category: {item.category!r} is not a listed category")
        return cls(version=_get(obj, "version", str, w), categories=cats, items=items, etag=etag)

    def item(self, item_id: str) -> CatalogItem | None:
        return next((it for it in self.items if it.id == item_id), None)


@dataclass(frozen=True)
class DocumentField:
    """One line of a printed document; `mask` names how to mask its value, if at all."""
    label: str
    value: str
    mask: str = ""


@dataclass(frozen=True)
class Document:
    """The document central issues for an application, printed as the slip."""
    title: str
    number: str
    fields: tuple[DocumentField, ...]
    issuer: str
    seal_text: str
    issued_at: str
    verification_code: str
    verification_url: str
    seal_label: str = "业务专用章"
    notes: tuple[str, ...] = ()
    valid_until: str = ""      # ISO 8601 date the document stops being valid, when it has one

    @classmethod
    def from_json(cls, obj: Any) -> "Document":
        w = "document"
        fields = []
        for i, f in enumerate(_get(obj, "fields", list, w)):
            fw = f"{w}.fields[{i}]"
            mask = _get(f, "mask", str, fw, optional=True, default="")
            if mask and mask not in MASK_KINDS:
                raise InvalidAnswer(f"{fw}.mask: unknown mask {mask!r} (known: {', '.join(MASK_KINDS)})")
            fields.append(DocumentField(label=_get(f, "label", str, fw), value=_get(f, "value", str, fw), mask=mask))
        return cls(
            title=_get(obj, "title", str, w),
            number=_get(obj, "number", str, w),
            fields=tuple(fields),
            issuer=_get(obj, "issuer", str, w),
            seal_text=_get(obj, "seal_text", str, w),
            issued_at=_get(obj, "issued_at", str, w),
            verification_code=_get(obj, "verification_code", str, w),
            verification_url=_get(obj, "verification_url", str, w),
            seal_label=_get(obj, "seal_label", str, w, optional=True, default="业务专用章"),
            notes=_str_list(obj, "notes", w),
            valid_until=_get(obj, "valid_until", str, w, optional=True, default=""),
        )

    def to_json(self) -> dict:
        return {
            "title": self.title, "number": self.number,
            "fields": [{"label": f.label, "value": f.value, "mask": f.mask} for f in self.fields],
            "issuer": self.issuer, "seal_text": self.seal_text, "seal_label": self.seal_label,
            "issued_at": self.issued_at, "verification_code": self.verification_code,
            "verification_url": self.verification_url, "notes": list(self.notes),
            **({"valid_until": self.valid_until} if self.valid_until else {}),
        }


@dataclass(frozen=True)
class SubmissionResult:
    """Central's answer to a submission: the application number (办件编号) and the document."""
    application_number: str
    status: str
    document: Document | None
    message: str = ""

    @classmethod
    def from_json(cls, obj: Any) -> "SubmissionResult":
        w = "submission"
        doc = _get(obj, "document", dict, w, optional=True)
        return cls(application_number=_get(obj, "application_number", str, w),
                   status=_get(obj, "status", str, w),
                   document=Document.from_json(doc) if doc is not None else None,
                   message=_get(obj, "message", str, w, optional=True, default=""))


COMMAND_KINDS = ("restart", "reload_catalog", "out_of_service", "in_service", "show_message")


@dataclass(frozen=True)
class Command:
    """A command central queued for this terminal, carried in a heartbeat answer."""
    id: str
    kind: str
    message: str = ""

    @classmethod
    def from_json(cls, obj: Any, where: str) -> "Command":
        kind = _get(obj, "kind", str, where)
        if kind not in COMMAND_KINDS:
            raise InvalidAnswer(f"{where}.kind: unknown command {kind!r} (known: {', '.join(COMMAND_KINDS)})")
        return cls(id=_get(obj, "id", str, where), kind=kind,
                   message=_get(obj, "message", str, where, optional=True, default=""))


@dataclass(frozen=True)
class HeartbeatAnswer:
    server_time: float
    commands: tuple[Command, ...] = field(default_factory=tuple)

    @classmethod
    def from_json(cls, obj: Any) -> "HeartbeatAnswer":
        w = "heartbeat"
        cmds = tuple(Command.from_json(c, f"{w}.commands[{i}]")
                     for i, c in enumerate(_get(obj, "commands", list, w, optional=True, default=[])))
        server_time = plausible_time(float(_get(obj, "server_time", (int, float), w)))
        if server_time is None:
            raise InvalidAnswer(f"{w}.server_time: not a Unix time between 2000 and 2100")
        return cls(server_time=server_time, commands=cmds)
