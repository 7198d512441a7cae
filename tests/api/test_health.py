"""/healthz says the process is up; /readyz reports each dependency and fails when one is down."""
from __future__ import annotations

import httpx
import pytest
from tortoise import connections

from api.app import create_app


async def refuse(*args: object, **kwargs: object) -> None:
    raise ConnectionRefusedError("connection refused")


def states(body: dict) -> dict:
    """The status of each check, without the latencies."""
    return {"status": body["status"], **{name: check["status"] for name, check in body["checks"].items()}}


@pytest.fixture
def database_down(monkeypatch):
    monkeypatch.setattr(connections.get("default"), "execute_query", refuse)


async def test_healthz_answers_ok(client):
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_answers_ready_when_the_database_answers(client, settings):
    response = await client.get("/readyz")
    redis = "up" if settings.redis_url else "not configured"
    assert (response.status_code, states(response.json())) == (200, {"status": "ready", "database": "up", "redis": redis})
    assert response.json()["checks"]["database"]["latencyMs"] >= 0


async def test_readyz_is_503_when_the_database_does_not_answer(client, database_down, settings):
    response = await client.get("/readyz")
    redis = "up" if settings.redis_url else "not configured"
    assert (response.status_code, states(response.json())) == (
        503, {"status": "unavailable", "database": "down", "redis": redis})
    assert response.json()["checks"]["database"]["error"] == "no answer"
    assert response.headers["retry-after"] == "5"


async def test_healthz_stays_ok_when_the_database_does_not_answer(client, database_down):
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_recovers_when_the_database_answers_again(client, monkeypatch):
    monkeypatch.setattr(connections.get("default"), "execute_query", refuse)
    assert (await client.get("/readyz")).status_code == 503
    monkeypatch.undo()
    assert (await client.get("/readyz")).status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_health_endpoints_take_get_only(client, path):
    assert (await client.post(path)).status_code == 405


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_health_endpoints_need_no_credentials_and_ignore_bad_ones(client, path):
    response = await client.get(path, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 200


async def test_graphql_is_503_until_the_app_has_started(settings):
    app = create_app(settings)  # its lifespan has not run: no runtime yet
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.post("/graphql", json={"query": "{ __typename }"})
        assert (response.status_code, response.headers["retry-after"], response.json()) == (
            503, "1", {"errors": [{"message": "Starting up", "extensions": {"code": "UNAVAILABLE"}}]},
        )
        assert (await http.get("/healthz")).status_code == 200
