"""The headers of the wallet's responses: a strict Content-Security-Policy (no inline script
or style, nothing from another origin but the brand's logo and, for a copy of the page on
another origin, its API), no framing."""
from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request


def policy(*, api: str, socket: str, images: str, frame_ancestors: bool = True) -> str:
    """The page's policy; `api` is empty when the page and the API share an origin."""
    styles = f"'self' {api}".strip()
    connect = f"{api} {socket}" if api else f"'self' {socket}"
    return "; ".join((
        "default-src 'none'",
        "script-src 'self'",
        f"style-src {styles}",
        f"img-src {images}",
        f"connect-src {connect}",
        "worker-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        *(("frame-ancestors 'none'",) if frame_ancestors else ()),
    ))


def images_from(logo_url: str | None, *extra: str) -> str:
    images = " ".join(("'self' data:", *extra))
    if logo_url and logo_url.startswith("https://"):
        images += f" https://{urlsplit(logo_url).netloc}"
    return images


def socket_of(scheme: str, netloc: str) -> str:
    return ("wss://" if scheme == "https" else "ws://") + netloc


def content_security_policy(request: Request, logo_url: str | None) -> str:
    return policy(api="", socket=socket_of(request.url.scheme, request.url.netloc), images=images_from(logo_url))


def page_headers(request: Request, logo_url: str | None, *, cache: str = "no-cache") -> dict[str, str]:
    return {
        "content-security-policy": content_security_policy(request, logo_url),
        "cache-control": cache,
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=()",
    }
