"""Birthday and yearly tier rewards, given by the daily jobs.

- Birthday: the points (`birthday_reward_points`) and store credit
  (`birthday_reward_credit`) of the member's tier, once a year, on the birthday or in its
  calendar week (Monday to Sunday), as `[bonuses] birthday_reward_window` says. A member
  born on 29 February celebrates on 28 February in other years.
- Yearly: the `yearly_reward_points` and `yearly_reward_credit` of the member's tier,
  once per calendar year (in the program's time zone), on the first run of the year at
  which the member holds a level that has one: a member who reaches Gold in June gets it
  then.

Each grant is a row (member, kind, year) that can exist once: a second run changes
nothing. Points post at once and form a lot with the program's expiry; credit posts at once.
Reward points are an award like any other: the member's automatic donation takes its share
of them as they post, and they count as points earned towards a POINTS_EARNED tier, so the
member moves up at once when they cross a threshold.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from tortoise.exceptions import IntegrityError

from loyalty import changes, events, outbox, sql
from loyalty.bonuses.models import RewardGrant
from loyalty.charity import donations
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import REWARDS, TransferCode
from loyalty.ledger.expiry import current_program, lot_expiry
from loyalty.ledger.models import Asset
from loyalty.money import to_minor
from loyalty.program.spec import BirthdayWindow, Program, TierLevel
from loyalty.tiers import current, progress

BATCH = 500
BIRTHDAY, YEARLY = "birthday", "yearly"


@dataclass(frozen=True)
class Grant:
    kind: str
    code: TransferCode
    year: int
    points: int
    credit_minor: int


def birthday_window(program: Program, today: date) -> list[date]:
    """The dates whose birthdays are celebrated on `today`'s run."""
    if program.bonuses.birthday_reward_window is BirthdayWindow.DAY:
        return [today]
    monday = today - timedelta(days=today.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


def _month_days(day: date) -> list[str]:
    days = [f"{day.month:02d}-{day.day:02d}"]
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        days.append("02-29")
    return days


def _month_day_sql() -> str:
    return "to_char(birthday, 'MM-DD')" if sql.is_postgres() else "strftime('%m-%d', birthday)"


async def _give(program: Program, member_id: int, level: TierLevel, grant: Grant, now: datetime) -> bool:
    """One grant for one member in one transaction; False when it was given before."""
    try:
        async with changes.member_change():
            await RewardGrant.create(
                member_id=member_id, kind=grant.kind, year=grant.year, tier=level.code, points=grant.points,
                credit_minor=grant.credit_minor, granted_at=now,
            )
            memo = {"tier": level.code, "tier_name": level.name, "year": grant.year}
            if grant.points:
                account = await lock_member_account(member_id, Asset.POINTS)
                award = await book.credit_member(
                    account, grant.points,
                    book.Entry(grant.code, f"{grant.kind}:{member_id}:{grant.year}:points", member_id, now, memo=memo),
                    REWARDS, lot_expires_at=lot_expiry(program, now),
                )
                await donations.after_award(program, account, award)
            if grant.credit_minor:
                account = await lock_member_account(member_id, Asset.CREDIT)
                await book.credit_member(
                    account, grant.credit_minor,
                    book.Entry(grant.code, f"{grant.kind}:{member_id}:{grant.year}:credit", member_id, now, memo=memo),
                    REWARDS,
                )
            payload = {"points": grant.points, "credit_minor": grant.credit_minor,
                       "currency": program.program.currency}
            if grant.kind == BIRTHDAY:
                await outbox.emit(events.BIRTHDAY_REWARDED, member_id, payload)
            else:
                await outbox.emit(events.YEARLY_REWARD_GIVEN, member_id, {
                    "tier": level.code, "tier_name": level.name, **payload,
                })
            if grant.points:
                await progress.track(program, member_id, now)
    except IntegrityError:  # given by a concurrent run
        return False
    return True


def _amounts(program: Program, points: int, credit: Decimal) -> tuple[int, int]:
    credit_minor = to_minor(credit, program.program.minor_units, allow_zero=True)
    return points, credit_minor


async def birthday_rewards(now: datetime, program: Program | None = None) -> int:
    """Gives the birthday reward of their tier to members whose birthday falls in today's
    window and who had none this year. Returns how many members were rewarded."""
    program = program or await current_program()
    if not any(level.birthday_reward_points or level.birthday_reward_credit for level in program.tier_levels):
        return 0
    today = now.astimezone(program.program.zone).date()
    by_year: dict[int, list[str]] = {}
    for day in birthday_window(program, today):
        by_year.setdefault(day.year, []).extend(_month_days(day))
    given = 0
    for year, month_days in sorted(by_year.items()):
        marks = ", ".join("?" for _ in month_days)
        after = 0
        while True:
            rows = await sql.fetch(
                f"SELECT id FROM members m WHERE birthday IS NOT NULL AND {_month_day_sql()} IN ({marks}) "
                "AND id > ? AND NOT EXISTS (SELECT 1 FROM reward_grants g WHERE g.member_id = m.id "
                f"AND g.kind = ? AND g.year = ?) ORDER BY id LIMIT {BATCH}",
                *month_days, after, BIRTHDAY, year,
            )
            for row in rows:
                member_id = int(row["id"])
                level = await current.level_for(program, member_id, now)
                points, credit_minor = _amounts(program, level.birthday_reward_points, level.birthday_reward_credit)
                if points or credit_minor:
                    grant = Grant(BIRTHDAY, TransferCode.BIRTHDAY_REWARD, year, points, credit_minor)
                    given += await _give(program, member_id, level, grant, now)
            if len(rows) < BATCH:
                break
            after = int(rows[-1]["id"])
    return given


async def yearly_rewards(now: datetime, program: Program | None = None) -> int:
    """Gives the yearly reward of their tier to members who hold a level with one and had
    none this calendar year. Returns how many members were rewarded."""
    program = program or await current_program()
    if not any(level.yearly_reward_points or level.yearly_reward_credit for level in program.tier_levels):
        return 0
    year = now.astimezone(program.program.zone).year
    given, after = 0, 0
    while True:
        rows = await sql.fetch(
            "SELECT id FROM members m WHERE id > ? AND m.erased_at IS NULL AND NOT EXISTS (SELECT 1 FROM reward_grants g "
            f"WHERE g.member_id = m.id AND g.kind = ? AND g.year = ?) ORDER BY id LIMIT {BATCH}",
            after, YEARLY, year,
        )
        for row in rows:
            member_id = int(row["id"])
            level = await current.level_for(program, member_id, now)
            points, credit_minor = _amounts(program, level.yearly_reward_points, level.yearly_reward_credit)
            if points or credit_minor:
                given += await _give(program, member_id, level, Grant(YEARLY, TransferCode.YEARLY_REWARD, year,
                                                                        points, credit_minor), now)
        if len(rows) < BATCH:
            break
        after = int(rows[-1]["id"])
    return given
