"""recordPurchase's lean path on PostgreSQL: gather, decide, write once.

A purchase that pays with no balance (points, store credit or any other), whose points and
cashback are pending inside the return window, for a member whose accounts and tier state
exist and whose tier has nothing due, is recorded in two round trips on one connection:

1. `loyalty_purchase_facts` (installed by migration 0017) reads what the decision needs: the
   member's join date, accounts, tier state, the running totals of the current period
   (`loyalty.tiers.totals`), the live paid membership and the bonus days.
2. The decision is made by pure functions: the earning pipeline, the cashback percent, the
   tier's `progress.advance`, the events and their payloads.
3. `loyalty_record_purchase` applies all of it in one statement (one transaction): it locks
   the member's accounts, checks that the facts are still those read (else the decision is
   made again from new facts), inserts the purchase (the order id is unique: a repeat writes
   nothing and is replayed), its pending transfers, the member's and the program
   sub-account's balances, the running totals, the tier state, the outbox events and the
   change feed's notification.

`covers` names what it does not take; those purchases take the full path (`service._record`).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient

from loyalty import changes, change_feed, clock, events, sql
from loyalty.earning.pipeline import Line, PurchaseFacts, purchase_points
from loyalty.errors import NotFound
from loyalty.ledger.accounts import program_account_id, sub_account
from loyalty.ledger.book import MAX_BALANCE
from loyalty.ledger.codes import CASHBACK, ISSUANCE, TransferCode
from loyalty.ledger.expiry import lot_expiry
from loyalty.ledger.models import Asset
from loyalty.memberships.active import perks_in_force
from loyalty.program.spec import Program, TierMetric, TierPeriod
from loyalty.tiers import current, granted, periods, progress, state as states, totals

# Round trips of a lean purchase: the facts, then the write (`tests/purchases/test_round_trips.py`).
ROUND_TRIPS = 2
_ATTEMPTS = 3  # decisions made again when the facts changed under them, before the full path takes over

# The request's fields the lean path understands; any other one set (a balance to pay with)
# sends the purchase down the full path.
_PLAIN = frozenset({"member_id", "order_id", "amount", "currency", "brand", "occurred_at", "items"})

_joined: dict[int, datetime | None] = {}  # anniversary_year: join dates, which never change
_enabled = True  # FAST_PURCHASES' default; the runtime sets it from the settings


def enable(on: bool) -> None:
    """Whether purchases take the lean path where it applies (the FAST_PURCHASES setting)."""
    global _enabled
    _enabled = on


@dataclass(frozen=True)
class PurchaseRecord:
    """A purchase as recorded, with the values of its row (`purchases.models.Purchase`)."""

    id: int
    order_id: str
    member_id: int
    amount_minor: int
    currency: str
    brand: str | None
    items: list[dict[str, Any]]
    occurred_at: datetime
    request_hash: str
    created_at: datetime
    points_awarded: int = 0
    cashback_minor: int = 0
    earn_transfer_id: int | None = None
    cashback_transfer_id: int | None = None
    refunded_minor: int = 0
    points_spent: int = 0
    points_clawed_back: int = 0
    points_restored: int = 0
    credit_spent_minor: int = 0
    cashback_clawed_back_minor: int = 0
    credit_restored_minor: int = 0
    spend_transfer_id: int | None = None
    credit_spend_transfer_id: int | None = None


@dataclass
class Decision:
    payload: dict[str, Any]
    record: PurchaseRecord
    extras: dict[str, Any] = field(default_factory=dict)


class Duplicate(Exception):
    """The order id is recorded already: the caller replays it (or refuses a conflict)."""


def covers(program: Program, request: Any, now: datetime) -> bool:
    """Whether the lean path takes the purchase: PostgreSQL outside any caller's transaction,
    nothing paid with a balance, and points and cashback pending inside the return window
    (a purchase without a time happens now)."""
    if not _enabled or not sql.is_postgres() or isinstance(connections.get("default"), TransactionalDBClient):
        return False
    if program.tiers.metric is TierMetric.VISITS:
        return False  # recorded visits are not in the running totals the lean path reads
    for item in fields(request):
        if item.name not in _PLAIN and getattr(request, item.name) not in (None, 0, ()):
            return False
    occurred_at = request.occurred_at or now
    if occurred_at.tzinfo is None:
        return False  # refused by the full path's validation
    return occurred_at + timedelta(days=program.program.pending_days) > now


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _period_days(program: Program, joined_at: datetime | None, now: datetime) -> tuple[date, date]:
    period = periods.current_period(program, joined_at, now)
    zone = program.program.zone
    return totals.day_of(period.start, zone), totals.day_of(period.end, zone)


async def record(
    program: Program, request: Any, request_hash: str, amount_minor: int, occurred_at: datetime,
    items: list[dict[str, Any]],
) -> PurchaseRecord | None:
    """The purchase recorded on the lean path, or None when it needs the full path. Raises
    Duplicate when the order id is taken."""
    client = connections.get("default")
    member_id = request.member_id
    # Known to the process once committed (`ensure_program_accounts`): looked up before the
    # connection is taken, as a first use creates the row on a connection of its own.
    sources = (await program_account_id(Asset.POINTS, sub_account(Asset.POINTS, ISSUANCE, member_id)),
               await program_account_id(Asset.CREDIT, sub_account(Asset.CREDIT, CASHBACK, member_id)))
    async with client.acquire_connection() as connection:
        for _ in range(_ATTEMPTS):
            now = clock.now()
            joined_at: datetime | None = None
            if program.tiers.period is TierPeriod.ANNIVERSARY_YEAR:
                if member_id not in _joined:
                    found = await connection.fetchval("SELECT joined_at FROM members WHERE id = $1", member_id)
                    if found is None:
                        raise NotFound("No member with that id or number.", field="member_id")
                    _joined[member_id] = found
                joined_at = _joined[member_id]
            start, end = _period_days(program, joined_at, now)
            text = await connection.fetchval("SELECT loyalty_purchase_facts($1, $2, $3)::text", member_id, start, end)
            facts = json.loads(text)
            if facts["member"] is None:
                raise NotFound("No member with that id or number.", field="member_id")
            decision = await _decide(program, request, request_hash, amount_minor, occurred_at, items, facts,
                                     now, (start, end), sources)
            if decision is None:
                return None
            try:
                outcome = json.loads(await connection.fetchval(
                    "SELECT loyalty_record_purchase($1::jsonb)::text", json.dumps(decision.payload, default=str)
                ))
            except asyncpg.DeadlockDetectedError:
                # PostgreSQL rolled the statement back, so nothing was written: decide again.
                continue
            if outcome["status"] == "duplicate":
                raise Duplicate(request.order_id)
            if outcome["status"] == "ok":
                break
        else:
            return None
    recorded = PurchaseRecord(**{
        **decision.record.__dict__, "id": int(outcome["id"]), "earn_transfer_id": outcome["earn"],
        "cashback_transfer_id": outcome["cashback"],
    })
    await changes.committed({member_id})
    return recorded


async def _decide(
    program: Program, request: Any, request_hash: str, amount_minor: int, occurred_at: datetime,
    items: list[dict[str, Any]], facts: dict[str, Any], now: datetime, days: tuple[date, date],
    sources: tuple[int, int],
) -> Decision | None:
    """What the purchase writes, from the facts; None when the full path must take it."""
    member_id = request.member_id
    accounts, tier = facts["accounts"] or {}, facts["tier"]
    if tier is None or "POINTS" not in accounts:
        return None  # the member's first balance change or tier: the full path creates them
    joined_at = _time(facts["member"]["joined_at"])
    level_code, valid_until = tier["level"], _time(tier["valid_until"])
    override_until = _time(tier["override_until"])
    if override_until is not None and override_until <= now:
        return None  # an override lapsed: the review's settling runs on the full path
    if states.rank_of(program, level_code) > 0 and valid_until is not None and valid_until <= now:
        return None  # a period ended
    plan_row = facts["plan"]
    plan, grant = None, granted.NONE
    if plan_row is not None:
        plan_start, plan_end = _time(plan_row["period_start"]), _time(plan_row["current_period_end"])
        if perks_in_force(plan_row["status"], plan_start, plan_end, occurred_at):
            plan = program.plan(plan_row["plan_code"])
        if any(p.grants_tier for p in program.plans):
            grant = granted.grant_from(program, plan_row["plan_code"], plan_row["status"], plan_start, plan_end,
                                       occurred_at)
    with current.knowing(member_id, current.Known(level_code, tier["override_level"], override_until, grant)):
        level = await current.level_for(program, member_id, occurred_at)
    bonus_day = None
    if level.bonus_day_multiplier:
        period_start = periods.current_period(program, joined_at, occurred_at).start
        for chosen_start, chosen_day in facts["bonus_days"]:
            if _time(chosen_start) == period_start:
                bonus_day = date.fromisoformat(chosen_day)
    purchase = PurchaseFacts(
        eligible_minor=amount_minor, brand=request.brand,
        categories=tuple(i["category"] for i in items if i["category"]), occurred_at=occurred_at,
        lines=tuple(Line(i["category"], i["amount_minor"]) for i in items),
        tier=level, joined_at=joined_at, bonus_day=bonus_day, plan=plan, segment=facts.get("segment"),
    )
    points, award = purchase_points(program, purchase)
    from loyalty.purchases.service import cashback_minor

    percent = level.cashback_percent + (plan.cashback_percent if plan else 0)
    cashback = cashback_minor(percent, amount_minor)
    points_account = accounts["POINTS"]
    if points and points_account[1] + points_account[2] + points > MAX_BALANCE:
        return None  # refused on the full path, with its error
    if cashback > 0 and ("CREDIT" not in accounts or accounts["CREDIT"][1] + accounts["CREDIT"][2] + cashback
                         > MAX_BALANCE):
        return None
    available_at = occurred_at + timedelta(days=program.program.pending_days)
    memo: dict[str, Any] = {"order": request.order_id, "amount_minor": amount_minor, "currency": request.currency}
    payload: dict[str, Any] = {
        "member_id": member_id, "now": now.isoformat(), "from": days[0].isoformat(), "to": days[1].isoformat(),
        "facts": facts, "order_id": request.order_id, "amount_minor": amount_minor, "currency": request.currency,
        "brand": request.brand, "items": items, "occurred_at": occurred_at.isoformat(),
        "request_hash": request_hash, "lock": [points_account[0]],
    }
    topics: list[dict[str, Any]] = []
    if points:
        source = sources[0]
        expires_at = lot_expiry(program, occurred_at)
        payload["earn"] = {
            "asset": Asset.POINTS.value, "debit": source, "credit": points_account[0], "amount": points,
            "code": TransferCode.EARN_PURCHASE.value, "key": f"purchase:{request.order_id}:earn",
            "available_at": available_at.isoformat(),
            "lot_expires_at": expires_at.isoformat() if expires_at else None,
            "memo": {**memo, "tier_name": level.name, **({"plan_name": plan.name} if plan else {}),
                     "reasons": [[r.step, str(r.points), r.detail] for r in award.reasons]},
        }
        topics.append(_event(events.POINTS_EARNED, {
            "points": points, "order": request.order_id, "pending": True, "available_at": available_at.isoformat(),
        }))
    if cashback > 0:
        credit_account = accounts["CREDIT"]
        payload["lock"].append(credit_account[0])
        source = sources[1]
        payload["cashback"] = {
            "asset": Asset.CREDIT.value, "debit": source, "credit": credit_account[0], "amount": cashback,
            "code": TransferCode.CASHBACK.value, "key": f"purchase:{request.order_id}:cashback",
            "available_at": available_at.isoformat(), "lot_expires_at": None,
            "memo": {**memo, "percent": str(percent)},
        }
        topics.append(_event(events.CREDIT_EARNED, {
            "credit_minor": cashback, "currency": request.currency, "order": request.order_id, "pending": True,
            "available_at": available_at.isoformat(),
        }))
    # The running totals of the purchase's day, then the tier from those of the current period.
    in_period = days[0] <= totals.day_of(occurred_at, program.program.zone) < days[1]
    payload["totals"] = {"day": totals.day_of(occurred_at, program.program.zone).isoformat(),
                         "spend_minor": amount_minor, "purchases": 1, "points": points}
    spend, count, earned = facts["totals"]
    if in_period:
        spend, count, earned = spend + amount_minor, count + 1, earned + points
    metric = program.tiers.metric
    units = spend if metric is TierMetric.SPEND else count if metric is TierMetric.VISITS else earned
    standing = progress.Standing(level_code, valid_until, tier["baseline_level"], _time(tier["baseline_valid_until"]),
                                 _time(tier["baseline_until"]) or now)
    after = progress.advance(program, standing, joined_at, now, units)
    if after != standing:
        payload["tier"] = {
            "level": after.level, "valid_until": after.valid_until, "baseline_level": after.baseline_level,
            "baseline_valid_until": after.baseline_valid_until, "baseline_until": after.baseline_until,
        }
    before_rank = states.rank_held(program, level_code, tier["override_level"], override_until, now)
    after_rank = states.rank_held(program, after.level, tier["override_level"], override_until, now)
    tier_change = states.tier_event(program, before_rank, after_rank, after.valid_until)
    if tier_change is not None:
        topics.append(_event(*tier_change))
    payload["events"] = topics
    payload["notify"] = change_feed.payloads([member_id])[0]
    recorded = PurchaseRecord(
        id=0, order_id=request.order_id, member_id=member_id, amount_minor=amount_minor, currency=request.currency,
        brand=request.brand, items=items, occurred_at=occurred_at, request_hash=request_hash, created_at=now,
        points_awarded=points, cashback_minor=max(cashback, 0),
    )
    return Decision(payload, recorded)


def _event(topic: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "topic": topic, "payload": payload}
