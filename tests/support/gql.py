"""Helpers for talking GraphQL over HTTP in tests."""
from __future__ import annotations

from typing import Any

import httpx

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    accessToken accessTokenExpiresAt refreshToken
    member { id memberNumber email displayName locale }
    errors { code field message }
  }
}
"""

LOG_IN = """
mutation LogIn($input: LogInInput!) {
  logIn(input: $input) {
    accessToken refreshToken member { id email } errors { code field message }
  }
}
"""

REFRESH = """
mutation Refresh($input: RefreshSessionInput!) {
  refreshSession(input: $input) { accessToken refreshToken errors { code field message } }
}
"""

ME = "query { me { id email memberNumber displayName } }"

PASSWORD = "correct horse battery"


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None,
    *, token: str | None = None, expect_errors: bool = False,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    if not expect_errors:
        assert "errors" not in body, body["errors"]
    return body


async def sign_up(client: httpx.AsyncClient, email: str = "ann@example.com", **extra: Any) -> dict[str, Any]:
    variables = {"input": {"email": email, "password": PASSWORD, "displayName": "Ann", **extra}}
    payload = (await gql(client, SIGN_UP, variables))["data"]["signUp"]
    assert payload["errors"] == [], payload["errors"]
    return payload
