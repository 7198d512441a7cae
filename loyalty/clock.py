"""The one clock all domain code reads "now" from; tests and operators can set it."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime, timezone

_frozen: ContextVar[datetime | None] = ContextVar("loyalty_now", default=None)
_global_override: list[datetime | None] = [None]


def now() -> datetime:
    """The current time in UTC (timezone-aware)."""
    value = _frozen.get() or _global_override[0]
    return value if value is not None else datetime.now(timezone.utc)


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
