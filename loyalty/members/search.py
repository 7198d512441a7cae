"""Finding members for the brand's staff: by the start of their email, member number or name,
by tier and by segment, newest first, a page at a time.

Each prefix is matched on an index (migration 0013): on PostgreSQL a `LIKE 'prefix%'` over
`text_pattern_ops` indexes, whatever the database's collation; on SQLite a range over the
plain indexes (`prefix <= value < prefix + U+10FFFF`). Names match case-insensitively
through an index on `lower(display_name)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from loyalty import paging, sql
from loyalty.errors import LoyaltyError
from loyalty.members.models import Member
from loyalty.program.spec import Program
from loyalty.segments.lookup import members_in_sql
from loyalty.tiers.held_sql import held_rank

MAX_SEARCH_LENGTH = 100
_TOP = "\U0010ffff"


@dataclass
class Filter:
    """SQL conditions on `members m` (and the tables joined), with their parameters."""

    joins: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, condition: str, *params: Any) -> None:
        self.conditions.append(condition)
        self.params.extend(params)


def _prefix(expression: str, prefix: str) -> tuple[str, list[Any]]:
    if sql.is_postgres():
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{expression} LIKE ?", [escaped + "%"]
    return f"({expression} >= ? AND {expression} < ?)", [prefix, prefix + _TOP]


def search_condition(text: str) -> tuple[str, list[Any]]:
    """Members whose email, member number or name starts with `text` (case aside)."""
    lowered = text.lower()
    parts = [_prefix("m.email_normalized", lowered), _prefix("lower(m.display_name)", lowered)]
    digits = "".join(ch for ch in text if ch not in " -")
    if digits and digits.isascii() and digits.isdigit():
        parts.append(_prefix("m.member_number", digits))
    return "(" + " OR ".join(condition for condition, _ in parts) + ")", [p for _, params in parts for p in params]


def tier_condition(program: Program, code: str, now: datetime) -> tuple[list[str], str, list[Any]]:
    """Members who hold the tier `code` at `now`, as `loyalty.tiers.current.level_for` tells
    (see `loyalty.tiers.held_sql`)."""
    try:
        wanted = program.tiers.rank(code)
    except KeyError:
        known = ", ".join(level.code for level in program.tiers.levels)
        raise LoyaltyError(f"The program has no tier {code!r} (it has {known}).", field="tier") from None
    held = held_rank(program, now)
    return held.joins, f"{held.rank} = ?", [*held.params, wanted]


def _search_text(search: str | None) -> str | None:
    if search is None:
        return None
    text = search.strip()
    if len(text) > MAX_SEARCH_LENGTH or any(ord(ch) < 32 for ch in text):
        raise LoyaltyError(f"Search for at most {MAX_SEARCH_LENGTH} printable characters.", field="search")
    return text or None


async def search_members(
    program: Program, now: datetime, *, search: str | None = None, segment: str | None = None,
    tier: str | None = None, first: int | None = None, after: paging.Key | None = None,
) -> paging.Page[Member]:
    size, before_id = paging.page_size(first), paging.after_id(after)
    found = Filter()
    found.add("m.erased_at IS NULL")  # an erased member's number and name find nobody
    if (text := _search_text(search)) is not None:
        found.add(*_one(search_condition(text)))
    if segment is not None:
        found.add(*_one(members_in_sql(program, segment)))
    if tier is not None:
        joins, condition, params = tier_condition(program, tier, now)
        found.joins.extend(joins)
        found.add(condition, *params)
    if before_id is not None:
        found.add("m.id < ?", before_id)
    where = f"WHERE {' AND '.join(found.conditions)} " if found.conditions else ""
    rows = await sql.fetch(
        f"SELECT m.id FROM members m {' '.join(found.joins)} {where}ORDER BY m.id DESC LIMIT ?",
        *found.params, size + 1,
    )
    ids = [int(row["id"]) for row in rows]
    loaded = {member.id: member for member in await Member.filter(id__in=ids[:size])}
    items = [loaded[member_id] for member_id in ids[:size] if member_id in loaded]
    return paging.Page(items, [(member.id,) for member in items], len(ids) > size)


def _one(part: tuple[str, list[Any]]) -> tuple[Any, ...]:
    condition, params = part
    return (condition, *params)
