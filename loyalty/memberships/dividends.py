"""The yearly `plan-dividends` job: a plan's `yearly_cashback_percent` of the past calendar
year's spend (money paid for purchases, less what was refunded of them), paid as store
credit on the plan's `dividend_date` (or the first run after it that year), to members
whose membership of the plan was ACTIVE at the year's end. Once per member and year (a
row per dividend under a unique key): running it again changes nothing."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_DOWN, Decimal
from typing import Any

from tortoise.exceptions import IntegrityError

from loyalty import changes, events, outbox, sql
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import PLAN_PERKS, TransferCode
from loyalty.ledger.expiry import current_program
from loyalty.ledger.models import Asset
from loyalty.memberships.models import PlanDividend
from loyalty.program.spec import Plan, Program


def _year_bounds(program: Program, year: int) -> tuple[datetime, datetime]:
    zone = program.program.zone
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(timezone.utc)
    return start, datetime(year + 1, 1, 1, tzinfo=zone).astimezone(timezone.utc)


def dividend_minor(percent: Decimal, spend_minor: int) -> int:
    return int((Decimal(spend_minor) * percent / 100).to_integral_value(rounding=ROUND_DOWN))


async def _pay(program: Program, plan: Plan, row: dict[str, Any], year: int, now: datetime) -> int:
    member_id, spend = int(row["member_id"]), int(row["spend_minor"])
    credit_minor = dividend_minor(plan.yearly_cashback_percent, spend)
    try:
        async with changes.member_change():
            await PlanDividend.create(member_id=member_id, year=year, membership_id=int(row["id"]),
                                      spend_minor=spend, credit_minor=credit_minor, paid_at=now)
            if credit_minor > 0:
                account = await lock_member_account(member_id, Asset.CREDIT)
                await book.credit_member(
                    account, credit_minor,
                    book.Entry(TransferCode.PLAN_PERK, f"plan-dividend:{member_id}:{year}", member_id, now,
                               memo={"plan": plan.code, "plan_name": plan.name, "year": year,
                                     "percent": str(plan.yearly_cashback_percent)}),
                    PLAN_PERKS,
                )
                await outbox.emit(events.PLAN_DIVIDEND_PAID, member_id, {
                    "membership_id": int(row["id"]), "plan": plan.code, "plan_name": plan.name, "year": year,
                    "spend_minor": spend, "credit_minor": credit_minor, "currency": program.program.currency,
                    "percent": str(plan.yearly_cashback_percent),
                })
    except IntegrityError:  # paid by a concurrent run
        return 0
    return 1 if credit_minor > 0 else 0


async def plan_dividends(now: datetime, program: Program | None = None) -> int:
    program = program or await current_program()
    today = now.astimezone(program.program.zone).date()
    paid = 0
    for plan in program.plans:
        if not plan.yearly_cashback_percent or today.strftime("%m-%d") < plan.dividend_date:
            continue
        year = today.year - 1
        start, end = _year_bounds(program, year)
        rows = await sql.fetch(
            "SELECT m.id, m.member_id, (SELECT COALESCE(SUM(p.amount_minor - p.refunded_minor), 0) FROM purchases p "
            "WHERE p.member_id = m.member_id AND p.occurred_at >= ? AND p.occurred_at < ?) AS spend_minor "
            "FROM memberships m WHERE m.plan_code = ? AND m.period_start IS NOT NULL AND m.period_start < ? "
            "AND (m.ended_at IS NULL OR m.ended_at >= ?) AND (m.current_period_end IS NULL OR m.current_period_end >= ?) "
            "AND NOT EXISTS (SELECT 1 FROM plan_dividends d WHERE d.member_id = m.member_id AND d.year = ?) "
            "ORDER BY m.id",
            start, end, plan.code, end, end, end, year,
        )
        for row in rows:
            paid += await _pay(program, plan, row, year, now)
    return paid
