"""An erased member's access tokens are refused by every API process from the erasure's
commit on, also by a process that had seen the member and no longer reads their row for each
request (`loyalty.auth.not_erased`). Real `loyalty serve` processes on PostgreSQL."""
from __future__ import annotations

import httpx

from bench.round_trips import counting
from loyalty.auth import not_erased
from tests.cache.test_across_processes import serving
from tests.conftest import requires_postgres
from tests.gdpr.helpers import ERASE
from tests.support.gql import gql
from tests.support.servers import running_servers
from tests.support.shop import api_key, join

pytestmark = requires_postgres

ME = "query { me { id } }"


async def _me(http: httpx.AsyncClient, url: str, token: str) -> dict:
    response = await http.post(f"{url}/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"})
    return response.json()


async def test_a_member_erased_through_one_process_is_refused_at_once_by_the_other(runtime, client, tmp_path):
    ann = await join(client, "ann@example.com")
    bob = await join(client, "bob@example.com")
    admin = await api_key("admin")
    with running_servers(serving(runtime.settings, tmp_path), 2, log_dir=tmp_path) as (eraser, reader):
        async with httpx.AsyncClient(timeout=10) as http:
            for _ in range(3):  # the reader has seen Ann not erased
                assert await _me(http, reader.url, ann.token) == {"data": {"me": {"id": ann.id}}}
            erased = (await http.post(f"{eraser.url}/graphql", headers={"Authorization": f"Bearer {admin}"}, json={
                "query": ERASE, "variables": {"input": {"memberNumber": ann.number, "idempotencyKey": "x-1"}},
            })).json()
            assert erased["data"]["eraseMember"]["errors"] == []
            refused = await _me(http, reader.url, ann.token)
            assert refused["data"] == {"me": None}
            assert [e["extensions"]["code"] for e in refused["errors"]] == ["UNAUTHENTICATED"]
            assert await _me(http, reader.url, bob.token) == {"data": {"me": {"id": bob.id}}}


async def test_a_member_seen_not_erased_is_not_read_again_while_the_feed_listens(runtime, client):
    ann = await join(client, "ann@example.com")
    assert not_erased.seen.listening
    assert (await gql(client, ME, token=ann.token))["data"]["me"] == {"id": ann.id}
    with counting() as counted:
        assert (await gql(client, ME, token=ann.token))["data"]["me"] == {"id": ann.id}
    assert [s for s in counted.statements if '"members"' in s and "erased_at" in s] == []
    await gql(client, ERASE, {"input": {"memberNumber": ann.number, "idempotencyKey": "x-2"}},
              token=await api_key("admin"))
    assert (await gql(client, ME, token=ann.token, expect_errors=True))["data"] == {"me": None}
