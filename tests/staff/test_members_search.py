"""members(search, segment, tier): prefix matches on email, member number and name, the tier
filter, the segment filter, and paging."""
from __future__ import annotations

from datetime import date

import pytest

from loyalty import clock
from loyalty.audit.record import CLI
from loyalty.members.models import Member
from loyalty.segments.models import MemberSegment
from loyalty.staff.operations import set_tier
from tests.rewards import T0
from tests.staff import member
from tests.support.gql import gql
from tests.support.shop import api_key

MEMBERS = """
query($search: String, $segment: String, $tier: String, $first: Int, $after: String) {
  members(search: $search, segment: $segment, tier: $tier, first: $first, after: $after) {
    edges { cursor node { displayName email } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""


@pytest.fixture(autouse=True)
def at_t0():
    with clock.frozen_at(T0):
        yield


async def people() -> dict[str, Member]:
    return {
        "ann": await member(email="ann.smith@example.com", name="Ann Smith"),
        "anna": await member(email="anna@example.org", name="Anna Jansen"),
        "bob": await member(email="bob@example.com", name="Bob Annan"),
        "zoe": await member(email="zoe_100%@example.com", name="Élodie Zoe"),
    }


async def names(client, key: str, **variables) -> list[str]:
    body = await gql(client, MEMBERS, variables, token=key)
    return [edge["node"]["displayName"] for edge in body["data"]["members"]["edges"]]


@pytest.mark.parametrize(("search", "found"), [
    ("ann", ["Anna Jansen", "Ann Smith"]),  # email and name, case aside; "Bob Annan" matches inside a word only
    ("ANNA@", ["Anna Jansen"]),
    ("Bob A", ["Bob Annan"]),
    ("zoe_", ["Élodie Zoe"]),  # the wildcards of LIKE match themselves
    ("zoe_100%", ["Élodie Zoe"]),
    ("zoe%", []),
    ("z_e", []),
    ("", ["Élodie Zoe", "Bob Annan", "Anna Jansen", "Ann Smith"]),
    (None, ["Élodie Zoe", "Bob Annan", "Anna Jansen", "Ann Smith"]),
])
async def test_members_are_found_by_the_start_of_their_email_or_name_newest_first(client, search, found):
    await people()
    key = await api_key("members:read")
    assert await names(client, key, search=search) == found


async def test_members_are_found_by_the_start_of_their_member_number_spaced_or_not(client):
    found = await people()
    key, number = await api_key("members:read"), found["bob"].member_number

    assert await names(client, key, search=number) == ["Bob Annan"]
    assert await names(client, key, search=f"{number[:4]} {number[4:8]}") == \
        [m.display_name for m in sorted(found.values(), key=lambda m: -m.id) if m.member_number.startswith(number[:8])]


async def test_the_tier_filter_finds_the_members_holding_it_now(client, runtime):
    found = await people()
    program = runtime.program.program
    await set_tier(program, CLI, found["anna"].id, "gold", date(2026, 12, 31), None, clock.now())
    await set_tier(program, CLI, found["bob"].id, "silver", date(2026, 12, 31), None, clock.now())
    key = await api_key("members:read")

    assert await names(client, key, tier="gold") == ["Anna Jansen"]
    assert await names(client, key, tier="silver", search="bob") == ["Bob Annan"]
    assert await names(client, key, tier="bronze") == ["Élodie Zoe", "Ann Smith"]
    with clock.frozen_at(T0.replace(year=2027)):  # the set tiers have lapsed
        assert await names(client, key, tier="bronze") == ["Élodie Zoe", "Bob Annan", "Anna Jansen", "Ann Smith"]
    body = await gql(client, MEMBERS, {"tier": "platinum"}, token=key, expect_errors=True)
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["members"], "INVALID")]


async def test_the_segment_filter_finds_the_members_the_nightly_scoring_put_in_it(client):
    found = await people()
    for name, segment in (("ann", "champions"), ("bob", "champions"), ("anna", "lapsed")):
        await MemberSegment.create(member_id=found[name].id, segment=segment, recency=5, frequency=5, monetary=5,
                                   computed_at=T0)
    key = await api_key("members:read")

    assert await names(client, key, segment="champions") == ["Bob Annan", "Ann Smith"]
    assert await names(client, key, segment="champions", search="ann") == ["Ann Smith"]
    assert await names(client, key, segment="at_risk") == []


async def test_a_segment_the_program_does_not_name_is_not_found(client):
    await people()
    key = await api_key("members:read")

    body = await gql(client, MEMBERS, {"segment": "nobody"}, token=key, expect_errors=True)

    assert body["data"] is None
    assert [(e["path"], e["extensions"]["code"], e["message"]) for e in body["errors"]] == [
        (["members"], "NOT_FOUND", 'The program has no segment "nobody".')]


async def test_members_are_paged_with_cursors(client):
    await people()
    key = await api_key("members:read")

    first = (await gql(client, MEMBERS, {"first": 3}, token=key))["data"]["members"]
    rest = (await gql(client, MEMBERS, {"first": 3, "after": first["pageInfo"]["endCursor"]}, token=key))["data"]["members"]

    assert [e["node"]["displayName"] for e in first["edges"]] == ["Élodie Zoe", "Bob Annan", "Anna Jansen"]
    assert (first["pageInfo"]["hasNextPage"], first["pageInfo"]["hasPreviousPage"]) == (True, False)
    assert [e["node"]["displayName"] for e in rest["edges"]] == ["Ann Smith"]
    assert (rest["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasPreviousPage"]) == (False, True)


async def test_a_search_longer_than_100_characters_is_refused(client):
    key = await api_key("members:read")
    body = await gql(client, MEMBERS, {"search": "a" * 101}, token=key, expect_errors=True)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID"]
