"""Qualification periods: the stretch of time whose activity counts towards a tier.

All periods start and end at midnight in the program's time zone, and are returned in UTC
(start inclusive, end exclusive):

- calendar_year: 1 January to 1 January.
- anniversary_year: from the member's join date to the same date a year later (a member
  who joined on 29 February has their anniversary on 28 February in other years).
- rolling_12_months: the 12 months that end with today; tomorrow's period is one day on.

A tier earned in a period is kept until the end of the period after it (`keep_until`): the
end of next year, of the next membership year, or, for rolling_12_months, 12 months after
the end of today. When that moment comes, the review judges the period that ends then
(`period_ending`).
"""
from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from loyalty.members.models import Member
from loyalty.program.spec import Program, TierPeriod


class Period(NamedTuple):
    start: datetime  # inclusive, aware (UTC)
    end: datetime  # exclusive, aware (UTC)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), on the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _anniversary(joined: date | None, year: int) -> date:
    assert joined is not None, "membership years need the join date"
    return date(year, joined.month, min(joined.day, calendar.monthrange(year, joined.month)[1]))


def _year_start(kind: TierPeriod, joined: date | None, today: date) -> date:
    """The first day of the (calendar or membership) year that holds `today`."""
    if kind is TierPeriod.CALENDAR_YEAR:
        return date(today.year, 1, 1)
    this_year = _anniversary(joined, today.year)
    return this_year if this_year <= today else _anniversary(joined, today.year - 1)


def _year_after(kind: TierPeriod, joined: date | None, start: date) -> date:
    if kind is TierPeriod.CALENDAR_YEAR:
        return date(start.year + 1, 1, 1)
    return _anniversary(joined, start.year + 1)


def _joined(program: Program, joined_at: datetime | None) -> date | None:
    return None if joined_at is None else joined_at.astimezone(program.program.zone).date()


def current_period(program: Program, joined_at: datetime | None, at: datetime) -> Period:
    """The period that holds `at`, for a member who joined at `joined_at` (which only
    anniversary_year reads: see `joined_at_of`)."""
    zone = program.program.zone
    kind = program.tiers.period
    today = at.astimezone(zone).date()
    if kind is TierPeriod.ROLLING_12_MONTHS:
        tomorrow = today + timedelta(days=1)
        return Period(_midnight(add_months(tomorrow, -12), zone), _midnight(tomorrow, zone))
    joined = _joined(program, joined_at)
    start = _year_start(kind, joined, today)
    return Period(_midnight(start, zone), _midnight(_year_after(kind, joined, start), zone))


def keep_until(program: Program, joined_at: datetime | None, at: datetime) -> datetime:
    """The end of the period after the one that holds `at`: how long a tier earned at `at` holds."""
    zone = program.program.zone
    kind = program.tiers.period
    end = current_period(program, joined_at, at).end
    end_day = end.astimezone(zone).date()
    if kind is TierPeriod.ROLLING_12_MONTHS:
        return _midnight(add_months(end_day, 12), zone)
    return _midnight(_year_after(kind, _joined(program, joined_at), end_day), zone)


def period_ending(program: Program, joined_at: datetime | None, end: datetime) -> Period:
    """The period that ends at `end` (a period boundary): the one a review at `end` judges."""
    if program.tiers.period is TierPeriod.ROLLING_12_MONTHS:
        zone = program.program.zone
        return Period(_midnight(add_months(end.astimezone(zone).date(), -12), zone), end)
    return current_period(program, joined_at, end - timedelta(microseconds=1))


async def joined_at_of(program: Program, member_id: int) -> datetime | None:
    """When the member joined, when the program's periods depend on it (None otherwise)."""
    if program.tiers.period is not TierPeriod.ANNIVERSARY_YEAR:
        return None
    member = await Member.get(id=member_id).only("id", "joined_at")
    return member.joined_at


async def period_containing(program: Program, member_id: int, at: datetime) -> Period:
    """The member's qualification period that holds `at`."""
    return current_period(program, await joined_at_of(program, member_id), at)
