"""A member's tier status, as the member app shows it: every number exact.

- `qualifying_amount`: what counts in the current period so far (money for SPEND).
- `remaining_to_next`: what the next level still needs in this period; None at the top.
- `remaining_to_keep`: what this period still needs for the level held to be kept past
  `valid_until`; 0 at the entry level and once the level is kept past this period.
- `valid_until`: when the level held lapses unless kept (an operator's setting lapses on
  its date); None at the entry level.
- `granted_by`: the plan whose `grants_tier` the level shown comes from, when it is above the
  level the member holds otherwise (see `member_tier_status`); the level then lasts as long
  as the paid period (`valid_until`, None for a lifetime plan) and needs nothing to keep
  (`remaining_to_keep` is 0): renewing the membership keeps it.

`cached_tier_status` serves it through the member cache, as the API reads it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from loyalty import cache
from loyalty.program.spec import Program, TierLevel
from loyalty.tiers import granted, periods, qualifying, state as states
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
    granted_by: str | None = None  # the plan code when the level shown is a plan's grant


async def tier_status(program: Program, member_id: int, now: datetime, grant: granted.Grant = granted.NONE) -> TierStatus:
    """The status of the level the member holds on their own (earned or set by an operator),
    or of `grant`'s level when that is higher."""
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
    granted_by = None
    if grant.rank > rank:
        rank, granted_by, valid_until, to_keep, overridden = grant.rank, grant.plan_code, grant.until, 0, False
    next_level = levels[rank + 1] if rank + 1 < len(levels) else None
    to_next = None if next_level is None else max(0, qualifying.threshold_units(program, next_level) - units)
    return TierStatus(
        level=levels[rank], rank=rank, next_level=next_level, period=period,
        qualifying_amount=qualifying.as_decimal(program, units),
        remaining_to_next=None if to_next is None else qualifying.as_decimal(program, to_next),
        remaining_to_keep=qualifying.as_decimal(program, max(0, to_keep)),
        valid_until=valid_until, override_until=state.override_until if overridden and state else None,
        granted_by=granted_by,
    )


async def member_tier_status(program: Program, member_id: int, now: datetime) -> tuple[TierStatus, datetime | None]:
    """The tier summary the member sees: at least the level an ACTIVE paid plan grants. With
    it, the moment it changes on its own (a paid period's end or start), if any."""
    grant = await granted.grant_at(program, member_id, now)
    return await tier_status(program, member_id, now, grant), grant.changes_at


# --- the cached summary -------------------------------------------------------------------

TIER_KIND = cache.register_kind("tier")


@dataclass(frozen=True)
class _Cached:
    day: str  # the local date the status was computed for
    version: int  # the program version it was computed with
    status: TierStatus | None  # None when read back for another version (its levels may differ)
    changes_at: datetime | None = None  # a plan's grant starts or stops then: computed again from it


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _codec(program: Program, version: int) -> cache.Codec[_Cached]:
    def dump(entry: _Cached) -> dict[str, Any]:
        s = entry.status
        assert s is not None, "only a status computed for this version is stored"
        return {
            "day": entry.day, "version": entry.version, "rank": s.rank,
            "period": [s.period.start.isoformat(), s.period.end.isoformat()],
            "qualifying": str(s.qualifying_amount), "to_next": _text(s.remaining_to_next),
            "to_keep": str(s.remaining_to_keep), "valid_until": _iso(s.valid_until),
            "override_until": _iso(s.override_until), "granted_by": s.granted_by,
            "changes_at": _iso(entry.changes_at),
        }

    def load(data: dict[str, Any]) -> _Cached:
        if data["version"] != version:
            return _Cached(data["day"], data["version"], None)
        levels, rank = program.tiers.levels, data["rank"]
        status = TierStatus(
            level=levels[rank], rank=rank, next_level=levels[rank + 1] if rank + 1 < len(levels) else None,
            period=Period(datetime.fromisoformat(data["period"][0]), datetime.fromisoformat(data["period"][1])),
            qualifying_amount=Decimal(data["qualifying"]), remaining_to_next=_decimal(data["to_next"]),
            remaining_to_keep=Decimal(data["to_keep"]), valid_until=_moment(data["valid_until"]),
            override_until=_moment(data["override_until"]), granted_by=data.get("granted_by"),
        )
        return _Cached(data["day"], data["version"], status, _moment(data.get("changes_at")))

    return cache.Codec(dump, load)


async def cached_tier_status(
    store: cache.Cache | None, program: Program, version: int, member_id: int, now: datetime,
) -> TierStatus:
    """`member_tier_status` through the cache. Every moment a status turns on (the start and end of
    a period, the date a tier or a set tier lapses) is a local midnight, so a status computed
    for a moment holds for the rest of that day in the program's time zone: it is served for
    that day and program version only, and computed again for another. Any committed change
    to the member (a purchase, a refund, a review, a set tier, any change of their paid
    membership) invalidates it. A plan's grant ends with its paid period, at any time of day:
    a status that turns on it is served only until then."""
    day = now.astimezone(program.program.zone).date().isoformat()

    async def load() -> _Cached:
        status, changes_at = await member_tier_status(program, member_id, now)
        return _Cached(day, version, status, changes_at)

    entry = await cache.cached(
        store, TIER_KIND, member_id, load, _codec(program, version),
        fresh=lambda e: e.day == day and e.version == version and (e.changes_at is None or now < e.changes_at),
    )
    assert entry.status is not None, "an entry of another version is never fresh"
    return entry.status
