"""The HTTP edge: production mode (no introspection, no GraphiQL, no suggestions, masked
errors), the depth, alias and token limits, POST-only GraphQL, the body size limit, the
request id, and 4xx (never 500) for malformed requests."""
from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest

import api.graphql
from loyalty.auth.api_keys import create_api_key
from loyalty.members import service
from tests.members import row_counts
from tests.support.gql import PASSWORD

PRODUCTION = {"LOYALTY_ENV": "production", "JWT_SECRET": "q7Vf2LmX9tRz4KbN8sWc1YhJ6pDg3EaU"}
DEVELOPMENT = {"LOYALTY_ENV": "development"}
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


async def post(client: httpx.AsyncClient, query: str, token: str | None = None, **extra: object) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, **extra}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def transport_error(response: httpx.Response) -> str:
    """The message of a refusal made before GraphQL execution, written as GraphQL JSON."""
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert set(error) == {"message", "extensions"}
    return error["message"]


def messages(body: dict) -> list[str]:
    return [e["message"] for e in body["errors"]]


async def test_introspection_is_off_in_production_and_on_in_development(open_app):
    production, development = await open_app(**PRODUCTION), await open_app(**DEVELOPMENT)
    for query, field in (("{ __schema { queryType { name } } }", "__schema"), ('{ __type(name: "Member") { name } }', "__type")):
        body = await post(production, query)
        assert body["data"] is None
        assert messages(body)[0] == (
            f"GraphQL introspection has been disabled, but the requested query contained the field '{field}'."
        )
    assert await post(production, "{ __typename }") == {"data": {"__typename": "Query"}}
    assert await post(development, "{ __schema { queryType { name } } }") == {
        "data": {"__schema": {"queryType": {"name": "Query"}}}
    }


UNKNOWN_INPUT_FIELD = (
    "Variable '$i' has invalid value: Expected value of type 'UpdateProfileInput' not to include unknown "
    "field 'displayNam'. Did you mean 'displayName'? Found: {'displayNam': 'x'}."
)
GENERIC = "The document is not valid for this API."


@pytest.mark.parametrize(("query", "variables", "production_message", "development_message"), [
    ("{ mee { id } }", None, GENERIC, "Cannot query field 'mee' on type 'Query'. Did you mean 'me'?"),
    ("{ program { nme } }", None, GENERIC, "Cannot query field 'nme' on type 'Program'. Did you mean 'name'?"),
    ('mutation { registerDevice(input: {platform: IO, token: "x"}) { ok } }', None, GENERIC,
     "Value 'IO' does not exist in 'DevicePlatform' enum. Did you mean the enum value 'IOS'?"),
    ("mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { errors { code } } }", {"i": {"displayNam": "x"}},
     "Variable '$i' has an invalid value.", UNKNOWN_INPUT_FIELD),
    ("fragment F on Membr { id } query { ...F }", None, GENERIC, "Unknown type 'Membr'. Did you mean 'Member'?"),
    ('mutation { signUp(input: {email: "a@example.com"}) { accessToken } }', None, GENERIC,
     "Expected value of type 'SignUpInput' to include required field 'password', found: { email: \"a@example.com\" }."),
])
async def test_production_names_no_type_field_or_suggestion(open_app, query, variables, production_message,
                                                            development_message):
    production, development = await open_app(**PRODUCTION), await open_app(**DEVELOPMENT)
    errors = (await post(production, query, variables=variables))["errors"]
    assert {(e["message"], e["extensions"]["code"]) for e in errors} == {(production_message, "BAD_REQUEST")}
    assert messages(await post(development, query, variables=variables))[0] == development_message


async def test_production_keeps_the_reason_a_scalar_gave(open_app):
    production = await open_app(**PRODUCTION)
    body = await post(production, "mutation($i: ChooseBonusDayInput!) { chooseBonusDay(input: $i) { bonusDay } }",
                      variables={"i": {"day": "9999-12-31"}})
    assert body["errors"] == [{
        "message": "Variable '$i' has an invalid value at .day. Date values must fall between the years 1000 and 8999.",
        "locations": [{"line": 1, "column": 10}], "extensions": {"code": "BAD_REQUEST"},
    }]


async def test_graphiql_is_served_in_development_only(open_app):
    production, development = await open_app(**PRODUCTION), await open_app(**DEVELOPMENT)
    page = await development.get("/graphql", headers={"Accept": "text/html"})
    assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert "<title>Strawberry GraphiQL</title>" in page.text
    refused = await production.get("/graphql", headers={"Accept": "text/html"})
    assert (refused.status_code, transport_error(refused)) == (404, "Not Found")


@pytest.mark.parametrize("env", [PRODUCTION, DEVELOPMENT])
@pytest.mark.parametrize(("query", "text"), [
    ("{ __typename }", "queries are not allowed when using GET"),
    ('mutation { logOut(input: {refreshToken: "rt_x"}) { ok } }', "mutations are not allowed when using GET"),
])
async def test_a_query_over_get_is_refused(open_app, env, query, text):
    client = await open_app(**env)
    response = await client.get("/graphql", params={"query": query}, headers={"Accept": "application/json"})
    assert (response.status_code, transport_error(response)) == (400, text)


async def test_an_unexpected_error_is_masked_and_logged_with_the_request_id(open_app, monkeypatch, caplog):
    client = await open_app(**PRODUCTION)
    signed_up = await post(client, 'mutation { signUp(input: {email: "ann@example.com", password: "%s", '
                                   'displayName: "Ann"}) { accessToken } }' % PASSWORD)
    token = signed_up["data"]["signUp"]["accessToken"]

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("connection to db.internal:5432 failed for user loyalty_rw")

    monkeypatch.setattr(service, "update_profile", broken)
    query = 'mutation { updateProfile(input: {displayName: "Annie"}) { errors { code } } }'
    with caplog.at_level(logging.ERROR, logger="loyalty.errors"):
        response = await client.post("/graphql", json={"query": query},
                                     headers={"Authorization": f"Bearer {token}", "X-Request-Id": "req-42"})
    assert (response.status_code, response.headers["x-request-id"]) == (200, "req-42")
    assert response.json() == {"data": None, "errors": [{
        "message": "Unexpected error.", "locations": [{"line": 1, "column": 12}], "path": ["updateProfile"],
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"},
    }]}
    for internal in ("db.internal", "loyalty_rw", "RuntimeError", "Traceback", "service.py"):
        assert internal not in response.text
    logged = [r for r in caplog.records if r.name == "loyalty.errors"]
    assert [(r.getMessage(), type(r.exc_info[1])) for r in logged] == [
        ("unexpected error in ['updateProfile'] (request req-42)", RuntimeError),
    ]


async def test_a_masked_error_names_the_generated_request_id(open_app, monkeypatch):
    client = await open_app(**PRODUCTION)

    async def broken(text: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "find_by_number", broken)
    _, key = await create_api_key("shop", frozenset({"members:read"}))
    response = await client.post("/graphql", json={"query": '{ memberByNumber(memberNumber: "1") { id } }'},
                                 headers={"Authorization": f"Bearer {key}"})
    request_id = response.headers["x-request-id"]
    assert HEX_ID.match(request_id)
    assert response.json()["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}


async def test_an_unexpected_error_outside_graphql_execution_is_masked_too(open_app, monkeypatch, caplog):
    client = await open_app(**PRODUCTION, raise_app_exceptions=False)

    async def broken(*args: object) -> None:
        raise RuntimeError("connection to db.internal:5432 failed for user loyalty_rw")

    monkeypatch.setattr(api.graphql, "principal_from_header", broken)
    with caplog.at_level(logging.ERROR, logger="loyalty.errors"):
        response = await client.post("/graphql", json={"query": "{ me { id } }"}, headers={"X-Request-Id": "req-43"})
    assert (response.status_code, response.headers["x-request-id"]) == (500, "req-43")
    assert response.json() == {"errors": [{
        "message": "Unexpected error.", "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-43"},
    }]}
    assert "db.internal" not in response.text
    logged = [r for r in caplog.records if r.name == "loyalty.errors"]
    assert [(r.getMessage(), type(r.exc_info[1])) for r in logged] == [
        ("unexpected error in POST /graphql (request req-43)", RuntimeError),
    ]


async def test_over_deep_queries_are_refused(open_app):
    client = await open_app(**PRODUCTION, MAX_QUERY_DEPTH=2)
    assert await post(client, "{ me { wallet { points } } }") == {"data": {"me": None}}
    body = await post(client, "{ me { wallet { expiringPoints { points } } } }")
    assert (body["data"], messages(body)) == (None, ["'anonymous' exceeds maximum operation depth of 2"])


async def test_the_default_depth_limit_is_twelve(open_app):
    client = await open_app(**PRODUCTION)
    # No path in the schema is this deep yet: the limit is checked before the other rules.
    deep = "{ me " + "{ wallet " * 12 + "{ points }" + " }" * 12 + " }"
    assert messages(await post(client, deep)) == ["'anonymous' exceeds maximum operation depth of 12"]


@pytest.mark.parametrize(("aliases", "expected"), [(30, None), (31, ["31 aliases found. Allowed: 30"])])
async def test_more_than_thirty_aliases_are_refused(open_app, aliases, expected):
    client = await open_app(**PRODUCTION)
    body = await post(client, "{ " + " ".join(f"a{i}: __typename" for i in range(aliases)) + " }")
    if expected is None:
        assert body == {"data": {f"a{i}": "Query" for i in range(aliases)}}
    else:
        assert (body["data"], messages(body)) == (None, expected)


def fragments(count: int) -> str:
    """A valid query of 9 * count + 2 tokens."""
    spreads = " ".join(f"...F{i}" for i in range(count))
    return f"{{ {spreads} }} " + " ".join(f"fragment F{i} on Query {{ __typename }}" for i in range(count))


async def test_more_than_two_thousand_tokens_are_refused(open_app):
    # Beyond the default budget (222 fragments, each spread once): only the token limit is tested.
    client = await open_app(**PRODUCTION, MAX_FRAGMENTS=300, MAX_FIELD_REPEATS=300, VALIDATION_TIMEOUT_SECONDS=60)
    assert await post(client, fragments(222)) == {"data": {"__typename": "Query"}}  # 2000 tokens
    body = await post(client, fragments(223))
    assert (body["data"], messages(body)) == (
        None, ["Syntax Error: Document contains more than 2000 tokens. Parsing aborted."],
    )


JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(("content", "headers", "status", "text"), [
    (b'{"query": "{ __typename }"', JSON, 400, "Unable to parse request body as JSON"),
    (b"", JSON, 400, "Unable to parse request body as JSON"),
    (b"\xff\xfe{}", JSON, 400, "Unable to parse request body as JSON"),
    (b"[" * 100_000 + b"]" * 100_000, JSON, 400, "Unable to parse request body as JSON"),
    (b'"{ __typename }"', JSON, 400, "The request body must be a JSON object"),
    (b"42", JSON, 400, "The request body must be a JSON object"),
    (b"null", JSON, 400, "The request body must be a JSON object"),
    (b'[{"query": "{ __typename }"}]', JSON, 400, "Batching is not enabled"),
    (b"{}", JSON, 400, "No GraphQL query found in the request"),
    (b'{"query": 1}', JSON, 400, "The GraphQL operation's `query` must be a string or null, if provided."),
    (b'{"query": "{ __typename }", "variables": []}', JSON, 400,
     "The GraphQL operation's `variables` must be an object or null, if provided."),
    (b'{"query": "{ __typename }", "operationName": "Other"}', JSON, 400, 'Unknown operation named "Other".'),
    (b'{"query": "{ __typename }"}', {"Content-Type": "text/plain"}, 400, "Unsupported content type"),
    (b'{"query": "{ __typename }"}', {"Content-Type": "application/x-www-form-urlencoded"}, 400,
     "Unsupported content type"),
    (b"{ __typename }", {"Content-Type": "application/graphql"}, 400, "Unsupported content type"),
    (b'{"query": "{ __typename }"}', {}, 400, "Unsupported content type"),
])
async def test_a_malformed_request_is_a_4xx(open_app, content, headers, status, text):
    client = await open_app(**PRODUCTION)
    before = await row_counts()
    response = await client.post("/graphql", content=content, headers=headers)
    assert (response.status_code, transport_error(response)) == (status, text)
    assert await row_counts() == before


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_other_methods_are_not_allowed(open_app, method):
    client = await open_app(**PRODUCTION)
    response = await client.request(method, "/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405


def padded(size: int) -> bytes:
    body = json.dumps({"query": "{ __typename }"}).encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


async def test_a_body_at_the_limit_is_served_and_one_byte_more_is_413(open_app):
    client = await open_app(**PRODUCTION, MAX_BODY_BYTES=1000)
    served = await client.post("/graphql", content=padded(1000), headers=JSON)
    assert (served.status_code, served.json()) == (200, {"data": {"__typename": "Query"}})
    refused = await client.post("/graphql", content=padded(1001), headers=JSON)
    assert (refused.status_code, transport_error(refused)) == (413, "Request body larger than 1000 bytes")


async def test_a_streamed_body_over_the_limit_is_413(open_app):
    client = await open_app(**PRODUCTION, MAX_BODY_BYTES=1000)

    async def chunks() -> AsyncIterator[bytes]:
        body = padded(1500)
        for start in range(0, len(body), 100):
            yield body[start:start + 100]

    response = await client.post("/graphql", content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert (response.status_code, transport_error(response)) == (413, "Request body larger than 1000 bytes")


async def test_the_default_body_limit_is_256_kib(open_app):
    client = await open_app(**PRODUCTION)
    assert (await client.post("/graphql", content=padded(256 * 1024), headers=JSON)).status_code == 200
    assert (await client.post("/graphql", content=padded(256 * 1024 + 1), headers=JSON)).status_code == 413


@pytest.mark.parametrize("path", ["/graphql", "/healthz"])
async def test_a_well_formed_request_id_is_echoed(open_app, path):
    client = await open_app(**PRODUCTION)
    response = await client.request("POST" if path == "/graphql" else "GET", path,
                                    json={"query": "{ __typename }"}, headers={"X-Request-Id": "shop-7f3a.2_B"})
    assert response.headers["x-request-id"] == "shop-7f3a.2_B"


@pytest.mark.parametrize("given", [None, "", "has space", "x" * 65, "semi;colon", "ünïcode"])
async def test_a_missing_or_malformed_request_id_is_replaced(open_app, given):
    client = await open_app(**PRODUCTION)
    headers = {} if given is None else {"X-Request-Id": given.encode()}
    first = await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    second = await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    assert HEX_ID.match(first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
