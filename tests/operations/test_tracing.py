"""Tracing through a local OTLP/HTTP receiver: one trace holds the API request (named after its
GraphQL operation), its SQL statements, and the delivery of the email the purchase made, by
the API's own consumer (embedded) or by a `loyalty worker` process (Redis); with
OTEL_EXPORTER_OTLP_ENDPOINT unset, nothing of OpenTelemetry is even imported."""
from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from loyalty.auth.api_keys import create_api_key
from tests.conftest import REDIS
from tests.operations.support import serving, wait_ready
from tests.support.notify import new_member
from tests.support.receivers import smtp_receiver
from tests.support.servers import LOYALTY, environment, free_port

BUY = ("mutation Checkout($i: RecordPurchaseInput!) { recordPurchase(input: $i) { purchase { pointsAwarded } "
       "errors { code } } }")


@dataclass(frozen=True)
class Span:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict


class Receiver:
    """An OTLP/HTTP collector: takes protobuf ExportTraceServiceRequests at /v1/traces."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.lock = threading.Lock()

    def take(self, body: bytes) -> None:
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            service = next(a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name")
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    attributes = {a.key: a.value.string_value or a.value.int_value for a in span.attributes}
                    with self.lock:
                        self.spans.append(Span(service, span.name, span.trace_id.hex(), span.span_id.hex(),
                                               span.parent_span_id.hex(), attributes))

    def all(self) -> list[Span]:
        with self.lock:
            return list(self.spans)


@contextlib.contextmanager
def otlp_receiver() -> Iterator[tuple[str, Receiver]]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["content-length"]))
            if self.path == "/v1/traces":
                receiver.take(body)
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", receiver
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def worker_process(settings, log_dir, **env: str) -> Iterator[None]:  # noqa: ANN001
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="loyalty-cwd-") as cwd, open(log_dir / "worker.log", "wb") as log:
        process = subprocess.Popen([str(LOYALTY), "worker"], env=environment(settings, STATUS_PORT=str(port), **env),
                                   cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_ready(f"http://127.0.0.1:{port}/readyz", process, log_dir / "worker.log")
            yield
        finally:
            process.terminate()
            process.wait(timeout=30)


def _until(check, what: str, timeout: float = 90.0):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
    return value


@pytest.mark.parametrize("consumer", ["embedded", "worker"])
async def test_one_trace_spans_the_request_its_sql_and_the_workers_delivery_of_the_email(
        runtime, settings, tmp_path, consumer):
    if consumer == "worker" and not REDIS:
        pytest.skip("needs Redis (set REDIS_URL): the worker process reads the stream")
    member = await new_member("mia@example.com", name="Mia")
    _, key = await create_api_key("shop", frozenset({"purchases:write"}))
    with otlp_receiver() as (endpoint, receiver), smtp_receiver() as smtp:
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "SMTP_URL": smtp.url}
        if consumer == "embedded":
            env["REDIS_URL"] = ""
        with contextlib.ExitStack() as stack:
            if consumer == "worker":
                stack.enter_context(worker_process(settings, tmp_path, **env))
            url = stack.enter_context(serving(settings, tmp_path, **env))
            answer = httpx.post(f"{url}/graphql", headers={"Authorization": f"Bearer {key}"}, timeout=30, json={
                "query": BUY, "operationName": "Checkout", "variables": {"i": {
                    "memberNumber": member.member_number, "orderId": "T-1", "amount": "10.00", "currencyCode": "EUR"}}})
            assert answer.json()["data"]["recordPurchase"]["errors"] == []
            _until(lambda: smtp.messages, "the email")

            def request_span() -> Span | None:
                return next((s for s in receiver.all() if s.attributes.get("graphql.operation.name") == "Checkout"), None)

            request = _until(request_span, "the request's span")
            trace = lambda: [s for s in receiver.all() if s.trace_id == request.trace_id]  # noqa: E731
            _until(lambda: any(s.name == "notify email" for s in trace()),
                   f"the email's span among {[(s.name, s.trace_id == request.trace_id) for s in receiver.all()]}")
    spans = trace()
    assert request.name == "graphql Checkout"
    assert request.service == "loyalty-api"
    by_id = {s.span_id: s for s in spans}

    def ancestors(span: Span) -> list[str]:
        names = []
        while span.parent_id in by_id:
            span = by_id[span.parent_id]
            names.append(span.name)
        return names

    sql = [s for s in spans if s.attributes.get("db.system") in ("sqlite", "postgresql")]
    assert sql, [s.name for s in spans]
    assert all("graphql Checkout" in ancestors(s) for s in sql if s.service == "loyalty-api"), [
        (s.name, s.span_id, s.parent_id, ancestors(s)) for s in spans]
    delivery = next(s for s in spans if s.name == "deliver points.earned")
    assert delivery.service == ("loyalty-api" if consumer == "embedded" else "loyalty-worker")
    assert "graphql Checkout" in ancestors(delivery)
    email = next(s for s in spans if s.name == "notify email")
    assert ancestors(email)[0] == "deliver points.earned"


def test_without_an_endpoint_no_tracing_is_loaded_or_started(tmp_path):
    """redis-py loads OpenTelemetry's API by itself when it is installed; the platform adds no
    instrumentation, no exporter, no tracer provider and no middleware."""
    code = ("import sys; from api.app import create_app; from loyalty.settings import Settings; "
            "from loyalty import tracing; from opentelemetry import trace; "
            "app = create_app(Settings(_env_file=None, DATABASE_URL='sqlite://:memory:')); "
            "print(type(app).__name__, tracing.enabled(), type(trace.get_tracer_provider()).__name__, "
            "sorted(m for m in sys.modules if m.startswith(('opentelemetry.instrumentation', 'opentelemetry.exporter'))))")
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2])})
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "Starlette False ProxyTracerProvider []"
