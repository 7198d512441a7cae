"""When a pass is valid, from its payment: a visit pack and a credit pass for `valid_days`
(none: no end), a time pass for `months + bonus_months` calendar months in the program's
time zone, through the day before the same date that many months later (a pass paid on
15 January for 7 months admits visits through 14 August, local time)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from loyalty.memberships.periods import add_months
from loyalty.program.spec import PassKind, PassProduct


def valid_until(product: PassProduct, start: datetime, zone: ZoneInfo) -> datetime | None:
    """The instant (UTC) from which the pass no longer admits anything."""
    if product.kind is PassKind.TIME_PASS:
        local = start.astimezone(zone)
        end = add_months(local.replace(hour=0, minute=0, second=0, microsecond=0),
                         (product.months or 0) + (product.bonus_months or 0))
        # Local midnight, rebuilt from the date, so a window across a DST change ends at 00:00 local.
        return datetime(end.year, end.month, end.day, tzinfo=zone).astimezone(timezone.utc)
    if product.valid_days:
        return start + timedelta(days=product.valid_days)
    return None


def local_day(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day that holds `moment`, as UTC instants [start, end)."""
    day = moment.astimezone(zone).date()
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    nxt = day + timedelta(days=1)
    return start.astimezone(timezone.utc), datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone).astimezone(timezone.utc)
