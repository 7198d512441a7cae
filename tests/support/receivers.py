"""Local stand-ins for the providers: an SMTP server (aiosmtpd) and one HTTPS server (HTTP/2,
hypercorn with a trustme certificate) answering as FCM's token and send endpoints, APNs and a
Web Push service. They record what they receive; nothing leaves the machine."""
from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import socket
import ssl
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from hypercorn.asyncio import serve
from hypercorn.config import Config
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Mailbox:
    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd's hook
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"


@dataclass
class SmtpReceiver:
    url: str
    mailbox: _Mailbox

    @property
    def messages(self) -> list[EmailMessage]:
        with self.mailbox.lock:
            return list(self.mailbox.messages)


@contextlib.contextmanager
def smtp_receiver(delay: float = 0.0) -> Iterator[SmtpReceiver]:
    """`delay`: seconds the server takes to accept each message (a slow mail server)."""
    mailbox = _Mailbox(delay)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpReceiver(f"smtp://127.0.0.1:{port}", mailbox)
    finally:
        controller.stop()


def body_text(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return part.get_content()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    http_version: str

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class PushReceiver:
    """Records every request by kind: "token", "fcm", "apns", "webpush". Tokens listed in
    `gone` are answered as no longer registered (FCM 404 UNREGISTERED, APNs 410, Web Push 410);
    while `failing` is above zero, requests get HTTP 503 and it counts down; while `refusing`,
    HTTP 400 (a refusal for good)."""

    url: str
    ca: trustme.CA
    received: dict[str, list[Received]] = field(default_factory=lambda: {"token": [], "fcm": [], "apns": [], "webpush": []})
    gone: set[str] = field(default_factory=set)
    failing: int = 0
    refusing: bool = False

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def webpush_endpoint(self, name: str) -> str:
        return f"{self.url}/push/{name}"

    def _record(self, kind: str, request: Request, body: bytes) -> Response | None:
        self.received[kind].append(Received(request.url.path, dict(request.headers), body,
                                            request.scope.get("http_version", "")))
        if self.failing > 0:
            self.failing -= 1
            return Response("try later", status_code=503)
        if self.refusing:
            return JSONResponse({"reason": "BadTopic"}, status_code=400)
        return None

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            refused = self._record("token", request, await request.body())
            return refused or JSONResponse({"access_token": "fcm-access", "expires_in": 3600, "token_type": "Bearer"})

        async def fcm(request: Request) -> Response:
            body = await request.body()
            refused = self._record("fcm", request, body)
            if refused:
                return refused
            if request.headers.get("authorization") != "Bearer fcm-access":
                return JSONResponse({"error": {"status": "UNAUTHENTICATED"}}, status_code=401)
            message = json.loads(body)["message"]
            if message["token"] in self.gone:
                return JSONResponse({"error": {"status": "NOT_FOUND", "details": [
                    {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}},
                    status_code=404)
            project = request.path_params["project"]
            return JSONResponse({"name": f"projects/{project}/messages/{len(self.received['fcm'])}"})

        async def apns(request: Request) -> Response:
            refused = self._record("apns", request, await request.body())
            if refused:
                return refused
            if request.path_params["token"] in self.gone:
                return JSONResponse({"reason": "Unregistered", "timestamp": 0}, status_code=410)
            return Response(status_code=200, headers={"apns-id": request.headers.get("apns-id", "")})

        async def webpush(request: Request) -> Response:
            refused = self._record("webpush", request, await request.body())
            if refused:
                return refused
            if request.path_params["name"] in self.gone:
                return Response(status_code=410)
            return Response(status_code=201)

        return Starlette(routes=[
            Route("/token", token, methods=["POST"]),
            Route("/v1/projects/{project}/messages:send", fcm, methods=["POST"]),
            Route("/3/device/{token}", apns, methods=["POST"]),
            Route("/push/{name}", webpush, methods=["POST"]),
        ])


@contextlib.asynccontextmanager
async def push_receiver() -> AsyncIterator[PushReceiver]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    port = free_port()
    receiver = PushReceiver(f"https://127.0.0.1:{port}", ca)
    with tempfile.TemporaryDirectory(prefix="receiver-") as folder:
        cert_file, key_file = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
        cert.private_key_pem.write_to_path(str(key_file))
        config = Config()
        config.bind = [f"127.0.0.1:{port}"]
        config.certfile, config.keyfile = str(cert_file), str(key_file)
        config.alpn_protocols = ["h2", "http/1.1"]
        async with serving(receiver.app(), config, port):
            yield receiver


@contextlib.asynccontextmanager
async def serving(app: Starlette, config: Config, port: int) -> AsyncIterator[None]:
    """Serves `app` with hypercorn on 127.0.0.1:`port` (bound by `config`) for the block: it
    answers connections when the block starts and is stopped when it ends."""
    config.accesslog = None
    config.errorlog = None
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))
    for _ in range(200):
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            break
        await asyncio.sleep(0.02)
    try:
        yield
    finally:
        stop.set()
        await task
