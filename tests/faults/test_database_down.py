"""A database that is stopped or hung mid-request answers as a fault: UNAVAILABLE with HTTP
503 and Retry-After, for API keys and members alike, within the deadline; nothing of the
request is half-written, and its retry (same idempotency key) is applied once.

The PostgreSQL server here is the module's own (initdb in a temporary folder), stopped and
started by the tests; the API is a real `loyalty serve` process on it."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from schema.relay import to_global_id
from tests.conftest import make_settings
from tests.faults.private import PostgresServer, postgres_server, requires_pg_ctl
from tests.support.gql import SIGN_UP, PASSWORD
from tests.support.servers import Server, run_command, running_servers
from tests.support.shop import RECORD_PURCHASE

pytestmark = requires_pg_ctl

REQUEST_TIMEOUT_SECONDS = 3
ME_WALLET = "query { me { id wallet { pendingPoints lifetimePoints } } }"


@dataclass
class Shop:
    pg: PostgresServer
    server: Server
    key: str
    member_id: int
    member_token: str

    async def purchase(self, order: str, amount: str = "42.00") -> httpx.Response:
        variables = {"input": {"memberId": to_global_id("Member", self.member_id), "orderId": order,
                               "amount": amount, "currencyCode": "EUR"}}
        async with httpx.AsyncClient(base_url=self.server.url, timeout=30) as http:
            return await http.post("/graphql", json={"query": RECORD_PURCHASE, "variables": variables},
                                   headers={"Authorization": f"Bearer {self.key}"})

    async def me(self) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.server.url, timeout=30) as http:
            return await http.post("/graphql", json={"query": ME_WALLET},
                                   headers={"Authorization": f"Bearer {self.member_token}"})

    async def rows(self, query: str, *args: object) -> int:
        conn = await asyncpg.connect(self.pg.url())
        try:
            return await conn.fetchval(query, *args)
        finally:
            await conn.close()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    folder = tmp_path_factory.mktemp("database-down")
    monkey = pytest.MonkeyPatch()
    monkey.setenv("REQUEST_TIMEOUT_SECONDS", str(REQUEST_TIMEOUT_SECONDS))
    monkey.setenv("RETRY_AFTER_SECONDS", "7")
    try:
        with postgres_server() as pg:
            settings = make_settings(folder, DATABASE_URL=pg.create_database(), REDIS_URL=None)
            assert run_command(settings, "migrate").returncode == 0
            assert run_command(settings, "apply-program", str(settings.program_file)).returncode == 0
            made = run_command(settings, "create-api-key", "--name", "shop", "--scopes", "purchases:write,members:read")
            assert made.returncode == 0, made.stderr
            key = made.stdout.strip().splitlines()[-1]
            with running_servers(settings, 1, log_dir=folder) as [server]:
                variables = {"input": {"email": "ann@example.com", "password": PASSWORD, "displayName": "Ann"}}
                body = httpx.post(f"{server.url}/graphql", json={"query": SIGN_UP, "variables": variables},
                                  timeout=30).json()
                joined = body["data"]["signUp"]
                member_id = int(asyncio.run(_member_id(pg)))
                yield Shop(pg, server, key, member_id, joined["accessToken"])
    finally:
        monkey.undo()


async def _member_id(pg: PostgresServer) -> int:
    conn = await asyncpg.connect(pg.url())
    try:
        return await conn.fetchval("SELECT id FROM members WHERE email = 'ann@example.com'")
    finally:
        await conn.close()


async def _locked_outbox(shop: Shop) -> asyncpg.Connection:
    """A transaction holding the outbox table: a purchase then waits inside its own
    transaction, after writing the purchase and its points, at its first event."""
    conn = await asyncpg.connect(shop.pg.url())
    await conn.execute("BEGIN")
    await conn.execute("LOCK TABLE outbox_events IN ACCESS EXCLUSIVE MODE")
    return conn


async def _waiting_on_a_lock(shop: Shop) -> None:
    deadline = time.monotonic() + 15
    # The purchase's own statement (the lean path's one call, or the full path's event INSERT), not
    # the relay's read of the outbox, which waits on the same lock.
    while await shop.rows("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
                          "(query ILIKE '%loyalty_record_purchase%' OR query ILIKE 'INSERT INTO%outbox_events%')") != 1:
        assert time.monotonic() < deadline, "the purchase never reached the locked table"
        await asyncio.sleep(0.05)


def _codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors") or []]


async def _written(shop: Shop, order: str) -> tuple[int, int]:
    purchases = await shop.rows("SELECT count(*) FROM purchases WHERE order_id = $1", order)
    transfers = await shop.rows("SELECT count(*) FROM ledger_transfers")
    return purchases, transfers


async def test_database_stopped_mid_request_answers_unavailable_nothing_half_written_and_the_retry_applies_once(
    shop: Shop,
) -> None:
    warm = await shop.purchase("D-0")
    assert (warm.status_code, warm.json()["data"]["recordPurchase"]["errors"]) == (200, [])
    _, transfers_before = await _written(shop, "D-1")
    transfers_per_purchase = transfers_before - await shop.rows(
        "SELECT count(*) FROM ledger_transfers WHERE created_at < (SELECT created_at FROM purchases WHERE order_id = 'D-0')")
    locker = await _locked_outbox(shop)
    request = asyncio.create_task(shop.purchase("D-1"))
    await _waiting_on_a_lock(shop)
    stopped = time.monotonic()
    # A crash: every session ends at once without releasing its locks, so the waiting purchase
    # cannot take the lock and commit. (A fast shutdown ends the locking session too, and the
    # purchase's one statement may then commit before its own session ends.)
    await asyncio.to_thread(shop.pg.stop, "immediate")
    try:
        response = await request
        elapsed = time.monotonic() - stopped
        with_key = await shop.purchase("D-2")
        as_member = await shop.me()
        ready = httpx.get(f"{shop.server.url}/readyz", timeout=10)
    finally:
        await asyncio.to_thread(shop.pg.start)
        locker.terminate()
    assert elapsed < REQUEST_TIMEOUT_SECONDS + 2
    assert (response.status_code, response.headers.get("retry-after"), _codes(response)) == (503, "7", ["UNAVAILABLE"])
    assert response.json()["errors"][0]["extensions"]["requestId"] == response.headers["x-request-id"]

    assert (with_key.status_code, with_key.headers["retry-after"], _codes(with_key)) == (503, "7", ["UNAVAILABLE"])
    assert (as_member.status_code, as_member.headers["retry-after"], _codes(as_member)) == (503, "7", ["UNAVAILABLE"])
    assert (ready.status_code, ready.json()["status"], ready.json()["checks"]["database"]["status"]) == (
        503, "unavailable", "down")
    assert await _written(shop, "D-1") == (0, transfers_before)  # nothing half-written
    retried = await shop.purchase("D-1")
    assert (retried.status_code, retried.json()["data"]["recordPurchase"]["errors"]) == (200, [])
    awarded = retried.json()["data"]["recordPurchase"]["purchase"]["pointsAwarded"]
    assert awarded == warm.json()["data"]["recordPurchase"]["purchase"]["pointsAwarded"] == 84  # 42 EUR, doubled
    again = await shop.purchase("D-1")
    assert again.json()["data"]["recordPurchase"]["purchase"]["id"] == retried.json()["data"]["recordPurchase"]["purchase"]["id"]
    assert await _written(shop, "D-1") == (1, transfers_before + transfers_per_purchase)  # applied once
    me = await shop.me()
    assert me.status_code == 200
    assert me.json()["data"]["me"]["wallet"]["pendingPoints"] == 84 * 2  # D-0 and D-1, once each
    assert "Traceback" not in shop.server.log()


async def test_a_hung_database_answers_unavailable_within_the_deadline_and_the_retry_applies_once(
    shop: Shop,
) -> None:
    _, transfers_before = await _written(shop, "H-1")
    locker = await _locked_outbox(shop)  # the purchase waits, as on a database that does not answer
    try:
        started = time.monotonic()
        response = await shop.purchase("H-1")
        elapsed = time.monotonic() - started
    finally:
        await locker.execute("ROLLBACK")
        await locker.close()
    assert REQUEST_TIMEOUT_SECONDS <= elapsed < REQUEST_TIMEOUT_SECONDS + 3
    assert (response.status_code, response.headers["retry-after"], _codes(response)) == (503, "7", ["UNAVAILABLE"])
    await asyncio.sleep(0.5)
    assert await _written(shop, "H-1") == (0, transfers_before)  # the cancelled request rolled back
    retried = await shop.purchase("H-1")
    assert (retried.status_code, retried.json()["data"]["recordPurchase"]["errors"]) == (200, [])
    assert (await _written(shop, "H-1"))[0] == 1
    ledger = run_command_on(shop, "verify-ledger")
    assert ledger.returncode == 0, ledger.stdout


def run_command_on(shop: Shop, *args: str):  # noqa: ANN201
    settings = make_settings(Path(shop.server.log_path).parent, DATABASE_URL=shop.pg.url(), REDIS_URL=None)
    return run_command(settings, *args)
