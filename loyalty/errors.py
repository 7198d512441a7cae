"""Domain errors: each carries a stable code that clients can rely on."""
from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    INSUFFICIENT_CREDIT = "INSUFFICIENT_CREDIT"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    LIMIT_REACHED = "LIMIT_REACHED"
    TIER_REQUIRED = "TIER_REQUIRED"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    INVALID_REFERRAL_CODE = "INVALID_REFERRAL_CODE"
    SELF_REFERRAL = "SELF_REFERRAL"
    ALREADY_MEMBER = "ALREADY_MEMBER"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    REFUND_EXCEEDS_PURCHASE = "REFUND_EXCEEDS_PURCHASE"
    BONUS_DAY_ALREADY_CHOSEN = "BONUS_DAY_ALREADY_CHOSEN"
    INVALID_TOKEN = "INVALID_TOKEN"
    UNAVAILABLE = "UNAVAILABLE"  # a dependency is down or slow: retry later (loyalty.faults)
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    MEMBER_BLOCKED = "MEMBER_BLOCKED"  # blocked for review: earning continues, spending does not
    PASS_NOT_VALID = "PASS_NOT_VALID"  # the pass does not admit this visit or payment now
    PASS_USED_UP = "PASS_USED_UP"  # every visit of the pass has been used
    NO_VALID_PASS = "NO_VALID_PASS"  # the member holds no pass that fits the visit


class LoyaltyError(Exception):
    """An expected failure of a domain operation. Nothing it touched was changed.

    `field` names the domain parameter at fault in the domain's own words (`reward_id`,
    `currency`, `items[2].sku`); the API turns it into the path of its input field."""

    code: ErrorCode = ErrorCode.INVALID

    def __init__(self, message: str, *, field: str | None = None, code: ErrorCode | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class ValidationFailed(LoyaltyError):
    """Several field errors at once (e.g. a form with two bad fields)."""

    def __init__(self, errors: list[LoyaltyError]):
        super().__init__("; ".join(e.message for e in errors), code=errors[0].code)
        self.errors = errors


class NotFound(LoyaltyError):
    code = ErrorCode.NOT_FOUND


class Forbidden(LoyaltyError):
    code = ErrorCode.FORBIDDEN


class RateLimited(LoyaltyError):
    code = ErrorCode.RATE_LIMITED


class IdempotencyConflict(LoyaltyError):
    code = ErrorCode.IDEMPOTENCY_CONFLICT
