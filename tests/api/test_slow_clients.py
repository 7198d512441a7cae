"""Slow clients against a real uvicorn server with the guarded protocol: trickled headers
and bodies are dropped at their deadlines, and real requests are served meanwhile."""
from __future__ import annotations

import asyncio
import contextlib
import resource
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.connections import GuardedHttpToolsProtocol
from loyalty.runtime import Runtime

HEAD = b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
QUERY = {"query": "{ __typename }"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def serving(runtime: Runtime, *, header_timeout: float, max_connections: int) -> AsyncIterator[str]:
    class Protocol(GuardedHttpToolsProtocol):
        header_timeout_seconds = header_timeout

    Protocol.max_connections = max_connections
    port = free_port()
    config = uvicorn.Config(create_app(runtime=runtime), host="127.0.0.1", port=port, http=Protocol,
                            lifespan="off", log_level="error", backlog=4096, server_header=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def trickler(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(HEAD)
    await writer.drain()
    return reader, writer


async def closed_by_server(reader: asyncio.StreamReader, within: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(), within) is not None
    except TimeoutError:
        return False


@pytest.fixture
def many_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 5000:
        pytest.skip(f"needs 5000 open files, the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 5000) if hard == resource.RLIM_INFINITY
                                                else min(max(soft, 5000), hard), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def test_2000_trickling_connections_are_held_while_100_real_requests_succeed(runtime, many_files):
    async with serving(runtime, header_timeout=60, max_connections=25000) as url:
        slow = [await trickler(url) for _ in range(2000)]
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            started = time.perf_counter()
            responses = await asyncio.gather(*(client.post("/graphql", json=QUERY) for _ in range(100)))
            elapsed = time.perf_counter() - started
        assert [r.status_code for r in responses] == [200] * 100
        assert {r.text for r in responses} == {'{"data":{"__typename":"Query"}}'}
        # Still open: none of them was dropped to serve the others.
        for _reader, writer in slow[:50]:
            writer.write(b"X-Trickle: 1\r\n")
            await writer.drain()
        assert not any(reader.at_eof() for reader, _ in slow)
        assert elapsed < 20
        for _, writer in slow:
            writer.close()


async def test_headers_that_do_not_arrive_within_the_deadline_are_dropped(runtime):
    async with serving(runtime, header_timeout=0.5, max_connections=100) as url:
        reader, writer = await trickler(url)
        for _ in range(3):  # a header line every 0.2 s: never idle, still too slow
            await asyncio.sleep(0.2)
            writer.write(b"X-Trickle: 1\r\n")
            with contextlib.suppress(ConnectionError):
                await writer.drain()
        assert await closed_by_server(reader, within=2.0)
        writer.close()


async def test_a_connection_that_sends_nothing_is_dropped(runtime):
    async with serving(runtime, header_timeout=0.5, max_connections=100) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        assert await closed_by_server(reader, within=2.0)
        writer.close()


async def test_past_the_connection_cap_the_oldest_slow_connection_makes_room(runtime):
    async with serving(runtime, header_timeout=60, max_connections=20) as url:
        slow = [await trickler(url) for _ in range(20)]
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            response = await client.post("/graphql", json=QUERY)
        assert (response.status_code, response.json()) == (200, {"data": {"__typename": "Query"}})
        assert await closed_by_server(slow[0][0], within=2.0)
        assert not slow[-1][0].at_eof()
        for _, writer in slow:
            writer.close()


async def test_a_body_that_does_not_arrive_within_the_deadline_is_408(open_app):
    client = await open_app(BODY_TIMEOUT_SECONDS=0.3)

    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"query": '
        await asyncio.sleep(1.0)
        yield b'"{ __typename }"}'

    response = await client.post("/graphql", content=trickle(), headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (408, {"errors": [{
        "message": "The request body did not arrive within 0.3 seconds.", "extensions": {"code": "REQUEST_TIMEOUT"},
    }]})
    assert response.headers["connection"] == "close"


async def test_past_the_concurrency_limit_a_request_is_503_at_once(open_app):
    client = await open_app(MAX_CONCURRENT_REQUESTS=1, BODY_TIMEOUT_SECONDS=5)
    release = asyncio.Event()

    async def held() -> AsyncIterator[bytes]:
        yield b'{"query": '
        await release.wait()
        yield b'"{ __typename }"}'

    first = asyncio.create_task(client.post("/graphql", content=held(), headers={"Content-Type": "application/json"}))
    await asyncio.sleep(0.2)
    refused = await client.post("/graphql", json=QUERY)
    release.set()
    assert (refused.status_code, refused.headers["retry-after"], refused.json()) == (503, "1", {"errors": [{
        "message": "The server is busy: retry shortly.", "extensions": {"code": "UNAVAILABLE"},
    }]})
    assert (await first).json() == {"data": {"__typename": "Query"}}
