"""Firebase Cloud Messaging, HTTP v1 API. Access tokens come from the OAuth token endpoint
with a JWT signed by the service account's key (RFC 7523)."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt

from loyalty.notifications.channels import DeliveryError, Unregistered, failure
from loyalty.notifications.render import Push

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"


class FcmChannel:
    def __init__(self, credentials_file: Path, *, endpoint: str, token_url: str | None = None,
                 http: httpx.AsyncClient | None = None) -> None:
        account = json.loads(Path(credentials_file).read_text())
        self.project_id: str = account["project_id"]
        self.client_email: str = account["client_email"]
        self.private_key: str = account["private_key"]
        self.token_url = token_url or account.get("token_uri") or DEFAULT_TOKEN_URL
        self.endpoint = endpoint.rstrip("/")
        self.http = http or httpx.AsyncClient(http2=True, timeout=30.0)
        self._token: str | None = None
        self._token_expires = 0.0

    async def access_token(self) -> str:
        if self._token is None or time.time() > self._token_expires - 60:
            now = int(time.time())
            assertion = jwt.encode(
                {"iss": self.client_email, "scope": SCOPE, "aud": self.token_url, "iat": now, "exp": now + 3600},
                self.private_key, algorithm="RS256",
            )
            try:
                response = await self.http.post(self.token_url, data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion,
                })
            except httpx.HTTPError as exc:
                raise DeliveryError(f"FCM token endpoint: {exc!r}") from exc
            if response.status_code != 200:
                raise failure(response.status_code, response.text)
            body = response.json()
            self._token = body["access_token"]
            self._token_expires = time.time() + int(body.get("expires_in", 3600))
        return self._token

    def body(self, token: str, content: Push) -> dict[str, Any]:
        return {"message": {
            "token": token,
            "notification": {"title": content.title, "body": content.body},
            "data": content.data,
            "android": {"collapse_key": content.data.get("notification_id", "")},
        }}

    async def send(self, token: str, content: Push) -> None:
        url = f"{self.endpoint}/v1/projects/{self.project_id}/messages:send"
        headers = {"Authorization": f"Bearer {await self.access_token()}"}
        try:
            response = await self.http.post(url, json=self.body(token, content), headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"FCM: {exc!r}") from exc
        if response.status_code == 200:
            return
        if response.status_code == 401:
            self._token = None
        if response.status_code == 404 or "UNREGISTERED" in response.text:
            raise Unregistered(response.text[:300])
        raise failure(response.status_code, response.text)

    async def close(self) -> None:
        await self.http.aclose()
