"""A plain-Python reference model of the points ledger, for the stateful test in
test_ledger_model.py. No database and no code from loyalty/: the documented rules of the
demo program (loyalty/program/demo.toml) and of the ledger, written out again.

- Purchases (reported at most 5 minutes ahead of our clock) earn floor(eligible EUR x 1)
  points, where the eligible amount is the order less what points paid (a point pays
  EUR 0.01, and points cannot pay more than the order). Earned points are pending until
  occurred_at + 14 days (posted at once when that moment has passed) and form a lot that
  expires 24 months after the purchase, at the end of that month (Europe/Amsterdam).
- Pay-with-points is all or nothing, and draws from the lots that expire first.
- Refunds take back floor(awarded x refunded_so_far / amount) less what earlier parts
  took: from the pending points while those are pending; once posted, from the member's
  points (the order's own lot first), the rest booked as points owed. Spent points come
  back the same proportional way, to the lots they were drawn from (latest expiry first).
  Owed points are paid from the next points credited.
- Actions earn the demo's earning rules within their limits per calendar period.
- The activation job posts what is due; the expiry job empties the lots that are due.
- Order ids, refund ids and (action, reference) are idempotency keys (without surrounding
  spaces): the same key with the same arguments replays the first result, with other
  arguments it is a conflict. An amount or instant written otherwise is the same argument.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
ZONE = ZoneInfo("Europe/Amsterdam")
POINTS_PER_EUR = 1
CENTS_PER_POINT = 1  # point_value = EUR 0.01
PENDING_DAYS = 14
EXPIRY_MONTHS = 24
MAX_EXPIRIES = 24  # the wallet lists at most this many expiry dates
FUTURE_LEEWAY = timedelta(minutes=5)  # how far ahead of our clock a shop's clock may run

# action: (points, limit count, period); period None = no limit
EARNING_RULES: dict[str, tuple[int, int, str]] = {
    "SIGN_UP": (100, 1, "ever"),
    "NEWSLETTER_SIGNUP": (50, 1, "ever"),
    "PRODUCT_REVIEW": (20, 5, "month"),
    "SOCIAL_FOLLOW": (25, 1, "ever"),
    "SOCIAL_SHARE": (10, 1, "day"),
    "BIRTHDAY": (200, 1, "year"),
    "FITNESS_ACTIVITY": (5, 1, "day"),
    "SURVEY_COMPLETED": (30, 2, "month"),
    "VISIT": (10, 1, "day"),
}


def lot_expiry(earned_at: datetime) -> datetime:
    """The first moment (Amsterdam) of the month after the month 24 months after earning."""
    local = earned_at.astimezone(ZONE)
    month_index = local.year * 12 + (local.month - 1) + EXPIRY_MONTHS + 1
    year, month = divmod(month_index, 12)
    return datetime(year, month + 1, 1, tzinfo=ZONE).astimezone(UTC)


def period_start(period: str, moment: datetime) -> datetime | None:
    local = moment.astimezone(ZONE).date()
    if period == "ever":
        return None
    if period == "day":
        start = local
    elif period == "week":
        start = local - timedelta(days=local.weekday())
    elif period == "month":
        start = local.replace(day=1)
    elif period == "year":
        start = local.replace(month=1, day=1)
    else:
        raise ValueError(period)
    return datetime(start.year, start.month, start.day, tzinfo=ZONE).astimezone(UTC)


class Refused(Exception):
    """The model's answer for a request the system must refuse; `code` is the ErrorCode
    value the system must raise, and nothing may change."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(eq=False)
class Lot:
    seq: int  # creation order: the system's lot id order
    member: int
    expires_at: datetime
    amount: int
    remaining: int


@dataclass(eq=False)
class Order:
    order_id: str
    member: int
    amount_minor: int
    spent: int
    args: tuple  # what the request fingerprint covers
    occurred_at: datetime
    awarded: int
    available_at: datetime
    earn_state: str | None  # None (no points), "pending" or "posted"
    earn_seq: int = 0  # creation order of the earn transfer
    lot: Lot | None = None
    refunded_minor: int = 0
    clawed_back: int = 0
    pending_clawed: int = 0  # clawed while the earned points were pending
    pending_clawbacks: int = 0  # how many pending clawback transfers
    restored: int = 0
    spend_out: dict[Lot, int] = field(default_factory=dict)  # what the spend drew, net of restores


@dataclass
class MemberState:
    member_id: int
    points: int = 0
    owed: int = 0
    lifetime: int = 0
    lots: list[Lot] = field(default_factory=list)
    actions: list[tuple[str, datetime]] = field(default_factory=list)  # awarded actions


@dataclass(frozen=True)
class Wallet:
    points: int
    pending_points: int
    lifetime_points: int
    points_owed: int
    expiring: tuple[tuple[int, datetime], ...]


class LedgerModel:
    def __init__(self, member_ids: list[int], now: datetime):
        self.now = now
        self.members = {m: MemberState(m) for m in member_ids}
        self.orders: dict[str, Order] = {}
        self.refunds: dict[str, tuple[str, int]] = {}  # refund id -> (order id, amount)
        self.actions: dict[tuple[str, str], tuple[int, int, bool]] = {}  # -> (member, points, limit)
        self._seq = itertools.count(1)

    # --- lots ----------------------------------------------------------------------

    def _open_lot(self, member: MemberState, amount: int, remaining: int, expires_at: datetime) -> Lot:
        lot = Lot(next(self._seq), member.member_id, expires_at, amount, remaining)
        member.lots.append(lot)
        return lot

    def _draw(self, member: MemberState, amount: int, prefer: Lot | None = None) -> dict[Lot, int]:
        """Takes `amount` from the lots that expire first (from `prefer` before any other)."""
        assert 0 < amount <= member.points, (amount, member.points)
        order = sorted(
            (lot for lot in member.lots if lot.remaining > 0),
            key=lambda lot: (lot is not prefer, lot.expires_at, lot.seq),
        )
        drawn: dict[Lot, int] = {}
        left = amount
        for lot in order:
            if not left:
                break
            take = min(left, lot.remaining)
            lot.remaining -= take
            drawn[lot] = take
            left -= take
        assert left == 0, "model: lots hold fewer points than the balance"
        member.points -= amount
        return drawn

    def _credit_posted(self, member: MemberState, amount: int) -> None:
        member.points += amount
        self._settle(member)

    def _settle(self, member: MemberState) -> None:
        if member.owed > 0 and member.points > 0:
            paid = min(member.owed, member.points)
            self._draw(member, paid)
            member.owed -= paid

    # --- purchases -----------------------------------------------------------------

    def record_purchase(
        self, member_id: int, order_id: str, amount_minor: int, points_to_spend: int | None,
        occurred_at: datetime | None,
    ) -> tuple[Order, bool]:
        """The order and whether it was a replay; raises Refused."""
        # The same instant in another offset is the same request.
        order_id = order_id.strip()  # keys are compared as checked: without surrounding spaces
        args = (member_id, amount_minor, points_to_spend or 0, occurred_at)
        if (existing := self.orders.get(order_id)) is not None:
            if existing.args != args:
                raise Refused("IDEMPOTENCY_CONFLICT")
            return existing, True
        member = self.members[member_id]
        spent = points_to_spend or 0
        if spent * CENTS_PER_POINT > amount_minor:
            raise Refused("INVALID")  # the points would pay more than the order
        if occurred_at is not None and occurred_at > self.now + FUTURE_LEEWAY:
            raise Refused("INVALID")  # a purchase cannot happen in the future
        if spent > member.points:
            raise Refused("INSUFFICIENT_POINTS")
        when = (occurred_at or self.now).astimezone(UTC)
        eligible_minor = amount_minor - spent * CENTS_PER_POINT
        awarded = eligible_minor * POINTS_PER_EUR // 100
        available_at = when + timedelta(days=PENDING_DAYS)
        order = Order(
            order_id, member_id, amount_minor, spent, args, when, awarded, available_at,
            earn_state=None,
        )
        if spent:
            order.spend_out = self._draw(member, spent)
        if awarded:
            order.earn_seq = next(self._seq)
            if available_at > self.now:
                order.earn_state = "pending"
            else:
                order.earn_state = "posted"
                order.lot = self._open_lot(member, awarded, awarded, lot_expiry(when))
                member.lifetime += awarded
                self._credit_posted(member, awarded)
        self.orders[order_id] = order
        return order, False

    def refund(self, order_id: str, refund_id: str, amount_minor: int) -> tuple[Order, bool]:
        order_id, refund_id = order_id.strip(), refund_id.strip()
        if amount_minor <= 0:
            raise Refused("INVALID")
        if (earlier := self.refunds.get(refund_id)) is not None:
            if earlier != (order_id, amount_minor):
                raise Refused("IDEMPOTENCY_CONFLICT")
            return self.orders[order_id], True
        order = self.orders.get(order_id)
        if order is None:
            raise Refused("NOT_FOUND")
        refunded = order.refunded_minor + amount_minor
        if refunded > order.amount_minor:
            raise Refused("REFUND_EXCEEDS_PURCHASE")
        member = self.members[order.member]
        claw = order.awarded * refunded // order.amount_minor - order.clawed_back
        if claw:
            if order.earn_state == "pending":
                order.pending_clawed += claw
                order.pending_clawbacks += 1
            else:
                taken = min(claw, member.points)
                if taken:
                    self._draw(member, taken, prefer=order.lot)
                member.owed += claw - taken
                member.lifetime -= claw
        restore = order.spent * refunded // order.amount_minor - order.restored
        if restore:
            left = restore
            for lot in sorted(order.spend_out, key=lambda lot: (lot.expires_at, lot.seq), reverse=True):
                back = min(left, order.spend_out[lot])
                if back:
                    lot.remaining += back
                    order.spend_out[lot] -= back
                    left -= back
            assert left == 0, "model: restoring more than was spent"
            self._credit_posted(member, restore)
        order.refunded_minor = refunded
        order.clawed_back += claw
        order.restored += restore
        self.refunds[refund_id] = (order_id, amount_minor)
        return order, False

    # --- actions -------------------------------------------------------------------

    def record_action(self, member_id: int, action: str, reference: str) -> tuple[int, bool, bool]:
        """(points awarded, limit reached, replayed); raises Refused."""
        reference = reference.strip()
        if (existing := self.actions.get((action, reference))) is not None:
            owner, points, limited = existing
            if owner != member_id:
                raise Refused("IDEMPOTENCY_CONFLICT")
            return points, limited, True
        member = self.members[member_id]
        points, count, period = EARNING_RULES[action]
        start = period_start(period, self.now)
        earlier = [t for a, t in member.actions if a == action and (start is None or t >= start)]
        if len(earlier) >= count:
            self.actions[(action, reference)] = (member_id, 0, True)
            return 0, True, False
        member.actions.append((action, self.now))
        self._open_lot(member, points, points, lot_expiry(self.now))
        member.lifetime += points
        self._credit_posted(member, points)
        self.actions[(action, reference)] = (member_id, points, False)
        return points, False, False

    # --- jobs ----------------------------------------------------------------------

    def activate(self) -> int:
        """Posts what is due; returns how many transfers were posted."""
        due = sorted(
            (o for o in self.orders.values() if o.earn_state == "pending" and o.available_at <= self.now),
            key=lambda o: o.earn_seq,
        )
        credited: list[MemberState] = []
        posted = 0
        for order in due:
            member = self.members[order.member]
            net = order.awarded - order.pending_clawed
            order.lot = self._open_lot(member, order.awarded, net, lot_expiry(order.occurred_at))
            order.earn_state = "posted"
            member.points += net
            member.lifetime += net
            posted += 1 + order.pending_clawbacks
            if member not in credited:
                credited.append(member)
        for member in credited:
            self._settle(member)
        return posted

    def expire(self) -> int:
        total = 0
        for member in self.members.values():
            for lot in member.lots:
                if lot.remaining > 0 and lot.expires_at <= self.now:
                    total += lot.remaining
                    member.points -= lot.remaining
                    lot.remaining = 0
        return total

    # --- reading -------------------------------------------------------------------

    def wallet(self, member_id: int) -> Wallet:
        member = self.members[member_id]
        assert member.points == sum(lot.remaining for lot in member.lots), "model: points != lots"
        assert member.points >= 0 and member.owed >= 0
        assert not (member.points > 0 and member.owed > 0), "model: owes points while holding some"
        pending = sum(
            o.awarded - o.pending_clawed for o in self.orders.values()
            if o.member == member_id and o.earn_state == "pending"
        )
        expiring: dict[datetime, int] = {}
        if member.points > 0:
            for lot in member.lots:
                if lot.remaining > 0 and lot.expires_at > self.now:
                    expiring[lot.expires_at] = expiring.get(lot.expires_at, 0) + lot.remaining
        return Wallet(
            points=member.points, pending_points=pending, lifetime_points=member.lifetime,
            points_owed=member.owed,
            expiring=tuple((expiring[at], at) for at in sorted(expiring)[:MAX_EXPIRIES]),
        )
