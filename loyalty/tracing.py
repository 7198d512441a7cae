"""Tracing with OpenTelemetry, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans go to
that OTLP/HTTP collector (`<endpoint>/v1/traces`). While it is unset nothing of OpenTelemetry
is imported and every function here does nothing.

What is traced: each HTTP request (the ASGI middleware; the span is named after the GraphQL
operation), the SQL statements (asyncpg's instrumentation on PostgreSQL; on SQLite the database
wrapper opens the span), Redis commands, and the worker's delivery of an event. An outbox
event carries the trace context of the request that wrote it (`traceparent`), so the worker's
delivery span and the email it sends join the request's trace."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from loyalty.settings import Settings

_state: dict[str, Any] = {}


def enabled() -> bool:
    return "tracer" in _state


def setup(settings: Settings, service: str) -> bool:
    """Starts tracing for this process when OTEL_EXPORTER_OTLP_ENDPOINT is set; idempotent.
    `service` names the process (api, worker, scheduler) unless OTEL_SERVICE_NAME does."""
    if not settings.otel_endpoint:
        return False
    if enabled():
        return True
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = settings.otel_service_name or f"loyalty-{service}"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    endpoint = settings.otel_endpoint.rstrip("/") + "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint), schedule_delay_millis=500))
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
    RedisInstrumentor().instrument(tracer_provider=provider)
    _state.update(provider=provider, tracer=provider.get_tracer("loyalty"))
    return True


def shutdown() -> None:
    """Sends the spans still buffered and stops."""
    provider = _state.pop("provider", None)
    _state.pop("tracer", None)
    if provider is not None:
        provider.shutdown()


def wrap_asgi(app: Any) -> Any:
    """The ASGI app inside OpenTelemetry's middleware when tracing is on; else the app itself."""
    if not enabled():
        return app
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return OpenTelemetryMiddleware(app, tracer_provider=_state["provider"], exclude_spans=["receive", "send"])


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, to carry in an outbox event; None when off."""
    if not enabled():
        return None
    from opentelemetry.propagate import inject

    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get("traceparent")


@contextlib.contextmanager
def span(name: str, *, traceparent: str | None = None, consumer: bool = False,
         attributes: dict[str, Any] | None = None) -> Iterator[None]:
    """A span around the block, child of `traceparent` when given (else of the current span)."""
    if not enabled():
        yield
        return
    from opentelemetry.propagate import extract
    from opentelemetry.trace import SpanKind

    from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY, attach, detach, set_value

    token = attach(set_value(_SUPPRESS_INSTRUMENTATION_KEY, False))  # heard inside a quiet() loop too
    try:
        context = extract({"traceparent": traceparent}) if traceparent else None
        kind = SpanKind.CONSUMER if consumer else SpanKind.INTERNAL
        with _state["tracer"].start_as_current_span(name, context=context, kind=kind, attributes=attributes or {}):
            yield
    finally:
        detach(token)


@contextlib.contextmanager
def statement_span(name: str, attributes: dict[str, Any]) -> Iterator[None]:
    """A span for one statement, as the instrumentations make: none inside quiet()."""
    if not enabled():
        yield
        return
    from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY, get_value
    from opentelemetry.trace import SpanKind

    if get_value(_SUPPRESS_INSTRUMENTATION_KEY):
        yield
        return
    with _state["tracer"].start_as_current_span(name, kind=SpanKind.CLIENT, attributes=attributes):
        yield


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No spans inside the block but those `span` opens: a background loop's polls (a query
    every half second) would otherwise each make a trace of their own."""
    if not enabled():
        yield
        return
    from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY, attach, detach, set_value

    token = attach(set_value(_SUPPRESS_INSTRUMENTATION_KEY, True))
    try:
        yield
    finally:
        detach(token)


def name_operation(operation_name: str | None, first_field: str, fields: list[str]) -> None:
    """Puts the GraphQL operation on the request's span (its name and attributes)."""
    if not enabled():
        return
    from opentelemetry import trace

    current = trace.get_current_span()
    if not current.is_recording():
        return
    current.set_attribute("graphql.operation.name", operation_name or first_field)
    current.set_attribute("graphql.fields", fields)
    current.update_name(f"graphql {operation_name or first_field}")
