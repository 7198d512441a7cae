"""Calendar periods in the program's time zone, for earning limits ("1 per day")."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from loyalty.program.spec import LimitPer


def period_start(per: LimitPer, moment: datetime, zone: ZoneInfo) -> datetime | None:
    """The start (UTC) of the day, week (from Monday), month or year that holds `moment`;
    None for "ever"."""
    local = moment.astimezone(zone)
    day = local.date()
    if per is LimitPer.EVER:
        return None
    if per is LimitPer.WEEK:
        day -= timedelta(days=day.weekday())
    elif per is LimitPer.MONTH:
        day = day.replace(day=1)
    elif per is LimitPer.YEAR:
        day = day.replace(month=1, day=1)
    return datetime.combine(day, time(), tzinfo=zone).astimezone(moment.tzinfo)
