"""The member card's number and a coupon's code as SVG images for the till's scanner: a QR
code (segno) or a Code 128 barcode (python-barcode). The text is the caller's own (its member
number, a coupon code, its referral link): nothing is looked up, so the route needs no token.

    POST /wallet/code/qr.svg | /wallet/code/barcode.svg   {"text": "..."}

The text travels in the body, never in the address: a coupon code or member number in an
image's URL would land in access logs, proxies' logs and the browser's history. The page
draws the answer as a `data:` image; the answer is not stored by any cache (`no-store`)."""
from __future__ import annotations

import io

import barcode
import segno
from barcode.writer import SVGWriter
from starlette.requests import Request
from starlette.responses import Response

from api.middleware import transport_error
from api.wallet.body import string_field

MAX_TEXT_LENGTH = 300
MAX_BODY_CHARS = 2000
KINDS = ("qr", "barcode")


def qr_svg(text: str) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="svg", scale=4, border=2, xmldecl=False, light="#fff",
                                                  svgns=True, title=None, desc=None, unit=None)
    return out.getvalue()


def barcode_svg(text: str) -> bytes:
    out = io.BytesIO()
    code = barcode.get_barcode_class("code128")(text, writer=SVGWriter())
    code.write(out, options={"module_height": 15.0, "font_size": 0, "text_distance": 0, "quiet_zone": 2.0,
                             "compress": False})
    return out.getvalue()


async def code_svg(request: Request) -> Response:
    kind = request.path_params["kind"]
    if kind not in KINDS:
        return transport_error(404, "No such code kind", code="NOT_FOUND")
    text = await string_field(request, "text", MAX_BODY_CHARS)
    if text is None:
        return transport_error(400, 'The body must be {"text": "..."}', code="INVALID")
    if not text or len(text) > MAX_TEXT_LENGTH or not text.isprintable():
        return transport_error(400, f"text: 1 to {MAX_TEXT_LENGTH} printable characters", code="INVALID")
    if kind == "barcode" and not text.isascii():
        return transport_error(400, "text: a barcode carries ASCII only", code="INVALID")
    body = qr_svg(text) if kind == "qr" else barcode_svg(text)
    return Response(body, media_type="image/svg+xml", headers={
        "cache-control": "no-store",
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    })

