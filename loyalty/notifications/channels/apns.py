"""Apple Push Notification service over HTTP/2 with token authentication (ES256). The
apns-id header is the notification's id."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import jwt

from loyalty.notifications.channels import DeliveryError, Unregistered, failure
from loyalty.notifications.render import Push

TOKEN_LIFETIME = 40 * 60  # Apple accepts a token for an hour and refuses refreshing more than every 20 minutes


class ApnsChannel:
    def __init__(self, key_file: Path, *, key_id: str, team_id: str, topic: str, endpoint: str,
                 http: httpx.AsyncClient | None = None) -> None:
        self.key = Path(key_file).read_text()
        self.key_id = key_id
        self.team_id = team_id
        self.topic = topic
        self.endpoint = endpoint.rstrip("/")
        self.http = http or httpx.AsyncClient(http2=True, timeout=30.0)
        self._token: str | None = None
        self._token_made = 0.0

    def provider_token(self) -> str:
        if self._token is None or time.time() - self._token_made > TOKEN_LIFETIME:
            self._token_made = time.time()
            self._token = jwt.encode({"iss": self.team_id, "iat": int(self._token_made)}, self.key,
                                     algorithm="ES256", headers={"kid": self.key_id})
        return self._token

    def body(self, content: Push) -> dict[str, Any]:
        return {"aps": {"alert": {"title": content.title, "body": content.body}, "sound": "default"},
                **content.data}

    async def send(self, token: str, content: Push, notification_id: str) -> None:
        headers = {
            "authorization": f"bearer {self.provider_token()}",
            "apns-id": notification_id,
            "apns-topic": self.topic,
            "apns-push-type": "alert",
            "apns-priority": "10",
        }
        try:
            response = await self.http.post(f"{self.endpoint}/3/device/{token}", json=self.body(content),
                                            headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"APNs: {exc!r}") from exc
        if response.status_code == 200:
            return
        reason = ""
        if response.headers.get("content-type", "").startswith("application/json"):
            reason = str(response.json().get("reason", ""))
        if response.status_code == 410 or reason in ("BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic"):
            raise Unregistered(reason or response.text[:300])
        if reason == "ExpiredProviderToken":
            self._token = None
        raise failure(response.status_code, reason or response.text)

    async def close(self) -> None:
        await self.http.aclose()
