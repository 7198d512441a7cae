"""The "choose your bonus day" perk: a member whose tier has `bonus_day_multiplier` picks
one date per qualification period, and purchases on that date (in the program's time
zone) earn the multiple. The choice is final for the period."""
from __future__ import annotations

from datetime import date, datetime

from tortoise.exceptions import IntegrityError

from loyalty import changes, clock
from loyalty.bonuses.models import BonusDay
from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.members.models import Member
from loyalty.program.spec import Program
from loyalty.tiers import current, periods


async def bonus_day_for(program: Program, member_id: int, at: datetime) -> date | None:
    """The bonus day the member chose for the period that holds `at`, if any."""
    period = await periods.period_containing(program, member_id, at)
    row = await BonusDay.get_or_none(member_id=member_id, period_start=period.start)
    return row.day if row is not None else None


async def choose_bonus_day(program: Program, member_id: int, day: date) -> BonusDay:
    """Records `day` as the member's bonus day for the period that holds it. Refused with
    TIER_REQUIRED when the member's tier has no bonus day, INVALID for a date in the past,
    and BONUS_DAY_ALREADY_CHOSEN when the period already has one (the same date again
    returns the existing choice)."""
    now = clock.now()
    zone = program.program.zone
    if not await Member.exists(id=member_id):
        raise NotFound("No member with that id.", field="member_id")
    if day < now.astimezone(zone).date():
        raise LoyaltyError("The bonus day cannot be in the past.", field="day")
    level = await current.level_for(program, member_id, now)
    if level.bonus_day_multiplier is None:
        raise LoyaltyError(
            "Your tier has no bonus day.", field="day", code=ErrorCode.TIER_REQUIRED,
        )
    start_of_day = datetime(day.year, day.month, day.day, 12, tzinfo=zone)
    period = await periods.period_containing(program, member_id, start_of_day)
    existing = await BonusDay.get_or_none(member_id=member_id, period_start=period.start)
    if existing is None:
        try:
            async with changes.member_change():
                changes.touch(member_id)
                return await BonusDay.create(member_id=member_id, period_start=period.start, day=day, chosen_at=now)
        except IntegrityError:  # chosen by a concurrent request
            existing = await BonusDay.get(member_id=member_id, period_start=period.start)
    if existing.day == day:
        return existing
    raise LoyaltyError(
        f"You already chose {existing.day.isoformat()} as your bonus day for this period.",
        field="day", code=ErrorCode.BONUS_DAY_ALREADY_CHOSEN,
    )
