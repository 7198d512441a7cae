"""The query budget: fragments are measured once however often they are spread, and a
document over the budget is refused with QUERY_TOO_COMPLEX before validation runs."""
from __future__ import annotations

import time

import pytest

from tests.api.test_http_hardening import PRODUCTION, post

TOO_COMPLEX = {"code": "QUERY_TOO_COMPLEX"}


def fragment_dag(levels: int) -> str:
    """Fragment F_k spreads F_(k-1) twice: 2^levels fields once expanded."""
    fragments = ["fragment F0 on Query { __typename }"]
    fragments += [f"fragment F{k} on Query {{ ...F{k - 1} ...F{k - 1} }}" for k in range(1, levels + 1)]
    return f"{{ ...F{levels} }} " + " ".join(fragments)


async def test_a_twenty_level_fragment_dag_is_refused_in_under_100_ms(open_app):
    client = await open_app(**PRODUCTION)
    query = fragment_dag(20)
    assert len(query) < 1000
    # CPU time of this process (other processes' load does not count): the expansion it refuses
    # took 12.8 s of CPU before the measures were shared between spreads.
    started = time.process_time()
    body = await post(client, query)
    elapsed = time.process_time() - started
    assert body == {"data": None, "errors": [
        {"message": "1048576 fields found once fragments are expanded. Allowed: 500", "extensions": TOO_COMPLEX},
        {"message": "A field is selected 1048576 times in one place. Allowed: 8", "extensions": TOO_COMPLEX},
    ]}
    assert elapsed < 0.1, f"refused in {elapsed * 1000:.0f} ms of CPU"


async def test_the_same_fragment_spread_in_many_places_is_measured_once(open_app):
    client = await open_app(**PRODUCTION)
    # Twelve spreads of one fragment whose three aliases count each time it is spread.
    fragment = "fragment W on Wallet { a: points b: pendingPoints c: lifetimePoints }"
    body = await post(client, "{ me { " + " ".join(f"w{i}: wallet {{ ...W }}" for i in range(8)) + " } } " + fragment)
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        ("32 aliases found. Allowed: 30", TOO_COMPLEX),
    ]


async def test_a_query_within_the_budget_is_served(open_app):
    client = await open_app(**PRODUCTION)
    fragment = "fragment P on Program { name currencyCode tiers { name rank } }"
    body = await post(client, "{ program { ...P } again: program { ...P pendingDays } } " + fragment)
    program = body["data"]["program"]
    assert (program["name"], program["currencyCode"]) == ("Northwind Rewards", "EUR")
    assert body == {"data": {"program": program, "again": {**program, "pendingDays": 14}}}


@pytest.mark.parametrize(("overrides", "query", "message"), [
    ({"MAX_FRAGMENTS": 3}, "{ ...A } fragment A on Query { ...B } fragment B on Query { ...C } "
                           "fragment C on Query { ...D } fragment D on Query { __typename }",
     "4 fragments found. Allowed: 3"),
    ({"MAX_QUERY_FIELDS": 4}, "{ program { name currencyCode pendingDays } __typename }",
     "5 fields found once fragments are expanded. Allowed: 4"),
    ({"MAX_FIELD_REPEATS": 2}, "{ program { name } ...A ...B } fragment A on Query { program { name } } "
                               "fragment B on Query { program { pendingDays } }",
     "A field is selected 3 times in one place. Allowed: 2"),
    ({"MAX_QUERY_DEPTH": 1}, "{ ...A } fragment A on Query { program { tiers { name } } }",
     "'anonymous' exceeds maximum operation depth of 1"),
])
async def test_each_budget_limit_is_a_setting(open_app, overrides, query, message):
    client = await open_app(**PRODUCTION, **overrides)
    assert await post(client, query) == {"data": None, "errors": [{"message": message, "extensions": TOO_COMPLEX}]}


async def test_a_fragment_cycle_is_reported_by_validation(open_app):
    client = await open_app(LOYALTY_ENV="development")
    body = await post(client, "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
    assert [e["message"] for e in body["errors"]] == [
        "Cannot spread fragment 'A' within itself via 'B'.",
    ]


async def test_validation_past_its_deadline_is_refused(open_app):
    client = await open_app(**PRODUCTION, VALIDATION_TIMEOUT_SECONDS=0.000001)
    body = await post(client, "{ program { name tiers { name rank } } }")
    assert body == {"data": None, "errors": [
        {"message": "The query took too long to validate.", "extensions": TOO_COMPLEX},
    ]}


async def test_too_many_tokens_is_query_too_complex(open_app):
    client = await open_app(**PRODUCTION, MAX_TOKENS=10)
    body = await post(client, "{ program { name currencyCode pendingDays tiers { name } } }")
    assert body == {"data": None, "errors": [
        {"message": "Syntax Error: Document contains more than 10 tokens. Parsing aborted.",
         "locations": [{"line": 1, "column": 58}], "extensions": TOO_COMPLEX},
    ]}
