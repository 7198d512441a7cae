"""Qualification periods in the program's time zone (Europe/Amsterdam in the demo): each
boundary is a local midnight, returned in UTC."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from loyalty.tiers.periods import Period, add_months, current_period, keep_until, period_ending
from tests.support.tiers import tier_program

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMSTERDAM).astimezone(UTC)


def days(period: Period) -> tuple[str, str]:
    return tuple(moment.astimezone(AMSTERDAM).isoformat() for moment in period)


JOINED = local(2024, 2, 29, 15, 30)


def test_the_calendar_year_starts_at_local_midnight_on_1_january():
    program = tier_program("calendar_year")
    # 00:30 on 1 January in Amsterdam is still 31 December in UTC.
    at = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert current_period(program, JOINED, at) == Period(
        datetime(2026, 12, 31, 23, tzinfo=UTC), datetime(2027, 12, 31, 23, tzinfo=UTC))
    assert keep_until(program, JOINED, at) == datetime(2028, 12, 31, 23, tzinfo=UTC)
    assert period_ending(program, JOINED, datetime(2027, 12, 31, 23, tzinfo=UTC)) == current_period(
        program, JOINED, at)


@pytest.mark.parametrize(("at", "start", "end", "kept"), [
    (local(2024, 2, 29, 16), "2024-02-29", "2025-02-28", "2026-02-28"),
    (local(2025, 2, 27, 23, 59), "2024-02-29", "2025-02-28", "2026-02-28"),
    (local(2025, 2, 28), "2025-02-28", "2026-02-28", "2027-02-28"),
    (local(2028, 2, 28, 12), "2027-02-28", "2028-02-29", "2029-02-28"),
    (local(2028, 2, 29), "2028-02-29", "2029-02-28", "2030-02-28"),
])
def test_an_anniversary_year_of_a_member_who_joined_on_29_february(at, start, end, kept):
    program = tier_program("anniversary_year")
    period = current_period(program, JOINED, at)
    assert days(period) == (f"{start}T00:00:00+01:00", f"{end}T00:00:00+01:00")
    assert keep_until(program, JOINED, at).astimezone(AMSTERDAM).isoformat() == f"{kept}T00:00:00+01:00"
    assert period_ending(program, JOINED, period.end) == period


@pytest.mark.parametrize(("at", "start", "end", "kept", "judged_from"), [
    (local(2026, 3, 31, 12), "2025-04-01T00:00:00+02:00", "2026-04-01T00:00:00+02:00", "2027-04-01T00:00:00+02:00",
     "2026-04-01T00:00:00+02:00"),
    (local(2026, 2, 28, 23, 59), "2025-03-01T00:00:00+01:00", "2026-03-01T00:00:00+01:00",
     "2027-03-01T00:00:00+01:00", "2026-03-01T00:00:00+01:00"),
    # Tomorrow is 29 February: 12 months on is 28 February 2029, whose 12 months start on 28 February.
    (local(2028, 2, 28, 8), "2027-02-28T00:00:00+01:00", "2028-02-29T00:00:00+01:00", "2029-02-28T00:00:00+01:00",
     "2028-02-28T00:00:00+01:00"),
])
def test_rolling_12_months_end_with_today_and_a_tier_reached_today_holds_12_months_on(
    at, start, end, kept, judged_from,
):
    program = tier_program("rolling_12_months")
    period = current_period(program, JOINED, at)
    assert days(period) == (start, end)
    assert keep_until(program, JOINED, at).astimezone(AMSTERDAM).isoformat() == kept
    ended = period_ending(program, JOINED, keep_until(program, JOINED, at))
    assert ended.end == keep_until(program, JOINED, at)
    assert days(ended)[0] == judged_from


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    from datetime import date

    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 1, 15), -13) == date(2024, 12, 15)
