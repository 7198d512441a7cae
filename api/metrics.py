"""GET /metrics: the Prometheus text exposition, for callers that give METRICS_TOKEN as a bearer
token. Off (404) while METRICS_TOKEN is unset; 401 without the token."""
from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

from loyalty.jobs import JOBS
from loyalty.metrics_state import exposition, token_accepted


async def metrics(request: Request) -> Response:
    runtime = getattr(request.app.state, "runtime", None)
    settings = runtime.settings if runtime is not None else request.app.state.settings
    status = token_accepted(settings.metrics_token, request.headers.get("authorization"))
    if status == 404:
        return Response("Not Found\n", status_code=404, media_type="text/plain")
    if status == 401:
        return Response("A bearer token is required.\n", status_code=401, media_type="text/plain",
                        headers={"www-authenticate": 'Bearer realm="metrics"'})
    if runtime is None:
        return Response("Starting up\n", status_code=503, media_type="text/plain", headers={"retry-after": "1"})
    body = await exposition(runtime.redis, list(JOBS))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
