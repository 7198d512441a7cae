"""The page itself: one HTML document for every screen's address (the script routes), its
configuration and brand theme from the program file, the service worker, the static files."""
from __future__ import annotations

import html
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from api.middleware import transport_error
from api.wallet.headers import page_headers
from api.wallet.session import set_csrf_cookie
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
    title = theme.name or program.program.name
    html = INDEX.replace("{{title}}", _escape(title)).replace("{{language}}", program.program.default_locale[:2])
    response = Response(html, media_type="text/html; charset=utf-8", headers=page_headers(request, theme.logo_url))
    set_csrf_cookie(request, response)
    return response


async def config(request: Request) -> Response:
    """What the script needs before its first GraphQL call."""
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
    return JSONResponse(body, headers={"cache-control": "no-cache"})


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
