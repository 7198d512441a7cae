"""A copy of the page for another origin of the same site (`loyalty export-wallet`): the
static files, the service worker, and the document naming the API's origin, with its
Content-Security-Policy in a meta tag (the host adds `frame-ancestors 'none'` as a header,
which a meta tag cannot carry). The API lists the page's origin in CORS_ORIGINS with
CORS_ALLOW_CREDENTIALS=true, so that the session routes' cookies travel."""
from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

from api.wallet.headers import images_from, policy, socket_of
from api.wallet.page import STATIC, render_index


def api_origin(api_url: str) -> str:
    """The origin of `api_url` (http(s)://host[:port]); ValueError for anything else."""
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/") or parts.query:
        raise ValueError("--api-url must be an origin such as https://api.brand.example")
    return f"{parts.scheme}://{parts.netloc}"


def export_page(out: Path, api_url: str, *, title: str, locale: str = "en", logo_url: str | None = None) -> Path:
    """Writes the page under `out/wallet/`; that folder."""
    api = api_origin(api_url)
    parts = urlsplit(api)
    meta = policy(api=api, socket=socket_of(parts.scheme, parts.netloc), images=images_from(logo_url, api),
                  frame_ancestors=False)
    folder = out / "wallet"
    shutil.copytree(STATIC, folder / "static", dirs_exist_ok=True)
    (folder / "static" / "index.html").unlink()
    shutil.copyfile(STATIC / "sw.js", folder / "sw.js")
    (folder / "index.html").write_text(render_index(title, locale, api, meta), encoding="utf-8")
    return folder
