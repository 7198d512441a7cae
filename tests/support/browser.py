"""The wallet page's browser tests: a real `loyalty serve` with the local SMTP server, and Debian's
Chromium driven by Playwright (which cannot download browsers here: it is given the path).

`requires_browser` skips a test, saying why, when chromium or playwright is missing. The server
runs on the embedded default whatever the suite's database (no Redis: it delivers the emails
itself), on the suite's database, with access tokens that live `TOKEN_TTL_SECONDS`.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from loyalty.auth.api_keys import create_api_key
from loyalty.auth.keys import load_signing_key
from loyalty.runtime import build_runtime
from loyalty.settings import Settings
from tests.conftest import _clear_tables, clear_redis
from tests.support.receivers import SmtpReceiver, body_text, serving, smtp_receiver
from tests.support.servers import LOYALTY, Server, _stop, _wait_until_healthy, environment, free_port

CHROMIUM = shutil.which(os.environ.get("CHROMIUM", "chromium")) or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
HAS_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None
requires_browser = pytest.mark.skipif(
    CHROMIUM is None or not HAS_PLAYWRIGHT,
    reason="the wallet page's browser tests need Chromium (Debian: apt-get install -y chromium) "
           "and playwright (scripts/install test)" if HAS_PLAYWRIGHT or CHROMIUM is None else
           "the wallet page's browser tests need playwright (scripts/install test)",
)
TOKEN_TTL_SECONDS = 20
START_TIMEOUT = 120.0  # a loaded CI machine starts `loyalty serve` slowly
AXE = Path(__file__).parents[1] / "wallet" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = os.environ.get("WALLET_SCREENSHOTS_DIR")
PASSWORD = "correct horse battery"
RECORD_PURCHASE = """mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) { purchase { pointsAwarded } errors { code message } } }"""
RECORD_PASS_PAYMENT = """mutation($input: RecordPassPaymentInput!) {
  recordPassPayment(input: $input) { pass { status } errors { code message } } }"""
USE_COUPON = """mutation($input: UseIssuedRewardInput!) {
  useIssuedReward(input: $input) { issuedReward { status } errors { code message } } }"""


# A copy of the page on another origin of the API's site (`brand.localhost`: Chromium resolves
# every *.localhost name to this machine and treats it as a secure context).
SITE = "brand.localhost"


@dataclass
class WalletServer:
    server: Server
    smtp: SmtpReceiver
    shop_key: str
    page_port: int
    payments_key: str

    @property
    def api_url(self) -> str:
        """The API as a page on another origin of the same site calls it."""
        return self.url.replace("127.0.0.1", f"api.{SITE}")

    @property
    def page_origin(self) -> str:
        return f"http://wallet.{SITE}:{self.page_port}"

    @property
    def url(self) -> str:
        return self.server.url

    def shop(self, query: str, variables: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables},
                              headers={"authorization": f"Bearer {key or self.shop_key}"}, timeout=30)
        body = response.json()
        assert "errors" not in body, body
        payload = next(iter(body["data"].values()))
        assert payload["errors"] == [], payload["errors"]
        return payload

    def purchase(self, member_number: str, amount: str, order_id: str, *, days_ago: int = 0) -> int:
        """Records a purchase; `days_ago` past the return window makes its points spendable at once."""
        occurred = datetime.now(timezone.utc) - timedelta(days=days_ago)
        payload = self.shop(RECORD_PURCHASE, {"input": {
            "memberNumber": member_number, "orderId": order_id, "amount": amount, "currencyCode": "EUR",
            "occurredAt": occurred.isoformat()}})
        return payload["purchase"]["pointsAwarded"]

    def use_coupon(self, code: str, order_id: str) -> str:
        return self.shop(USE_COUPON, {"input": {"code": code, "orderId": order_id}})["issuedReward"]["status"]

    def pay_for_pass(self, pass_id: str, payment_id: str, amount: str) -> str:
        """The payment system confirms a pass's payment (API key with payments:write)."""
        return self.shop(RECORD_PASS_PAYMENT, {"input": {
            "passId": pass_id, "paymentId": payment_id, "amount": amount, "currencyCode": "EUR"}},
            key=self.payments_key)["pass"]["status"]

    def link_in_mail(self, email: str, path: str, timeout: float = 10.0) -> str:
        """The link to `path` in the latest email to `email` (waits for it)."""
        deadline = time.monotonic() + timeout
        pattern = re.compile(re.escape(self.url + path) + r"[^\s\"<]*")
        while time.monotonic() < deadline:
            for message in reversed(self.smtp.messages):
                if message["To"] and email in message["To"]:
                    found = pattern.search(body_text(message))
                    if found:
                        return found.group(0)
            time.sleep(0.1)
        raise AssertionError(f"no email to {email} with a link to {path}")


@contextlib.contextmanager
def _serve(settings: Settings, smtp: SmtpReceiver, log_dir: Path, page_port: int) -> Iterator[Server]:
    load_signing_key(settings)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = environment(settings, REDIS_URL="", SMTP_URL=smtp.url, PUBLIC_URL=url,
                      CORS_ORIGINS=f"http://wallet.{SITE}:{page_port}", CORS_ALLOW_CREDENTIALS="true",
                      MAIL_FROM="Northwind Rewards <rewards@northwind.example>",
                      ACCESS_TOKEN_TTL_SECONDS=str(TOKEN_TTL_SECONDS),
                      SIGNUP_ATTEMPTS_PER_ADDRESS="10000", SIGNUP_ATTEMPTS_PER_DEVICE="10000")
    log_path = log_dir / f"wallet-server-{port}.log"
    with tempfile.TemporaryDirectory(prefix="loyalty-cwd-") as cwd, open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(LOYALTY), "serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        server = Server(url, process, log_path)
        try:
            _wait_until_healthy(server, time.monotonic() + START_TIMEOUT)
            yield server
        finally:
            _stop(server)


@pytest.fixture(scope="module")
async def wallet_server(database: None, settings: Settings,
                        tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[WalletServer]:
    """Empty tables, the demo program stored, a shop key, the SMTP receiver and the server."""
    await _clear_tables()
    await clear_redis(settings)
    runtime = await build_runtime(settings)
    key = (await create_api_key("shop", frozenset({"purchases:write", "members:read"})))[1]
    payments = (await create_api_key("payments", frozenset({"payments:write"})))[1]
    page_port = free_port()
    try:
        with smtp_receiver() as smtp, _serve(settings, smtp, tmp_path_factory.mktemp("wallet"), page_port) as server:
            yield WalletServer(server, smtp, key, page_port, payments)
    finally:
        await runtime.close()


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        await browser.close()


@pytest.fixture
async def context(chromium: Any, wallet_server: WalletServer) -> AsyncIterator[Any]:
    ctx = await chromium.new_context(base_url=wallet_server.url, viewport={"width": 390, "height": 844},
                                     locale="en-GB")
    await ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=wallet_server.url)
    yield ctx
    await ctx.close()


@contextlib.asynccontextmanager
async def page_host(folder: Path, port: int) -> AsyncIterator[None]:
    """Serves an exported copy of the page (`loyalty export-wallet`) as a static host would:
    the files, and the document for every other address under /wallet/."""
    from hypercorn.config import Config
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, HTMLResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    document = (folder / "index.html").read_text(encoding="utf-8")

    async def index(request: Any) -> HTMLResponse:
        return HTMLResponse(document, headers={"content-security-policy": "frame-ancestors 'none'"})

    async def worker(request: Any) -> FileResponse:
        return FileResponse(folder / "sw.js", media_type="text/javascript")

    app = Starlette(routes=[Mount("/wallet/static", app=StaticFiles(directory=folder / "static")),
                            Route("/wallet/sw.js", worker), Route("/wallet", index), Route("/wallet/{rest:path}", index)])
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    async with serving(app, config, port):
        yield


async def sign_up(page: Any, email: str, name: str = "Ann Example") -> None:
    await page.goto("/wallet/sign-up")
    await page.get_by_label("Your name").fill(name)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Join").click()
    await page.locator("#points").wait_for()


async def member_number(page: Any) -> str:
    await page.get_by_role("navigation").get_by_role("link", name="Card", exact=True).click()
    number = page.locator("#member-number")
    await number.wait_for()
    return await number.inner_text()


async def drawn(image: Any) -> bool:
    """Waits until a code image is drawn; whether it is an SVG given inline (no address of its own)."""
    handle = await image.element_handle()
    await image.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle, timeout=5000)
    return await image.evaluate("img => img.getAttribute('src').startsWith('data:image/svg+xml')")


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is (WCAG 2 A and AA rules, and best practices)."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    return await page.evaluate("async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"
                               ".map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')) }))")


async def overflowing(page: Any) -> list[str]:
    """What sticks out of the viewport sideways: the page wider than it, or any visible element past its edge."""
    return await page.evaluate("""() => {
      const width = document.documentElement.clientWidth;
      const out = [];
      if (document.documentElement.scrollWidth > width) out.push(`page ${document.documentElement.scrollWidth}px`);
      for (const el of document.querySelectorAll('body *')) {
        if (el.closest('.sr-only, .skip, [hidden], dialog:not([open])')) continue;
        const r = el.getBoundingClientRect();
        if (r.width && (r.right > width + 1 || r.left < -1)) out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
      }
      return out;
    }""")
