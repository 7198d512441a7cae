"""Keyset paging (loyalty/paging.py, schema/connection.py): one page size rule, cursors that keep
their place when rows come or go before them, and a clear INVALID for a bad request."""
from __future__ import annotations

import pytest

from loyalty import paging
from loyalty.errors import LoyaltyError
from schema.relay import encode_cursor
from tests.support.gql import gql
from tests.support.program import demo_text, use_program

CATALOG = """
query($first: Int, $after: String) {
  rewards(first: $first, after: $after) { edges { cursor node { costPoints } } pageInfo { hasNextPage endCursor } }
}"""

CHEAP_REWARD = '''
[[rewards]]
code = "sticker"
name = "Sticker"
description = "A sticker of the brand."
kind = "PERCENT_OFF"
cost_points = 350
percent_off = 1
'''


@pytest.mark.parametrize(("first", "size"), [(None, 20), (1, 1), (100, 100)])
def test_a_page_has_the_size_asked_for_or_twenty(first: int | None, size: int) -> None:
    assert paging.page_size(first) == size


@pytest.mark.parametrize("first", [0, -1, 101])
def test_a_page_size_outside_one_to_a_hundred_is_refused(first: int) -> None:
    with pytest.raises(LoyaltyError) as refused:
        paging.page_size(first)
    assert (refused.value.field, refused.value.message) == ("first", "first must be between 1 and 100.")


def test_a_list_in_memory_pages_after_the_key_not_an_offset() -> None:
    items = [(300, "a"), (400, "b"), (500, "c"), (600, "d")]
    first = paging.in_order(items, lambda i: i, 2, None)
    assert (first.items, first.keys, first.has_next) == ([(300, "a"), (400, "b")], [(300, "a"), (400, "b")], True)
    # A cheaper item arrives and one already shown goes: the next page starts after the cursor's key.
    changed = [(100, "new"), (400, "b"), (500, "c"), (600, "d")]
    rest = paging.in_order(changed, lambda i: i, 2, first.keys[-1])
    assert (rest.items, rest.has_next) == ([(500, "c"), (600, "d")], False)


@pytest.mark.parametrize("after", [(1,), ("x", "y"), (1, 2), (1, "a", 3)])
def test_a_key_of_another_shape_is_refused(after: tuple) -> None:
    with pytest.raises(LoyaltyError) as refused:
        paging.in_order([(300, "a")], lambda i: i, 2, after)
    assert (refused.value.field, refused.value.message) == ("after", "The cursor is not valid.")


@pytest.mark.parametrize("after", [("x",), (1, 2), (True,), (1.5,)])
def test_a_row_cursor_holds_one_id(after: tuple) -> None:
    with pytest.raises(LoyaltyError):
        paging.after_id(after)


async def test_the_reward_catalog_keeps_its_place_when_a_cheaper_reward_is_added(client, runtime) -> None:
    page = (await gql(client, CATALOG, {"first": 3}))["data"]["rewards"]
    assert [e["node"]["costPoints"] for e in page["edges"]] == [300, 400, 500]
    await use_program(runtime, demo_text() + CHEAP_REWARD)
    rest = (await gql(client, CATALOG, {"first": 3, "after": page["pageInfo"]["endCursor"]}))["data"]["rewards"]
    assert [e["node"]["costPoints"] for e in rest["edges"]] == [1000, 10000, 25000]
    again = (await gql(client, CATALOG, {"first": 3}))["data"]["rewards"]
    assert [e["node"]["costPoints"] for e in again["edges"]] == [300, 350, 400]


@pytest.mark.parametrize(("first", "after"), [
    (0, None), (101, None), (3, "not a cursor!"), (3, encode_cursor([3])), (3, encode_cursor([])),
    (3, encode_cursor(["x", 1])),
])
async def test_a_bad_catalog_page_request_is_a_top_level_invalid_error(client, first, after) -> None:
    body = await gql(client, CATALOG, {"first": first, "after": after}, expect_errors=True)
    assert body["data"] is None
    assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [("INVALID", ["rewards"])]
