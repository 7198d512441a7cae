"""The tier level every member holds at a moment, as one SQL expression over `members m`:
what `loyalty.tiers.current.level_for` answers for each of them (and so `Member.tier`), for
queries that count or filter members by tier without reading them one by one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty.memberships.states import Status
from loyalty.program.spec import Program


@dataclass(frozen=True)
class HeldRank:
    joins: list[str]  # to add after `FROM members m`
    rank: str  # the rank held: 0 for the entry level
    params: list[Any]  # the parameters of `rank`, in order (the joins take none)


def _rank_case(column: str, ranks: dict[str, int]) -> tuple[str, list[Any]]:
    """The rank of the tier code in `column`: 0 for the entry level, an unknown code or null."""
    if not ranks:
        return "0", []
    whens = " ".join("WHEN ? THEN ?" for _ in ranks)
    return f"(CASE {column} {whens} ELSE 0 END)", [v for item in ranks.items() for v in item]


def held_rank(program: Program, at: datetime) -> HeldRank:
    """An operator's setting while it lasts, else the level earned (the entry level without a
    tier state, or with a level the program no longer has), and at least the level an ACTIVE
    paid plan grants inside its paid period (`grants_tier`)."""
    ranks = {level.code: program.tiers.rank(level.code) for level in program.tiers.levels}
    override, override_params = _rank_case("t.override_level", ranks)
    level, level_params = _rank_case("t.level", ranks)
    earned = f"(CASE WHEN t.override_level IS NOT NULL AND t.override_until > ? THEN {override} ELSE {level} END)"
    earned_params = [at, *override_params, *level_params]
    joins = ["LEFT JOIN tier_states t ON t.member_id = m.id"]
    grants = {plan.code: program.tiers.rank(plan.grants_tier) for plan in program.plans if plan.grants_tier}
    if not grants:
        return HeldRank(joins, earned, earned_params)
    joins.append("LEFT JOIN memberships ms ON ms.live_member_id = m.id")
    granted_rank, grant_params = _rank_case("ms.plan_code", grants)
    granted = (f"(CASE WHEN ms.status = ? AND ms.period_start IS NOT NULL AND ms.period_start <= ? "
               f"AND (ms.current_period_end IS NULL OR ms.current_period_end > ?) THEN {granted_rank} ELSE 0 END)")
    granted_params = [Status.ACTIVE.value, at, at, *grant_params]
    return HeldRank(joins, f"(CASE WHEN {earned} >= {granted} THEN {earned} ELSE {granted} END)",
                    [*earned_params, *granted_params, *earned_params, *granted_params])
