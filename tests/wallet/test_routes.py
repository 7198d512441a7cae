"""The wallet's server side without a browser: the page and its headers, the session cookie and
its CSRF protection, the codes drawn as SVG, the brand theme and the Web Push key."""
from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from api.app import create_app
from loyalty.runtime import Runtime, build_runtime
from tests.conftest import make_settings
from tests.support.gql import ME, gql, sign_up
from tests.support.program import demo_text, use_program

STATIC = Path(__file__).parents[2] / "api" / "wallet" / "static"
ORIGIN = "https://wallet.test"


@pytest.fixture
async def https(runtime: Runtime):
    transport = httpx.ASGITransport(app=create_app(runtime=runtime), client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
        yield http


async def csrf(http: httpx.AsyncClient) -> str:
    await http.get("/wallet")
    return http.cookies["wallet_csrf"]


async def test_every_screen_address_serves_the_page_with_a_strict_content_security_policy(https):
    for path in ("/wallet", "/wallet/", "/wallet/rewards", "/wallet/rewards/abc", "/wallet/verify-email"):
        response = await https.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert "<title>Northwind Rewards</title>" in response.text
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self' wss://wallet.test; worker-src 'self'; manifest-src 'self'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")
        assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text and " style=" not in response.text


async def test_the_page_gives_a_csrf_cookie_the_script_can_read_once(https):
    first = await https.get("/wallet")
    cookie = first.headers["set-cookie"]
    assert re.fullmatch(r"wallet_csrf=[\w-]{32}; Path=/wallet; SameSite=strict; Secure", cookie)
    again = await https.get("/wallet/card")
    assert "set-cookie" not in again.headers


async def test_a_session_started_with_the_refresh_token_lives_in_an_httponly_strict_cookie(https):
    token = await csrf(https)
    signed = await sign_up(https, "cookie@example.com")
    response = await https.post("/wallet/session", json={"refreshToken": signed["refreshToken"]},
                                headers={"x-csrf-token": token, "origin": ORIGIN})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert re.fullmatch(r"wallet_refresh=rt_[\w-]+; HttpOnly; Max-Age=5184000; Path=/wallet/session; SameSite=strict; "
                        r"Secure", cookie)
    body = response.json()
    assert set(body) == {"accessToken", "accessTokenExpiresAt"}
    me = await gql(https, ME, token=body["accessToken"])
    assert me["data"]["me"]["email"] == "cookie@example.com"
    renewed = await https.post("/wallet/session/refresh", headers={"x-csrf-token": token})
    assert renewed.status_code == 200
    assert renewed.cookies["wallet_refresh"] != response.cookies["wallet_refresh"]


async def test_the_session_routes_refuse_a_request_without_the_csrf_token_and_change_nothing(https):
    token = await csrf(https)
    signed = await sign_up(https, "csrf@example.com")
    started = await https.post("/wallet/session", json={"refreshToken": signed["refreshToken"]},
                               headers={"x-csrf-token": token})
    cookie = started.cookies["wallet_refresh"]
    for headers in ({}, {"x-csrf-token": "wrong"}, {"x-csrf-token": token, "origin": "https://evil.example"},
                    {"x-csrf-token": token, "sec-fetch-site": "cross-site"}):
        for path in ("/wallet/session/refresh", "/wallet/session/end"):
            refused = await https.post(path, headers=headers)
            assert refused.status_code == 403, (path, headers)
            assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert "set-cookie" not in refused.headers
    assert https.cookies["wallet_refresh"] == cookie
    assert (await https.post("/wallet/session/refresh", headers={"x-csrf-token": token})).status_code == 200


async def test_ending_the_session_clears_the_cookie_and_the_token_stops_working(https):
    token = await csrf(https)
    signed = await sign_up(https, "end@example.com")
    await https.post("/wallet/session", json={"refreshToken": signed["refreshToken"]}, headers={"x-csrf-token": token})
    kept = https.cookies["wallet_refresh"]
    ended = await https.post("/wallet/session/end", headers={"x-csrf-token": token})
    assert ended.status_code == 204
    assert ended.headers["set-cookie"].startswith('wallet_refresh=""; expires=')
    assert "wallet_refresh" not in https.cookies
    https.cookies.set("wallet_refresh", kept, domain="wallet.test", path="/wallet/session")
    refused = await https.post("/wallet/session/refresh", headers={"x-csrf-token": token})
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "INVALID_REFRESH_TOKEN"


async def test_a_session_cannot_start_with_a_bad_body_or_token(https):
    token = await csrf(https)
    for body in (b"", b"[]", b'{"refreshToken": 5}', b"x" * 2000):
        response = await https.post("/wallet/session", content=body, headers={"x-csrf-token": token})
        assert response.status_code == 400
    response = await https.post("/wallet/session", json={"refreshToken": "rt_nope"}, headers={"x-csrf-token": token})
    assert response.status_code == 401
    assert "wallet_refresh" not in https.cookies


async def test_the_member_number_is_drawn_as_a_qr_code_and_a_barcode_in_svg(https):
    for kind in ("qr", "barcode"):
        response = await https.post(f"/wallet/code/{kind}.svg", json={"text": "665011322807"})
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/svg+xml"
        assert response.headers["cache-control"] == "no-store"
        root = ElementTree.fromstring(response.content)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    refused = [await https.post("/wallet/code/qr.svg", json={"text": text}) for text in ("", "x" * 301, "a\nb")]
    assert [r.status_code for r in refused] == [400, 400, 400]
    assert [(await https.post("/wallet/code/qr.svg", content=body)).json()["errors"][0]["extensions"]["code"]
            for body in (b"", b"[]", b'{"text": 5}', b"x" * 2001)] == ["INVALID"] * 4
    assert (await https.post("/wallet/code/barcode.svg", json={"text": "ünï"})).status_code == 400
    assert (await https.post("/wallet/code/pdf417.svg", json={"text": "x"})).status_code == 404


async def test_a_code_is_never_taken_from_the_address(https):
    """A coupon code or member number in an image's URL would land in logs and history."""
    response = await https.get("/wallet/code/qr.svg", params={"text": "665011322807"})
    assert response.headers["content-type"] == "text/html; charset=utf-8"  # just the page's document
    assert b"<svg" not in response.content


async def test_the_brand_theme_of_the_program_file_colours_the_page(runtime, https):
    theme = (await https.get("/wallet/theme.css")).text
    assert theme == ":root{--primary:#1f4e79;--on-primary:#ffffff;--accent:#b45309;--background:#f5f6f8}\n"
    await use_program(runtime, demo_text("brand_theme", name='"Hârbor & <Club>"', primary_colour='"#123456"',
                                         logo_url='"https://cdn.harbor.example/logo.svg"'))
    assert (await https.get("/wallet/theme.css")).text.startswith(":root{--primary:#123456;")
    config = (await https.get("/wallet/config.json")).json()
    assert config["name"] == "Hârbor & <Club>"
    assert config["logoUrl"] == "https://cdn.harbor.example/logo.svg"
    page = await https.get("/wallet")
    assert "<title>Hârbor &amp; &lt;Club&gt;</title>" in page.text
    assert "img-src 'self' data: https://cdn.harbor.example;" in page.headers["content-security-policy"]


async def test_the_config_gives_the_web_push_key_when_the_program_sends_browser_pushes(clean_db, workdir):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    raw = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    runtime = await build_runtime(make_settings(workdir, VAPID_PRIVATE_KEY=pem))
    try:
        transport = httpx.ASGITransport(app=create_app(runtime=runtime))
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
            config = (await http.get("/wallet/config.json")).json()
    finally:
        await runtime.close()
    import base64
    assert config["webPushPublicKey"] == base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def test_the_config_has_no_web_push_key_without_one(https):
    response = await https.get("/wallet/config.json")
    assert response.json() == {
        "name": "Northwind Rewards", "logoUrl": "/wallet/static/logo.svg", "defaultLocale": "en",
        "graphqlPath": "/graphql", "webPushPublicKey": None, "csrfToken": https.cookies["wallet_csrf"],
    }
    assert response.headers["cache-control"] == "no-store"
    again = await https.get("/wallet/config.json")  # the cookie stays; the token with it
    assert (again.json()["csrfToken"], "set-cookie" in again.headers) == (https.cookies["wallet_csrf"], False)


async def test_the_static_files_and_the_service_worker_are_served(https):
    app = await https.get("/wallet/static/app.js")
    assert app.status_code == 200 and app.headers["content-type"].startswith("text/javascript")
    assert app.headers["cache-control"] == "no-cache"
    worker = await https.get("/wallet/sw.js")
    assert worker.status_code == 200 and worker.headers["service-worker-allowed"] == "/wallet/"
    assert (await https.get("/wallet/static/nothing.js")).status_code == 404


def test_every_language_of_the_page_has_the_same_words():
    text = (STATIC / "texts.js").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"^  (\w\w): \{\n(.*?)^  \},", text, flags=re.MULTILINE | re.DOTALL))
    keys = {lang: re.findall(r'"([\w.]+)": "', body) for lang, body in blocks.items()}
    assert sorted(keys) == ["de", "en", "nl", "ro"]
    for lang in ("nl", "de", "ro"):
        assert sorted(keys[lang]) == sorted(keys["en"]), lang
    assert len(keys["en"]) == len(set(keys["en"]))


def test_the_page_never_writes_markup_from_data():
    for path in STATIC.rglob("*.js"):
        source = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in source, (path.name, sink)


async def test_a_page_on_a_same_site_origin_in_cors_origins_uses_the_session_routes(clean_db, workdir):
    page = "https://wallet.brand.example"
    runtime = await build_runtime(make_settings(workdir, CORS_ORIGINS=page, CORS_ALLOW_CREDENTIALS="true"))
    try:
        transport = httpx.ASGITransport(app=create_app(runtime=runtime))
        async with httpx.AsyncClient(transport=transport, base_url="https://api.brand.example") as http:
            config = await http.get("/wallet/config.json", headers={"origin": page})
            assert (config.headers["access-control-allow-origin"], config.headers["access-control-allow-credentials"]) == (
                page, "true")
            token = config.json()["csrfToken"]
            signed = await sign_up(http, "elsewhere@example.com")
            started = await http.post("/wallet/session", json={"refreshToken": signed["refreshToken"]}, headers={
                "x-csrf-token": token, "origin": page, "sec-fetch-site": "same-site"})
            assert started.status_code == 200
            preflight = await http.options("/wallet/session/refresh", headers={
                "origin": page, "access-control-request-method": "POST",
                "access-control-request-headers": "content-type,x-csrf-token"})
            assert preflight.status_code == 200
            cross_site = await http.post("/wallet/session/refresh", headers={
                "x-csrf-token": token, "origin": page, "sec-fetch-site": "cross-site"})
            unlisted = await http.post("/wallet/session/refresh", headers={
                "x-csrf-token": token, "origin": "https://other.brand.example", "sec-fetch-site": "same-site"})
            assert [cross_site.status_code, unlisted.status_code] == [403, 403]
            renewed = await http.post("/wallet/session/refresh", headers={
                "x-csrf-token": token, "origin": page, "sec-fetch-site": "same-site"})
            assert renewed.status_code == 200
    finally:
        await runtime.close()


def test_the_exported_page_names_its_api_and_carries_its_policy(tmp_path):
    from api.wallet.export import export_page

    folder = export_page(tmp_path, "https://api.brand.example/", title="Harbor & Club")
    document = (folder / "index.html").read_text(encoding="utf-8")
    assert '<meta name="wallet-api" content="https://api.brand.example">' in document
    assert '<link rel="stylesheet" href="https://api.brand.example/wallet/theme.css">' in document
    assert ("connect-src https://api.brand.example wss://api.brand.example; worker-src &#x27;self&#x27;"
            in document)
    assert "<title>Harbor &amp; Club</title>" in document and "frame-ancestors" not in document
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "static", "sw.js"]
    assert not (folder / "static" / "index.html").exists()
    for wrong in ("ftp://api.brand.example", "https://api.brand.example/graphql", "api.brand.example"):
        with pytest.raises(ValueError):
            export_page(tmp_path, wrong, title="x")
