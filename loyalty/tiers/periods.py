"""Qualification periods: the stretch of time whose activity counts towards a tier."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from loyalty.program.spec import Program


class Period(NamedTuple):
    start: datetime  # inclusive, aware (UTC)
    end: datetime  # exclusive, aware (UTC)


async def period_containing(program: Program, member_id: int, at: datetime) -> Period:
    """The member's qualification period that holds `at` (the calendar year in the
    program's time zone until the period settings are read)."""
    zone = program.program.zone
    local = at.astimezone(zone)
    start = datetime(local.year, 1, 1, tzinfo=zone)
    end = datetime(local.year + 1, 1, 1, tzinfo=zone)
    from datetime import UTC

    return Period(start.astimezone(UTC), end.astimezone(UTC))
