"""The Date, DateTime and Decimal scalars, range-checked as they are read: a value that would
overflow arithmetic later (a date at the end of year 9999, a DateTime in year 1 with an
offset, a Decimal of a hundred digits) is refused here, with a message of our own rather than
Python's exception text."""
from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import NewType

import strawberry
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import isoformat
from strawberry.types.scalar import ScalarDefinition

# Wide enough for the fields' own checks to answer (a birthday in 1850 is the birthday field's
# error), and far inside what datetime can add years and time zones to.
MIN_YEAR, MAX_YEAR = 1000, 8999
MAX_TEXT = 64
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,6})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _refuse(message: str) -> StrawberryInputCoercionError:
    return StrawberryInputCoercionError(message)


def _in_range(year: int, kind: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _refuse(f"{kind} values must fall between the years {MIN_YEAR} and {MAX_YEAR}.")


def parse_date(value: object) -> dt.date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise _refuse("Date values are written YYYY-MM-DD, e.g. 2026-04-30.")
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise _refuse("Date values are written YYYY-MM-DD, e.g. 2026-04-30, and must be real dates.") from None
    _in_range(parsed.year, "Date")
    return parsed


def parse_datetime(value: object) -> dt.datetime:
    message = "DateTime values are written in ISO 8601, e.g. 2026-04-30T14:05:00+02:00."
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise _refuse(message)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _refuse(message) from None
    _in_range(parsed.year, "DateTime")
    return parsed


def parse_decimal(value: object) -> decimal.Decimal:
    message = 'Decimal values are written as a string such as "12.50".'
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _refuse(message)
    text = str(value)
    if len(text) > MAX_TEXT or not _DECIMAL.match(text):
        raise _refuse(message)
    return decimal.Decimal(text)  # its range is the field's: loyalty.money.to_minor for amounts


DATE = ScalarDefinition(
    name="Date", description="A calendar date, ISO 8601: YYYY-MM-DD, between the years 1000 and 8999.",
    specified_by_url=None, serialize=isoformat, parse_value=parse_date, parse_literal=None, origin=dt.date,
)
DATE_TIME = ScalarDefinition(
    name="DateTime",
    description="An instant in ISO 8601, e.g. 2026-04-30T14:05:00+02:00, between the years 1000 and 8999.",
    specified_by_url=None, serialize=isoformat, parse_value=parse_datetime, parse_literal=None, origin=dt.datetime,
)
DECIMAL = ScalarDefinition(
    name="Decimal", description='A decimal number written as a string, e.g. "12.50".',
    specified_by_url=None, serialize=str, parse_value=parse_decimal, parse_literal=None, origin=decimal.Decimal,
)

MAX_SAFE_INTEGER = 2**53 - 1  # what a JSON number holds exactly in JavaScript


def _parse_long(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_SAFE_INTEGER:
        raise _refuse(f"Long values are whole numbers between -{MAX_SAFE_INTEGER} and {MAX_SAFE_INTEGER}.")
    return value


Long = NewType("Long", int)
LONG = strawberry.scalar(
    name="Long",
    description="A whole number that can exceed Int's 32 bits, written as a JSON number of at most 2^53 - 1.",
    serialize=int, parse_value=_parse_long,
)

SCALARS: dict[object, ScalarDefinition] = {dt.date: DATE, dt.datetime: DATE_TIME, decimal.Decimal: DECIMAL, Long: LONG}
