"""The page itself: one HTML document for every screen's address (the script routes), its
configuration and brand theme from the program file, the service worker, the static files."""
from __future__ import annotations

import html
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from api.middleware import transport_error
from api.wallet.headers import page_headers
from api.wallet.session import csrf_token, set_csrf_cookie
from loyalty.notifications.channels.webpush import vapid_public_key
from loyalty.program.spec import BrandTheme, Program

STATIC = Path(__file__).with_name("static")
INDEX = (STATIC / "index.html").read_text(encoding="utf-8")


def _program(request: Request) -> Program | None:
    runtime = getattr(request.app.state, "runtime", None)
    return runtime.program.program if runtime is not None else None


def _theme(request: Request) -> BrandTheme:
    program = _program(request)
    return program.brand_theme if program is not None else BrandTheme()


def _unavailable() -> Response:
    return transport_error(503, "Starting up", code="UNAVAILABLE", headers={"retry-after": "1"})


async def index(request: Request) -> Response:
    """Every address under /wallet/ that is not a file: the page routes to the screen."""
    program = _program(request)
    if program is None:
        return _unavailable()
    theme = program.brand_theme
    html = render_index(theme.name or program.program.name, program.program.default_locale)
    response = Response(html, media_type="text/html; charset=utf-8", headers=page_headers(request, theme.logo_url))
    set_csrf_cookie(request, response)
    return response


def render_index(title: str, locale: str, api_url: str = "", policy: str = "") -> str:
    """The page's document; `api_url` and `policy` (a Content-Security-Policy in a meta tag)
    for a copy served from another origin (`loyalty export-wallet`)."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{_escape(policy)}">\n' if policy else ""
    return (INDEX.replace("{{title}}", _escape(title)).replace("{{language}}", _escape(locale[:2]))
            .replace("{{api}}", _escape(api_url.rstrip("/"))).replace("{{policy}}\n", meta))


async def config(request: Request) -> Response:
    """What the script needs before its first GraphQL call, and the CSRF token of the session
    routes (also set as the cookie they compare it with)."""
    program = _program(request)
    if program is None:
        return _unavailable()
    settings = request.app.state.runtime.settings
    theme = program.brand_theme
    body = {
        "name": theme.name or program.program.name,
        "logoUrl": theme.logo_url,
        "defaultLocale": program.program.default_locale,
        "graphqlPath": "/graphql",
        "webPushPublicKey": vapid_public_key(settings.vapid_private_key) if settings.vapid_private_key else None,
    }
    token = csrf_token(request)
    response = JSONResponse({**body, "csrfToken": token}, headers={"cache-control": "no-store"})
    set_csrf_cookie(request, response, token)
    return response


async def theme_css(request: Request) -> Response:
    theme = _theme(request)
    css = (":root{"
           f"--primary:{theme.primary_colour};--on-primary:{theme.on_primary_colour};"
           f"--accent:{theme.accent_colour};--background:{theme.background_colour}"
           "}\n")
    return Response(css, media_type="text/css", headers={"cache-control": "no-cache"})


async def service_worker(request: Request) -> Response:
    """At /wallet/sw.js, so that its scope is the whole page."""
    return FileResponse(STATIC / "sw.js", media_type="text/javascript",
                        headers={"cache-control": "no-cache", "service-worker-allowed": "/wallet/"})


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
