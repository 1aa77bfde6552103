"""The one place that sends a stored outbox entry and decides, from central's answer, what becomes of it.

Submit, rating and replay all go through `OutboxSender.send`; only central's definitive refusal of the request
itself settles an entry as refused: authentication, clock skew, server errors and odd answers keep it pending."""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from kiosk.central.errors import CentralError, CentralRefused, CentralUnavailable, InvalidAnswer, LoginExpired
from kiosk.core.outbox import Outbox

log = logging.getLogger(__name__)

T = TypeVar("T")

# Refusals that are about the terminal or the moment, not about the request: the request stays pending.
# 401 clock skew / bad signature / replayed signature, 408 timeout, 409 the key is still being processed,
# 425 too early, 429 too many requests. (403 is about the request: e.g. login_required for a token-less
# replay of an item that needs the citizen's own login; it can never succeed as it is.)
NOT_ABOUT_THE_REQUEST = frozenset({401, 407, 408, 409, 421, 425, 429})


class SendOutcome(enum.Enum):
    """What became of one attempt to send an outbox entry."""
    SETTLED = "settled"            # central took it; its reference is stored, the payload erased
    REFUSED = "refused"            # central refused the request itself; settled as refused
    UNREACHABLE = "unreachable"    # no answer, or a server error: pending, sent again later
    NOT_AUTHORISED = "not_authorised"  # clock skew, signature, expired login: pending, payload kept
    UNCERTAIN = "uncertain"        # an answer outside the contract: central may have acted; same key again

    @property
    def settled(self) -> bool:
        return self in (SendOutcome.SETTLED, SendOutcome.REFUSED)

    @property
    def central_reachable(self) -> bool:
        """Whether this attempt shows central answering (anything but no answer at all)."""
        return self is not SendOutcome.UNREACHABLE


@dataclass(frozen=True)
class SendResult(Generic[T]):
    """An attempt's outcome, central's answer when it took the request, and the error when it did not."""
    outcome: SendOutcome
    answer: T | None = None
    error: CentralError | None = None

    def accepted(self) -> T:
        """Central's answer when it took the request; the error that stopped it otherwise (raised)."""
        if self.outcome is SendOutcome.SETTLED and self.answer is not None:
            return self.answer
        raise self.error if self.error is not None else RuntimeError(f"no answer: {self.outcome.value}")


def refuses_the_request(exc: CentralRefused) -> bool:
    """True when central's refusal is final for this request (a correction, not a retry, is needed)."""
    return exc.status not in NOT_ABOUT_THE_REQUEST and 400 <= exc.status < 500


class OutboxSender:
    """Sends entries of one outbox and settles them by what central answered."""

    def __init__(self, outbox: Outbox):
        self.outbox = outbox

    def send(self, key: str, call: Callable[[], T], reference_of: Callable[[T], str],
             before_settle: Callable[[T], None] | None = None) -> SendResult[T]:
        """Run `call` for the stored entry `key`; settle or keep the entry by central's answer.

        `before_settle(answer)` is work that must be stored before the entry is settled (queuing the
        application's slip): a crash in between leaves the entry pending, and its replay does it again.
        Raises StoreError when the outcome cannot be written; never a CentralError (it is in the result)."""
        try:
            answer = call()
        except CentralRefused as exc:
            if refuses_the_request(exc):
                reason = exc.reason or f"HTTP {exc.status}"
                self.outbox.settle(key, refused=reason)
                return SendResult(SendOutcome.REFUSED, error=exc)
            return self._kept(key, SendOutcome.NOT_AUTHORISED, exc, f"refused {exc.status} {exc.reason}")
        except LoginExpired as exc:
            return self._kept(key, SendOutcome.NOT_AUTHORISED, exc, "LoginExpired")
        except CentralUnavailable as exc:
            return self._kept(key, SendOutcome.UNREACHABLE, exc, "CentralUnavailable")
        except InvalidAnswer as exc:
            return self._kept(key, SendOutcome.UNCERTAIN, exc, f"InvalidAnswer: {exc}")
        except CentralError as exc:   # any other central error: keep it, say which
            return self._kept(key, SendOutcome.UNCERTAIN, exc, type(exc).__name__)
        if before_settle is not None:
            before_settle(answer)
        self.outbox.settle(key, reference=reference_of(answer))
        return SendResult(SendOutcome.SETTLED, answer=answer)

    def _kept(self, key: str, outcome: SendOutcome, exc: CentralError, why: str) -> SendResult[Any]:
        self.outbox.record_attempt(key, why[:200])
        log.info("outbox entry kept pending: %s", outcome.value)
        return SendResult(outcome, error=exc)
