"""Referral links: PUBLIC_URL/r/CODE redirects to the program's landing page with the code."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from loyalty.referrals.codes import find_code, landing_url


async def referral_link(request: Request) -> Response:
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        return Response("Starting up", status_code=503)
    found = await find_code(request.path_params["code"])
    target = landing_url(runtime.program.program, runtime.settings.public_url, found.code if found else None)
    # An unknown code still leads to the landing page, without a code to carry.
    return RedirectResponse(target, status_code=302, headers={"Cache-Control": "no-store"})
