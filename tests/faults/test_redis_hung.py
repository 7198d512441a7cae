"""A hung Redis (SIGSTOP: it accepts connections and answers nothing) costs a request at
most its deadlines: a mutation commits and answers within them, a read is served from the
database, and /readyz fails, naming Redis, until Redis answers again. The redis-server is
the test's own; the API is a real `loyalty serve` process."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from loyalty.purchases.models import Purchase
from loyalty.runtime import Runtime
from schema.relay import to_global_id
from tests.conftest import make_settings
from tests.faults.private import RedisServer, redis_server, requires_redis_server
from tests.support.notify import new_member
from tests.support.servers import running_servers
from tests.support.shop import RECORD_PURCHASE, api_key

pytestmark = requires_redis_server

REDIS_TIMEOUT_SECONDS = 1
AFTER_COMMIT_TIMEOUT_SECONDS = 1


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path / "redis") as server:
        yield server


def _purchase(http: httpx.Client, key: str, member_id: int, order: str) -> httpx.Response:
    variables = {"input": {"memberId": to_global_id("Member", member_id), "orderId": order, "amount": "10.00",
                           "currencyCode": "EUR"}}
    return http.post("/graphql", json={"query": RECORD_PURCHASE, "variables": variables},
                     headers={"Authorization": f"Bearer {key}"})


async def test_a_hung_redis_makes_a_mutation_answer_within_the_deadline_and_readyz_fail(
    runtime: Runtime, workdir: Path, tmp_path: Path, own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_TIMEOUT_SECONDS", str(REDIS_TIMEOUT_SECONDS))
    monkeypatch.setenv("AFTER_COMMIT_TIMEOUT_SECONDS", str(AFTER_COMMIT_TIMEOUT_SECONDS))
    monkeypatch.setenv("READY_TIMEOUT_SECONDS", "1")
    member = await new_member("ann@example.com")
    key = await api_key("purchases:write", "members:read")
    settings = make_settings(workdir, REDIS_URL=own_redis.url)
    with running_servers(settings, 1, log_dir=tmp_path) as [server], \
            httpx.Client(base_url=server.url, timeout=30) as http:
        assert _purchase(http, key, member.id, "R-1").json()["data"]["recordPurchase"]["errors"] == []
        ready = http.get("/readyz").json()
        assert (ready["status"], ready["checks"]["redis"]["status"]) == ("ready", "up")

        own_redis.pause()
        try:
            started = time.monotonic()
            response = _purchase(http, key, member.id, "R-2")
            mutation_seconds = time.monotonic() - started
            started = time.monotonic()
            not_ready = http.get("/readyz")
            ready_seconds = time.monotonic() - started
        finally:
            own_redis.resume()
        back = http.get("/readyz")

    # The change is committed and answered as such: Redis only carried its after-commit news.
    assert (response.status_code, response.json()["data"]["recordPurchase"]["errors"]) == (200, [])
    # Without the deadlines it would wait for Redis for as long as Redis is stopped.
    assert mutation_seconds < AFTER_COMMIT_TIMEOUT_SECONDS + 3 * REDIS_TIMEOUT_SECONDS + 2
    assert await Purchase.filter(order_id="R-2").count() == 1
    body = not_ready.json()
    assert (not_ready.status_code, body["status"], body["checks"]["database"]["status"],
            body["checks"]["redis"]["status"]) == (503, "unavailable", "up", "down")
    assert not_ready.headers["retry-after"] == "5"
    assert ready_seconds < 2
    assert (back.status_code, back.json()["checks"]["redis"]["status"]) == (200, "up")
