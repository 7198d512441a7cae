"""The members of a segment, as a condition for a members query.

`members_in(program, code)` is a tortoise filter for `Member`
(`Member.filter(members_in(program, "champions"))`); `members_in_sql(program, code, "m.id")`
is the same condition as SQL with its parameters, for raw statements. Both refuse a code the
program does not name (NOT_FOUND on `segment`)."""
from __future__ import annotations

from typing import Any

from tortoise.expressions import Q, Subquery

from loyalty.errors import NotFound
from loyalty.program.spec import Program
from loyalty.segments.models import MemberSegment


def check_segment(program: Program, code: str, field: str = "segment") -> str:
    """`code` when the program names such a segment; NOT_FOUND otherwise."""
    if program.segments is None or program.segments.rule(code) is None:
        raise NotFound(f'The program has no segment "{code}".', field=field)
    return code


def members_in(program: Program, code: str) -> Q:
    """Members whose latest scoring put them in the segment `code`."""
    check_segment(program, code)
    return Q(id__in=Subquery(MemberSegment.filter(segment=code).values("member_id")))


def members_in_sql(program: Program, code: str, member_id_column: str = "m.id") -> tuple[str, list[Any]]:
    """The same condition as SQL over `member_id_column`, and its parameters."""
    check_segment(program, code)
    return f"{member_id_column} IN (SELECT member_id FROM member_segments WHERE segment = ?)", [code]
