"""Whether a pass admits a visit: its kind, status, window, location and daily limit. Each
refusal says why (PASS_NOT_VALID, with when the pass was valid; PASS_USED_UP)."""
from __future__ import annotations

from datetime import datetime, timedelta

from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.passes.models import Pass, PassStatus
from loyalty.passes.windows import local_day
from loyalty.program.spec import PassKind, PassProduct, Program
from loyalty.visits.models import Visit


def _not_valid(message: str) -> LoyaltyError:
    return LoyaltyError(message, field="pass_id", code=ErrorCode.PASS_NOT_VALID)


def window_text(program: Program, row: Pass) -> str:
    """'from 2026-01-15 through 2026-08-14', local dates of the program's time zone."""
    zone = program.program.zone
    start = row.valid_from.astimezone(zone).date().isoformat()
    if row.valid_until is None:
        return f"from {start}"
    last = (row.valid_until - timedelta(microseconds=1)).astimezone(zone).date().isoformat()
    return f"from {start} through {last}"


def fits_location(product: PassProduct, location: str | None) -> bool:
    return not product.locations or location in product.locations


async def refusal(program: Program, row: Pass, product: PassProduct, location: str | None,
                  at: datetime) -> LoyaltyError | None:
    """Why `row` does not admit a visit at `at` and `location`, or None when it does."""
    status = PassStatus(row.status)
    if product.kind is PassKind.CREDIT_PASS:
        return _not_valid("A credit pass pays at checkout: it admits no visits.")
    if status is PassStatus.PENDING_PAYMENT:
        return _not_valid("The pass waits for its payment: it is not valid yet.")
    if status is PassStatus.CANCELED:
        return _not_valid("The pass was canceled.")
    if status is PassStatus.USED_UP:
        what = "The card is complete" if product.kind is PassKind.PUNCH_CARD else "Every visit of the pass is used"
        return LoyaltyError(f"{what}.", field="pass_id", code=ErrorCode.PASS_USED_UP)
    if status is PassStatus.EXPIRED or at < row.valid_from or (row.valid_until is not None and at >= row.valid_until):
        return _not_valid(f"The pass is valid {window_text(program, row)}; the visit is outside it.")
    if not fits_location(product, location):
        return _not_valid(f"The pass is not valid at {location or 'an unnamed location'}.")
    if product.kind is PassKind.TIME_PASS and product.max_visits_per_day:
        start, end = local_day(at, program.program.zone)
        if await Visit.filter(pass_id=row.id, occurred_at__gte=start, occurred_at__lt=end).count() \
                >= product.max_visits_per_day:
            return _not_valid(f"The pass admits {product.max_visits_per_day} visit(s) a day.")
    return None
