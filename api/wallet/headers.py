"""The headers of the wallet's responses: a strict Content-Security-Policy (no inline script
or style, nothing from another origin but the brand's logo), no framing."""
from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request


def content_security_policy(request: Request, logo_url: str | None) -> str:
    images = "'self' data:"
    if logo_url and logo_url.startswith("https://"):
        parts = urlsplit(logo_url)
        images += f" https://{parts.netloc}"
    socket = ("wss://" if request.url.scheme == "https" else "ws://") + request.url.netloc
    return "; ".join((
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src {images}",
        f"connect-src 'self' {socket}",
        "worker-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def page_headers(request: Request, logo_url: str | None, *, cache: str = "no-cache") -> dict[str, str]:
    return {
        "content-security-policy": content_security_policy(request, logo_url),
        "cache-control": cache,
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=()",
    }
