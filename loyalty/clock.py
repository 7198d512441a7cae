"""The one clock all domain code reads "now" from; tests and operators can set it.

CLOCK_SHIFT_SECONDS (development and tests only; refused with LOYALTY_ENV=production), read once
at process start, moves the whole process's clock by that many seconds: it runs on from the
shifted moment, so processes given the same shift agree on "now"."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone

_frozen: ContextVar[datetime | None] = ContextVar("loyalty_now", default=None)
_global_override: list[datetime | None] = [None]


def _shift_from_environment() -> timedelta:
    raw = os.environ.get("CLOCK_SHIFT_SECONDS", "").strip()
    if not raw:
        return timedelta(0)
    if os.environ.get("LOYALTY_ENV", "").strip().lower() == "production":
        raise RuntimeError("CLOCK_SHIFT_SECONDS is for development and tests; refused with LOYALTY_ENV=production")
    return timedelta(seconds=float(raw))


_shift = _shift_from_environment()


def now() -> datetime:
    """The current time in UTC (timezone-aware)."""
    value = _frozen.get() or _global_override[0]
    return value if value is not None else datetime.now(timezone.utc) + _shift


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock takes timezone-aware datetimes only")
    return moment.astimezone(timezone.utc)


@contextlib.contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Fix "now" for the current task (and tasks it starts) inside the block."""
    token = _frozen.set(_aware(moment))
    try:
        yield
    finally:
        _frozen.reset(token)


def set_now(moment: datetime | None) -> None:
    """Fix "now" for the whole process (None returns to the real time)."""
    _global_override[0] = None if moment is None else _aware(moment)
