"""Period arithmetic, in the program's time zone: a month is the same day next month,
clamped to the month's end (31 January, then 28 or 29 February); a year is the same day
next year (29 February, then 28 February); a lifetime has no end."""
from __future__ import annotations

import calendar
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from loyalty.program.spec import PlanInterval


def add_months(moment: datetime, months: int) -> datetime:
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_end(interval: PlanInterval, start: datetime, zone: ZoneInfo) -> datetime | None:
    """When a period of `interval` that starts at `start` ends (UTC); None for LIFETIME."""
    if interval is PlanInterval.LIFETIME:
        return None
    local = start.astimezone(zone)
    end = add_months(local, 1 if interval is PlanInterval.MONTH else 12)
    # Rebuilt from wall-clock fields, so a period across a DST change keeps its local time.
    return datetime(end.year, end.month, end.day, end.hour, end.minute, end.second, end.microsecond,
                    tzinfo=zone).astimezone(timezone.utc)
