"""The wallet page's session: the refresh token lives in an HttpOnly, Secure, SameSite=Strict
cookie that only these routes read, so the page's script never holds it; the access token the
routes answer with stays in the page's memory.

    POST /wallet/session          {"refreshToken": "rt_..."} from logIn or signUp: rotated at once
                                  (the copy the script saw stops working), the new one set as
                                  the cookie; answers {"accessToken", "accessTokenExpiresAt"}
    POST /wallet/session/refresh  rotates the cookie's token; answers a new access token
    POST /wallet/session/end      ends the session (logOut) and clears the cookie

Each needs the CSRF token: the `x-csrf-token` header must equal the `wallet_csrf` cookie that
the page's document and `/wallet/config.json` set (double submit; the configuration also
answers the token, for a page on another origin, which cannot read this host's cookies), and
a browser's Origin and Sec-Fetch-Site must say the request comes from the page's own origin,
`PUBLIC_URL`, or a same-site origin listed in CORS_ORIGINS (SameSite=Strict cookies reach
no other site)."""
from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.middleware import transport_error
from api.wallet.body import string_field
from loyalty.auth.sessions import IssuedSession
from loyalty.errors import LoyaltyError

REFRESH_COOKIE = "wallet_refresh"
CSRF_COOKIE = "wallet_csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_PATH = "/wallet/session"
MAX_BODY_CHARS = 1000


def csrf_token(request: Request) -> str:
    """The browser's CSRF token, or a new one."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def set_csrf_cookie(request: Request, response: Response, token: str | None = None) -> None:
    """Gives the page a CSRF token unless it has one (readable by the page's script)."""
    if not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, token or csrf_token(request), path="/wallet", secure=True,
                            httponly=False, samesite="strict")


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def csrf_refusal(request: Request) -> Response | None:
    """A refusal when the request may come from another site; also 503 while the process starts."""
    if getattr(request.app.state, "runtime", None) is None:
        return transport_error(503, "Starting up", code="UNAVAILABLE", headers={"retry-after": "1"})
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), header.encode()):
        return transport_error(403, "The CSRF token is missing or wrong: reload the page", code="FORBIDDEN")
    settings = request.app.state.runtime.settings
    origin = request.headers.get("origin")
    listed = origin is not None and origin in settings.cors_origin_list
    if origin is not None and origin not in (_origin(request), settings.public_url.rstrip("/")) and not listed:
        return transport_error(403, "Cross-origin request refused", code="FORBIDDEN")
    allowed_sites = ("same-origin", "none", "same-site") if listed else ("same-origin", "none")
    if request.headers.get("sec-fetch-site", "same-origin") not in allowed_sites:
        return transport_error(403, "Cross-site request refused", code="FORBIDDEN")
    return None


def _signed_in(request: Request, session: IssuedSession) -> Response:
    body = {"accessToken": session.access.token,
            "accessTokenExpiresAt": session.access.expires_at.isoformat()}
    response = JSONResponse(body, headers={"cache-control": "no-store"})
    response.set_cookie(REFRESH_COOKIE, session.refresh_token, path=SESSION_PATH, secure=True, httponly=True,
                        samesite="strict", max_age=request.app.state.runtime.settings.refresh_token_ttl_seconds)
    return response


def _signed_out(status: int, message: str, code: str) -> Response:
    response = transport_error(status, message, code=code)
    response.delete_cookie(REFRESH_COOKIE, path=SESSION_PATH, secure=True, httponly=True, samesite="strict")
    return response


async def start(request: Request) -> Response:
    refused = csrf_refusal(request)
    if refused is not None:
        return refused
    token = await string_field(request, "refreshToken", MAX_BODY_CHARS)
    if token is None:
        return transport_error(400, 'The body must be {"refreshToken": "..."}', code="INVALID")
    return await _rotate(request, token)


async def refresh(request: Request) -> Response:
    refused = csrf_refusal(request)
    if refused is not None:
        return refused
    token = request.cookies.get(REFRESH_COOKIE)
    if not token:
        return _signed_out(401, "Not signed in", "INVALID_REFRESH_TOKEN")
    return await _rotate(request, token)


async def _rotate(request: Request, token: str) -> Response:
    try:
        session = await request.app.state.runtime.auth.sessions.refresh(token)
    except LoyaltyError as error:
        return _signed_out(401, error.message, error.code.value)
    return _signed_in(request, session)


async def end(request: Request) -> Response:
    refused = csrf_refusal(request)
    if refused is not None:
        return refused
    token = request.cookies.get(REFRESH_COOKIE)
    if token:
        try:
            await request.app.state.runtime.auth.sessions.log_out(token)
        except LoyaltyError:
            pass  # already ended: the cookie goes all the same
    response = Response(status_code=204)
    response.delete_cookie(REFRESH_COOKIE, path=SESSION_PATH, secure=True, httponly=True, samesite="strict")
    return response
