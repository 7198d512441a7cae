"""The lifecycle of a paid membership, in one table.

| from            | event          | to              |
|-----------------|----------------|-----------------|
| (none)          | subscribe      | PENDING_PAYMENT |
| PENDING_PAYMENT | pay            | ACTIVE          |
| PENDING_PAYMENT | cancel         | CANCELED        |
| ACTIVE          | pay            | ACTIVE (renewed)|
| ACTIVE          | period_end     | PAST_DUE        |
| ACTIVE          | payment_failed | PAST_DUE        |
| ACTIVE          | cancel         | CANCELED        |
| ACTIVE          | cancel_due     | CANCELED        |
| ACTIVE          | refund         | EXPIRED         |
| ACTIVE          | replace        | CANCELED        |
| PAST_DUE        | pay            | ACTIVE          |
| PAST_DUE        | grace_end      | EXPIRED         |
| PAST_DUE        | cancel         | CANCELED        |
| PAST_DUE        | refund         | PAST_DUE        |
| PAST_DUE        | replace        | CANCELED        |

CANCELED and EXPIRED are final. Any other pair is refused (`transition` raises).
"""
from __future__ import annotations

from enum import StrEnum

from loyalty.errors import ErrorCode, LoyaltyError


class Status(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    ACTIVE = "ACTIVE"
    PAST_DUE = "PAST_DUE"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"


class Event(StrEnum):
    SUBSCRIBE = "subscribe"
    PAY = "pay"
    PERIOD_END = "period_end"
    PAYMENT_FAILED = "payment_failed"
    GRACE_END = "grace_end"
    CANCEL = "cancel"  # now
    CANCEL_DUE = "cancel_due"  # a cancel at period end, reached
    REFUND = "refund"
    REPLACE = "replace"  # a lifetime plan replaces a running one


S, E = Status, Event
TRANSITIONS: dict[tuple[Status | None, Event], Status] = {
    (None, E.SUBSCRIBE): S.PENDING_PAYMENT,
    (S.PENDING_PAYMENT, E.PAY): S.ACTIVE,
    (S.PENDING_PAYMENT, E.CANCEL): S.CANCELED,
    (S.ACTIVE, E.PAY): S.ACTIVE,
    (S.ACTIVE, E.PERIOD_END): S.PAST_DUE,
    (S.ACTIVE, E.PAYMENT_FAILED): S.PAST_DUE,
    (S.ACTIVE, E.CANCEL): S.CANCELED,
    (S.ACTIVE, E.CANCEL_DUE): S.CANCELED,
    (S.ACTIVE, E.REFUND): S.EXPIRED,
    (S.ACTIVE, E.REPLACE): S.CANCELED,
    (S.PAST_DUE, E.PAY): S.ACTIVE,
    (S.PAST_DUE, E.GRACE_END): S.EXPIRED,
    (S.PAST_DUE, E.CANCEL): S.CANCELED,
    (S.PAST_DUE, E.REFUND): S.PAST_DUE,
    (S.PAST_DUE, E.REPLACE): S.CANCELED,
}
LIVE = frozenset({S.PENDING_PAYMENT, S.ACTIVE, S.PAST_DUE})
FINAL = frozenset({S.CANCELED, S.EXPIRED})


class NotAllowed(LoyaltyError):
    code = ErrorCode.NOT_AVAILABLE


def transition(status: Status | None, event: Event) -> Status:
    """The status after `event`, or NotAllowed (NOT_AVAILABLE) when the lifecycle has no such step."""
    to = TRANSITIONS.get((status, event))
    if to is None:
        what = status.value.lower().replace("_", " ") if status else "no"
        raise NotAllowed(f"A {what} membership cannot take this step ({event.value}).")
    return to
