"""The schemathesis run of bench.fuzz on a small budget: every operation as an anonymous
caller, a member and an API key, seeded, in production mode."""
from __future__ import annotations

from bench.fuzz import fuzz, generate
from tests.api.test_http_hardening import PRODUCTION
from tests.support.shop import api_key, join


async def test_fuzzing_every_operation_finds_no_server_error_and_only_graphql_json(open_app):
    client = await open_app(**PRODUCTION)
    member, key = (await join(client)).token, await api_key("admin")
    cases = generate(150, seed_value=12)
    assert len(cases) >= 100
    report = await fuzz(client, cases, {"anonymous": None, "member": member, "key": key})
    assert report.failures == []
    assert report.requests == 3 * len(cases) + 9
    assert all(status < 500 or status == 503 for status in report.statuses)
