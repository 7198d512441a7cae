"""POST /webhooks/stripe: Stripe's events for plan payments, verified with the official
`stripe` library against STRIPE_WEBHOOK_SECRET (a wrong or stale signature is 400 and
changes nothing), then applied by loyalty.memberships.stripe_events."""
from __future__ import annotations

import json
import logging

import stripe
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from loyalty import clock, metrics
from loyalty.memberships.stripe_events import apply_event

log = logging.getLogger(__name__)


async def stripe_webhook(request: Request) -> Response:
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        return Response("Starting up", status_code=503)
    secret = runtime.settings.stripe_webhook_secret
    if not secret:
        return JSONResponse({"error": "Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)."}, status_code=404)
    body = await request.body()
    signature = request.headers.get("stripe-signature", "")
    try:
        # Verifies the signature and the timestamp (within stripe's default 300 s tolerance).
        stripe.Webhook.construct_event(body, signature, secret)
        event = json.loads(body)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError):
        metrics.webhook("stripe", "refused")
        return JSONResponse({"error": "The Stripe-Signature header does not verify."}, status_code=400)
    if not isinstance(event, dict):
        return JSONResponse({"error": "The event is not a JSON object."}, status_code=400)
    outcome = await apply_event(runtime.program.program, event, clock.now())
    metrics.webhook("stripe", "applied")
    log.info("stripe event %s (%s): %s", event.get("id"), event.get("type"), outcome)
    return JSONResponse({"received": True, "outcome": outcome})
