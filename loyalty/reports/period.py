"""The moments a report's period is given in on the command line."""
from __future__ import annotations

from datetime import date, datetime, time

from loyalty.errors import LoyaltyError
from loyalty.program.spec import Program


def parse_moment(program: Program, text: str, field: str) -> datetime:
    """An ISO date-time with its offset, or a date: the start of that day in the program's
    time zone."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=program.program.zone)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise LoyaltyError(f"{text!r} is not a date (YYYY-MM-DD) or a date-time with its offset.", field=field) from None
    if moment.tzinfo is None:
        raise LoyaltyError(f"{text!r} has no offset; write it as 2026-01-01T00:00:00+01:00.", field=field)
    return moment
