"""Web Push (RFC 8030) with VAPID (RFC 8292), the message encrypted for the subscription with
aes128gcm (RFC 8188, RFC 8291). The Topic header is the notification's id, so a push service
replaces rather than repeats a message it still holds."""
from __future__ import annotations

import base64
import json
import os
import struct
import time
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from loyalty.notifications.channels import DeliveryError, Unregistered, failure
from loyalty.notifications.render import Push

RECORD_SIZE = 4096
TTL_SECONDS = 24 * 3600


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def _raw_public(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def _hkdf(salt: bytes, info: bytes, length: int, secret: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)


def encrypt(plaintext: bytes, p256dh: str, auth: str, *, salt: bytes | None = None,
            server_key: ec.EllipticCurvePrivateKey | None = None) -> bytes:
    """The aes128gcm body for a subscription's keys: one record, with the header of RFC 8188."""
    receiver_raw = b64url_decode(p256dh)
    receiver = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), receiver_raw)
    server_key = server_key or ec.generate_private_key(ec.SECP256R1())
    server_raw = _raw_public(server_key.public_key())
    salt = salt or os.urandom(16)
    shared = server_key.exchange(ec.ECDH(), receiver)
    ikm = _hkdf(b64url_decode(auth), b"WebPush: info\x00" + receiver_raw + server_raw, 32, shared)
    key = _hkdf(salt, b"Content-Encoding: aes128gcm\x00", 16, ikm)
    nonce = _hkdf(salt, b"Content-Encoding: nonce\x00", 12, ikm)
    record = AESGCM(key).encrypt(nonce, plaintext + b"\x02", None)
    return salt + struct.pack("!IB", RECORD_SIZE, len(server_raw)) + server_raw + record


def load_vapid_key(value: str) -> ec.EllipticCurvePrivateKey:
    """A PEM private key (a one-line value may use literal `\\n`) or the raw 32-byte private
    value in base64url, as web-push tools print it."""
    value = value.strip()
    if value.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(value.replace("\\n", "\n").encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("VAPID_PRIVATE_KEY must be a P-256 (prime256v1) key")
        return key
    return ec.derive_private_key(int.from_bytes(b64url_decode(value), "big"), ec.SECP256R1())


def vapid_public_key(private_key: str) -> str:
    """The application server key a browser subscribes with: the public point, base64url."""
    return b64url(_raw_public(load_vapid_key(private_key).public_key()))


class WebPushChannel:
    def __init__(self, private_key: str, *, subject: str, http: httpx.AsyncClient | None = None) -> None:
        self.key = load_vapid_key(private_key)
        self.public_key = b64url(_raw_public(self.key.public_key()))
        self.subject = subject
        self.http = http or httpx.AsyncClient(http2=True, timeout=30.0)
        self._tokens: dict[str, tuple[str, float]] = {}

    def vapid(self, endpoint: str) -> str:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        token, expires = self._tokens.get(audience, ("", 0.0))
        if time.time() > expires - 3600:
            expires = time.time() + 12 * 3600
            token = jwt.encode({"aud": audience, "exp": int(expires), "sub": self.subject}, self.key,
                               algorithm="ES256")
            self._tokens[audience] = (token, expires)
        return f"vapid t={token}, k={self.public_key}"

    async def send(self, subscription: str, content: Push, notification_id: str) -> None:
        try:
            target = json.loads(subscription)
            endpoint, keys = target["endpoint"], target["keys"]
            payload = json.dumps({"title": content.title, "body": content.body, "data": content.data}).encode()
            body = encrypt(payload, keys["p256dh"], keys["auth"])
        except (ValueError, KeyError, TypeError) as exc:
            raise Unregistered(f"unusable subscription: {exc!r}") from exc
        headers = {
            "authorization": self.vapid(endpoint),
            "content-encoding": "aes128gcm",
            "content-type": "application/octet-stream",
            "ttl": str(TTL_SECONDS),
            "urgency": "normal",
            "topic": notification_id.replace("-", ""),
        }
        try:
            response = await self.http.post(endpoint, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Web Push: {exc!r}") from exc
        if response.status_code in (200, 201, 202):
            return
        if response.status_code in (404, 410):
            raise Unregistered(f"HTTP {response.status_code}")
        raise failure(response.status_code, response.text)

    async def close(self) -> None:
        await self.http.aclose()
