"""A member's tier status, as the member app shows it: every number exact.

- `qualifying_amount`: what counts in the current period so far (money for SPEND).
- `remaining_to_next`: what the next level still needs in this period; None at the top.
- `remaining_to_keep`: what this period still needs for the level held to be kept past
  `valid_until`; 0 at the entry level and once the level is kept past this period.
- `valid_until`: when the level held lapses unless kept (an operator's setting lapses on
  its date); None at the entry level.

`cached_tier_status` serves it through the member cache, as the API reads it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from loyalty import cache
from loyalty.program.spec import Program, TierLevel
from loyalty.tiers import periods, qualifying, state as states
from loyalty.tiers.periods import Period


@dataclass(frozen=True)
class TierStatus:
    level: TierLevel
    rank: int
    next_level: TierLevel | None
    period: Period
    qualifying_amount: Decimal
    remaining_to_next: Decimal | None
    remaining_to_keep: Decimal
    valid_until: datetime | None
    override_until: datetime | None  # set while an operator's setting is in force


async def tier_status(program: Program, member_id: int, now: datetime) -> TierStatus:
    joined_at = await periods.joined_at_of(program, member_id)
    state = await states.load_state(member_id)
    period = periods.current_period(program, joined_at, now)
    units = await qualifying.qualifying_units(program, member_id, period)
    levels = program.tiers.levels
    rank = states.effective_rank(program, state, now)
    earned = states.rank_of(program, state.level) if state else 0
    overridden = states.override_active(state, now)
    valid_until = (state.override_until if overridden else state.valid_until) if rank and state else None
    kept_past_period = (
        state is not None and earned >= rank and state.valid_until is not None
        and state.valid_until >= periods.keep_until(program, joined_at, now)
    )
    to_keep = 0 if rank == 0 or kept_past_period else qualifying.threshold_units(program, levels[rank]) - units
    next_level = levels[rank + 1] if rank + 1 < len(levels) else None
    to_next = None if next_level is None else max(0, qualifying.threshold_units(program, next_level) - units)
    return TierStatus(
        level=levels[rank], rank=rank, next_level=next_level, period=period,
        qualifying_amount=qualifying.as_decimal(program, units),
        remaining_to_next=None if to_next is None else qualifying.as_decimal(program, to_next),
        remaining_to_keep=qualifying.as_decimal(program, max(0, to_keep)),
        valid_until=valid_until, override_until=state.override_until if overridden else None,
    )


# --- the cached summary -------------------------------------------------------------------

TIER_KIND = cache.register_kind("tier")


@dataclass(frozen=True)
class _Cached:
    day: str  # the local date the status was computed for
    version: int  # the program version it was computed with
    status: TierStatus | None  # None when read back for another version (its levels may differ)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _codec(program: Program, version: int) -> cache.Codec[_Cached]:
    def dump(entry: _Cached) -> dict:
        s = entry.status
        return {
            "day": entry.day, "version": entry.version, "rank": s.rank,
            "period": [s.period.start.isoformat(), s.period.end.isoformat()],
            "qualifying": str(s.qualifying_amount), "to_next": _text(s.remaining_to_next),
            "to_keep": str(s.remaining_to_keep), "valid_until": _iso(s.valid_until),
            "override_until": _iso(s.override_until),
        }

    def load(data: dict) -> _Cached:
        if data["version"] != version:
            return _Cached(data["day"], data["version"], None)
        levels, rank = program.tiers.levels, data["rank"]
        status = TierStatus(
            level=levels[rank], rank=rank, next_level=levels[rank + 1] if rank + 1 < len(levels) else None,
            period=Period(datetime.fromisoformat(data["period"][0]), datetime.fromisoformat(data["period"][1])),
            qualifying_amount=Decimal(data["qualifying"]), remaining_to_next=_decimal(data["to_next"]),
            remaining_to_keep=Decimal(data["to_keep"]), valid_until=_moment(data["valid_until"]),
            override_until=_moment(data["override_until"]),
        )
        return _Cached(data["day"], data["version"], status)

    return cache.Codec(dump, load)


async def cached_tier_status(
    store: cache.Cache | None, program: Program, version: int, member_id: int, now: datetime,
) -> TierStatus:
    """`tier_status` through the cache. Every moment a status turns on (the start and end of
    a period, the date a tier or a set tier lapses) is a local midnight, so a status computed
    for a moment holds for the rest of that day in the program's time zone: it is served for
    that day and program version only, and computed again for another. Any committed change
    to the member (a purchase, a refund, a review, a set tier) invalidates it."""
    day = now.astimezone(program.program.zone).date().isoformat()

    async def load() -> _Cached:
        return _Cached(day, version, await tier_status(program, member_id, now))

    entry = await cache.cached(
        store, TIER_KIND, member_id, load, _codec(program, version),
        fresh=lambda e: e.day == day and e.version == version,
    )
    return entry.status
