"""Credentials and settings for the notification channels, pointed at the local receivers."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from loyalty.settings import Settings

from tests.conftest import make_settings
from tests.support.receivers import PushReceiver


def _pem(key) -> str:  # noqa: ANN001
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def b64url(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


@dataclass
class Credentials:
    fcm_file: Path
    fcm_public: rsa.RSAPublicKey
    apns_file: Path
    apns_public: ec.EllipticCurvePublicKey
    vapid_pem: str
    vapid_public: ec.EllipticCurvePublicKey


def make_credentials(folder: Path) -> Credentials:
    folder.mkdir(parents=True, exist_ok=True)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fcm_file = folder / "service-account.json"
    fcm_file.write_text(json.dumps({
        "type": "service_account", "project_id": "loyalty-test", "client_email": "push@loyalty-test.iam.example",
        "private_key": _pem(rsa_key), "token_uri": "https://oauth2.googleapis.com/token",
    }))
    apns_key = ec.generate_private_key(ec.SECP256R1())
    apns_file = folder / "AuthKey_TESTKEY123.p8"
    apns_file.write_text(_pem(apns_key))
    vapid_key = ec.generate_private_key(ec.SECP256R1())
    return Credentials(fcm_file, rsa_key.public_key(), apns_file, apns_key.public_key(), _pem(vapid_key),
                       vapid_key.public_key())


def channel_settings(workdir: Path, credentials: Credentials, *, smtp_url: str | None,
                     push: PushReceiver | None, **overrides: object) -> Settings:
    values: dict[str, object] = {"SMTP_URL": smtp_url, "MAIL_FROM": "Loyalty <no-reply@loyalty.example>",
                                 "PUBLIC_URL": "https://wallet.example"}
    if push is not None:
        values.update({
            "FCM_CREDENTIALS_FILE": credentials.fcm_file, "FCM_ENDPOINT": push.url,
            "FCM_TOKEN_URL": f"{push.url}/token",
            "APNS_KEY_FILE": credentials.apns_file, "APNS_KEY_ID": "TESTKEY123", "APNS_TEAM_ID": "TEAM123456",
            "APNS_TOPIC": "example.loyalty.app", "APNS_ENDPOINT": push.url,
            "VAPID_PRIVATE_KEY": credentials.vapid_pem, "VAPID_SUBJECT": "mailto:push@loyalty.example",
        })
    values.update(overrides)
    return make_settings(workdir, **values)


@dataclass
class Browser:
    """A Web Push subscriber: its keys, and the subscription JSON it would register."""

    key: ec.EllipticCurvePrivateKey
    auth: bytes
    endpoint: str

    @classmethod
    def new(cls, endpoint: str) -> Browser:
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16), endpoint)

    def subscription(self) -> str:
        public = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint)
        return json.dumps({"endpoint": self.endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}})

    def decrypt(self, body: bytes) -> dict:
        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 60.0, what: str = "the condition") -> None:
    """Waits until `check()` holds (polling), failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        await asyncio.sleep(0.1)


async def new_member(email: str, locale: str = "en", name: str = "Ann", *, marketing_consent: bool = False,
                     verified: bool = True):  # noqa: ANN201
    """A member made directly (no password to check in these tests), with a verified address
    unless `verified` is false."""
    from loyalty.members.service import NewMember, create_member

    return await create_member(NewMember(email, "unused", name, None, locale, marketing_consent), "unused-hash",
                               verified=verified)
