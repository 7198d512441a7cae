"""Fixtures for concurrency tests: two `loyalty serve` processes on PostgreSQL, started once
per module after the tables were emptied once (they keep the ids of program accounts in memory,
so the tables must not be emptied under them again), serving the demo at the base rate.
Import the fixtures into a test module: `from tests.support.concurrency import base_rate_settings,
module_runtime, servers`. `post_at_once` sends requests to them all at once."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from loyalty.runtime import Runtime, build_runtime
from loyalty.settings import Settings
from tests.conftest import _clear_tables, clear_redis
from tests.support.program import demo_at_base_rate
from tests.support.servers import Server, running_servers


@pytest.fixture(scope="module")
def base_rate_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The demo at the base rate, for the module and its servers: these tests
    count points at the base rate."""
    path = tmp_path_factory.mktemp("program") / "program.toml"
    path.write_text(demo_at_base_rate(), encoding="utf-8")
    return settings.model_copy(update={"program_file": path})


@pytest.fixture(scope="module")
async def module_runtime(database: None, base_rate_settings: Settings) -> AsyncIterator[Runtime]:
    """Empty tables, once for the module, and the program stored before any server reads it."""
    settings = base_rate_settings
    await _clear_tables()
    await clear_redis(settings)
    runtime = await build_runtime(settings)
    yield runtime
    await runtime.close()


@pytest.fixture(scope="module")
def servers(
    module_runtime: Runtime, base_rate_settings: Settings, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[Server]]:
    with running_servers(base_rate_settings, 2, log_dir=tmp_path_factory.mktemp("servers")) as started:
        yield started


async def post_at_once(servers: list[Server], requests: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Sends every (bearer, query, variables) at once, alternating between the servers, each on a
    connection of its own; returns each one's first field (a mutation's payload), in order."""
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=120.0, limits=limits) as http:
        responses = await asyncio.gather(*(
            http.post(f"{servers[i % len(servers)].url}/graphql",
                      json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {bearer}"})
            for i, (bearer, query, variables) in enumerate(requests)
        ))
    payloads = []
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        payloads.append(next(iter(body["data"].values())))
    return payloads
