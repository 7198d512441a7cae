"""The wallet page in real Chromium against a real `loyalty serve`: each scenario as a member
lives it, from signing up to signing out."""
from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import time
from pathlib import Path

import pytest

from api.wallet.export import export_page
from loyalty import events
from loyalty.notifications.render import link

from tests.support.browser import (
    PASSWORD, SCREENSHOTS, TOKEN_TTL_SECONDS, axe_violations, chromium, context, drawn, member_number, overflowing,
    SITE, page_host, requires_browser, sign_up, wallet_server,
)

pytestmark = [requires_browser, pytest.mark.browser]
_ = (chromium, context, wallet_server)  # fixtures
orders = itertools.count(1)


def nav(page, name: str):
    return page.get_by_role("navigation").get_by_role("link", name=name, exact=True)


def order() -> str:
    return f"NW-{10480 + next(orders)}"  # the module starts on empty tables


async def points_on_screen(page) -> str:
    return await page.locator("#points").inner_text()


async def test_a_new_member_signs_up_verifies_the_email_sees_100_points_and_a_purchase_within_2_seconds(
        context, wallet_server):
    page = await context.new_page()
    await sign_up(page, "new@example.com")
    assert await points_on_screen(page) == "100"
    assert await page.get_by_text("Confirm your email address with the link we sent you.").is_visible()

    link = wallet_server.link_in_mail("new@example.com", "/wallet/verify-email")
    await page.goto(link)
    await page.get_by_text("Your email address is confirmed.").wait_for()
    assert page.url == f"{wallet_server.url}/wallet/verify-email"  # the token left the address bar
    await page.get_by_role("link", name="Open your wallet").click()
    await page.locator("#points").wait_for()
    assert await points_on_screen(page) == "100"
    assert await page.get_by_text("Confirm your email address").count() == 0
    assert await page.locator("#latest li").count() == 1

    number = await member_number(page)
    await nav(page, "Wallet").click()
    await page.locator("#latest").wait_for()
    await page.wait_for_timeout(300)  # the subscription is open
    awarded = wallet_server.purchase(number, "80.00", order(), days_ago=20)
    started = time.monotonic()
    await page.locator("#points").filter(has_text=str(100 + awarded)).wait_for(timeout=2000)
    await page.locator("#latest li").nth(1).wait_for(timeout=2000)
    assert time.monotonic() - started < 2.0
    assert await page.locator("#latest li").count() == 2
    assert "Purchase of EUR 80.00" in await page.locator("#latest li").first.inner_text()
    assert awarded > 0


async def test_redeeming_a_reward_shows_the_coupon_code_and_qr_and_then_the_coupon_as_used(context, wallet_server):
    page = await context.new_page()
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))
    await sign_up(page, "redeem@example.com")
    number = await member_number(page)
    assert await drawn(page.get_by_role("img", name="QR code of your member number"))
    awarded = wallet_server.purchase(number, "400.00", order(), days_ago=20)
    await nav(page, "Rewards").click()
    await page.locator("#points").filter(has_text=f"{100 + awarded:,}").wait_for()
    def why(name: str):
        return page.locator("li.reward").filter(has=page.get_by_role("heading", name=name)).locator(".why")

    # the API's unavailableReason, worded by the page
    assert await why("Chef's table for two").inner_text() == "For Gold members"
    assert await why("20% off").inner_text() == f"{10000 - 100 - awarded:,} more points needed"
    assert await why("Free shipping").count() == 0
    reward = page.locator("li.reward").filter(has=page.get_by_role("heading", name="Free shipping"))
    await reward.get_by_role("button", name="Redeem").click()
    dialog = page.get_by_role("dialog")
    assert await dialog.get_by_role("heading").inner_text() == "Redeem Free shipping for 300 points?"
    await dialog.get_by_role("button", name="Yes, redeem").click()
    coupon = page.locator("#coupons li.coupon.active")
    await coupon.wait_for()
    assert await page.locator("#points").inner_text() == f"{100 + awarded - 300:,}"
    code = await coupon.locator(".coupon-code").inner_text()
    qr = coupon.get_by_role("img", name=f"QR code of coupon {code}")
    assert await drawn(qr)

    await page.evaluate("() => { window.stayed = true; }")  # gone if the page reloads
    assert wallet_server.use_coupon(code, order()) == "USED"
    used = page.locator("#coupons li.coupon.used")
    await used.wait_for(timeout=2000)  # live: no reload, no navigation
    assert await used.locator(".state").inner_text() == "Used"
    assert await used.locator(".coupon-code").inner_text() == code
    assert await page.locator("#coupons li.coupon.active").count() == 0
    assert await page.evaluate("() => window.stayed") is True
    assert [url for url in addresses if code in url or number in url] == []  # nor in logs and history
    assert any(url.endswith("/wallet/code/qr.svg") for url in addresses)


async def test_choosing_a_charity_and_donating_shows_the_donation_and_the_lower_balance(context, wallet_server):
    page = await context.new_page()
    await sign_up(page, "charity@example.com")
    await nav(page, "Charity").click()
    form = page.locator("#choose-charity")
    await form.wait_for()
    first = form.locator("input[type=radio]").nth(1)
    await first.check()
    charity = await form.locator("label").nth(1).locator("strong").inner_text()
    await page.get_by_label("Share of every award given automatically (%)").fill("10")
    await form.get_by_role("button", name="Save").click()
    await form.get_by_text("Saved.").wait_for()

    await page.get_by_label("Points to donate").fill("40")
    await page.get_by_role("button", name="Donate").click()
    await page.locator("#donate p[role=status]").filter(has_text="Thank you: 40 points donated.").wait_for()
    assert await page.locator("#points").inner_text() == "60"
    donation = page.locator("#donations li").first
    assert await donation.locator(".what p").first.inner_text() == charity
    assert await donation.locator(".amount").inner_text() == "40 · EUR 0.40"
    await page.reload()
    await page.locator("#choose-charity").wait_for()
    assert await page.locator("#choose-charity input[type=radio]").nth(1).is_checked()
    assert await page.get_by_label("Share of every award given automatically (%)").input_value() == "10"


async def test_copying_the_referral_link_puts_the_link_on_the_clipboard(context, wallet_server):
    page = await context.new_page()
    await sign_up(page, "referrer@example.com")
    await nav(page, "Invite").click()
    link = await page.get_by_label("Your link").input_value()
    assert "/r/" in link
    await page.get_by_role("button", name="Copy link").click()
    await page.get_by_text("Link copied.").wait_for()
    assert await page.evaluate("() => navigator.clipboard.readText()") == link
    assert await drawn(page.get_by_role("img", name="QR code of your invitation link"))


async def test_switching_to_dutch_shows_dutch_texts_and_amounts_written_1_234_50(context, wallet_server):
    page = await context.new_page()
    await sign_up(page, "dutch@example.com")
    number = await member_number(page)
    wallet_server.purchase(number, "1234.50", order(), days_ago=20)
    await page.get_by_label("Language").select_option("nl")
    await page.get_by_role("heading", name="Ledenpas").wait_for()
    await nav(page, "Geschiedenis").click()
    entry = page.locator("#history li").first
    await entry.wait_for()
    assert (await entry.locator(".description").inner_text()).startswith("Aankoop van EUR 1.234,50")
    await nav(page, "Niveau").click()
    await page.get_by_role("heading", name="Je niveau").wait_for()
    assert await page.get_by_text("Deze periode: EUR 1.234,50").is_visible()
    await page.reload()
    await page.get_by_role("heading", name="Je niveau").wait_for()  # the member's locale is now nl
    assert await page.get_by_role("link", name="Uitloggen").count() + await page.get_by_role(
        "button", name="Uitloggen").count() == 1


async def test_the_page_keeps_working_after_the_access_token_expires(context, wallet_server):
    page = await context.new_page()
    await sign_up(page, "expiry@example.com")
    number = await member_number(page)
    await nav(page, "Wallet").click()
    await page.locator("#latest").wait_for()
    await asyncio.sleep(TOKEN_TTL_SECONDS + 3)  # the first access token is past its expiry
    awarded = wallet_server.purchase(number, "30.00", order(), days_ago=20)
    await page.locator("#points").filter(has_text=str(100 + awarded)).wait_for(timeout=4000)
    await nav(page, "Rewards").click()
    await page.get_by_role("heading", name="Your coupons").wait_for()
    assert await page.locator(".error").count() == 0


async def test_signing_out_clears_the_refresh_cookie_and_a_reload_asks_to_sign_in(context, wallet_server):
    page = await context.new_page()
    await sign_up(page, "leaver@example.com")
    assert [c["name"] for c in await context.cookies() if c["name"] == "wallet_refresh"] == ["wallet_refresh"]
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Sign in").wait_for()
    assert [c["name"] for c in await context.cookies()] == ["wallet_csrf"]
    await page.goto("/wallet/rewards")
    await page.get_by_role("heading", name="Sign in").wait_for()
    assert page.url.endswith("/wallet/sign-in?next=%2Fwallet%2Frewards")
    await page.get_by_label("Email").fill("leaver@example.com")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Your coupons").wait_for()  # back where the member was going


SCREENS = {
    "sign-in": ("/wallet/sign-in", "Sign in"), "sign-up": ("/wallet/sign-up", "Join"),
    "forgot-password": ("/wallet/forgot-password", "Reset your password"),
    "reset-password": ("/wallet/reset-password?token=et_x", "Choose a new password"),
}
MEMBER_SCREENS = {
    "wallet": ("/wallet", "Your wallet"), "card": ("/wallet/card", "Member card"), "tier": ("/wallet/tier", "Your tier"),
    "history": ("/wallet/history", "History"), "rewards": ("/wallet/rewards", "Rewards"),
    "referrals": ("/wallet/referrals", "Invite friends"), "charity": ("/wallet/charity", "Charity"),
    "membership": ("/wallet/membership", "Membership"), "passes": ("/wallet/passes", "Passes"),
    "profile": ("/wallet/profile", "Profile"),
    "verify-email": ("/wallet/verify-email?token=et_unknown", "Confirm your email"),
}


async def check_screen(page, name: str, path: str, heading: str, folder: Path) -> None:
    await page.goto(path)
    await page.get_by_role("heading", name=heading, exact=True).first.wait_for()
    await page.wait_for_load_state("networkidle")
    violations = await axe_violations(page)
    assert violations == [], f"{name}: {violations}"
    assert await overflowing(page) == [], name
    await page.screenshot(path=str(folder / f"wallet-page-{name}.png"), full_page=True)


async def test_every_screen_has_no_axe_violations_and_fits_a_360_px_phone(chromium, wallet_server, tmp_path):
    folder = tmp_path
    ctx = await chromium.new_context(base_url=wallet_server.url, viewport={"width": 360, "height": 740})
    try:
        page = await ctx.new_page()
        for name, (path, heading) in SCREENS.items():
            await check_screen(page, name, path, heading, folder)
        await sign_up(page, "screens@example.com", name="Sam Screens")
        number = await member_number(page)
        wallet_server.purchase(number, "612.40", order(), days_ago=20)
        wallet_server.purchase(number, "45.00", order())
        for name, (path, heading) in MEMBER_SCREENS.items():
            await check_screen(page, name, path, heading, folder)
        await page.goto("/wallet/rewards")
        await page.locator("li.reward").filter(has_text="Free shipping").get_by_role("button", name="Redeem").click()
        assert await axe_violations(page) == []  # the confirmation dialog
        await page.get_by_role("button", name="Yes, redeem").click()
        await page.locator("#coupons li.coupon.active").wait_for()
        await check_screen(page, "rewards", "/wallet/rewards", "Rewards", folder)  # with a coupon
        await check_screen(page, "wallet", "/wallet", "Your wallet", folder)
    finally:
        await ctx.close()
    if SCREENSHOTS:  # the README's pictures
        for name in ("wallet", "rewards"):
            shutil.copyfile(folder / f"wallet-page-{name}.png", Path(SCREENSHOTS) / f"wallet-page-{name}.png")


async def test_the_content_security_policy_blocks_an_injected_inline_script(context, wallet_server):
    page = await context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    await page.goto("/wallet/sign-in")
    await page.get_by_role("heading", name="Sign in").wait_for()
    await page.evaluate("""() => {
      window.injected = false;
      const s = document.createElement('script');
      s.textContent = 'window.injected = true';
      document.body.append(s);
      const i = document.createElement('img');
      i.setAttribute('src', 'x');
      i.setAttribute('onerror', 'window.injected = true');
      document.body.append(i);
    }""")
    await page.wait_for_timeout(300)
    assert await page.evaluate("() => window.injected") is False
    assert len(refused) >= 1


async def test_a_display_name_with_html_shows_as_text(context, wallet_server):
    page = await context.new_page()
    name = '<img src=x onerror="window.owned=1"><b>Bold</b>'
    await sign_up(page, "html@example.com", name=name)
    hello = page.locator(".hello")
    assert await hello.inner_text() == f"Hello, {name}"
    assert await hello.locator("img, b").count() == 0
    assert await page.evaluate("() => window.owned") is None


async def test_the_links_of_the_emails_open_their_screens(context, wallet_server):
    page = await context.new_page()
    await sign_up(page, "links@example.com")
    for path, heading in (("/wallet/tier", "Your tier"), ("/wallet/rewards", "Rewards"), ("/wallet/charity", "Charity"),
                          ("/wallet/referrals", "Invite friends"), ("/wallet/membership", "Membership"),
                          ("/wallet/history", "History"), ("/wallet", "Your wallet")):
        await page.goto(path)
        await page.get_by_role("heading", name=heading, exact=True).wait_for()
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Sign in").wait_for()
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.get_by_label("Email").fill("links@example.com")
    await page.get_by_role("button", name="Send me a link").click()
    await page.get_by_text("If the address has an account, a link is on its way.").wait_for()
    link = wallet_server.link_in_mail("links@example.com", "/wallet/reset-password")
    await page.goto(link)
    await page.get_by_label("New password").fill("a brand new secret")
    await page.get_by_role("button", name="Save").click()
    await page.get_by_text("Your password is changed. Sign in with it.").wait_for()
    await page.goto("/wallet/sign-in")
    await page.get_by_label("Email").fill("links@example.com")
    await page.get_by_label("Password").fill("a brand new secret")
    await page.get_by_role("button", name="Sign in").click()
    await page.locator("#points").wait_for()


async def test_a_pass_bought_on_the_page_shows_active_with_its_visits_once_the_payment_is_recorded(
        context, wallet_server):
    page = await context.new_page()
    await sign_up(page, "passes@example.com")
    await page.get_by_role("navigation").get_by_role("link", name="Passes").click()
    await page.get_by_role("heading", name="Passes", exact=True).wait_for()
    await page.get_by_text("You hold no passes.").wait_for()
    offer = page.locator("#pass-products li").filter(has=page.get_by_role("heading", name="Climbing 5 + 1"))
    await offer.get_by_role("button", name="Buy for EUR 60.00").click()
    held = page.locator("#passes li.pass")
    await held.first.wait_for()
    assert await held.count() == 1
    assert await held.locator(".state").inner_text() == "Waiting for payment"
    assert await held.get_by_text("It starts once the payment is in.").is_visible()
    assert await axe_violations(page) == []

    await page.evaluate("() => { window.stayed = true; }")
    pass_id = await held.get_attribute("data-id")
    assert wallet_server.pay_for_pass(pass_id, "pi_wallet_1", "60.00") == "ACTIVE"
    active = page.locator("#passes li.pass.active")
    await active.wait_for(timeout=2000)  # live, without a reload
    assert await active.locator(".state").inner_text() == "Active"
    assert await active.locator(".visits").inner_text() == "6 visits left"  # 5 paid + 1 bonus
    assert await active.get_by_text("Valid until").count() == 1
    assert await page.evaluate("() => window.stayed") is True


async def test_the_first_screen_weighs_under_100_kb(chromium, wallet_server):
    ctx = await chromium.new_context(base_url=wallet_server.url)
    try:
        page = await ctx.new_page()
        sizes: dict[str, int] = {}

        async def count(response) -> None:
            body = await response.body()
            sizes[response.url] = len(body) + sum(len(k) + len(v) + 4 for k, v in (await response.all_headers()).items())

        page.on("response", lambda response: asyncio.ensure_future(count(response)))
        await page.goto("/wallet")
        await page.get_by_role("heading", name="Sign in").wait_for()
        await page.wait_for_load_state("networkidle")
        await page.wait_for_timeout(200)
        total = sum(sizes.values())
        print(f"\nfirst screen: {len(sizes)} responses, {total} bytes")
        assert total < 100_000, sizes
    finally:
        await ctx.close()


PASSES = [
    {"id": "UGFzczox", "status": "ACTIVE", "visitsUsed": 3, "visitsTotal": 10, "validFrom": "2026-11-01T00:00:00+00:00",
     "validUntil": None, "creditBalance": None, "product": {"name": "Coffee card", "kind": "PUNCH_CARD"}},
    {"id": "UGFzczoy", "status": "ACTIVE", "visitsUsed": 4, "visitsTotal": 12, "validFrom": "2026-11-01T00:00:00+00:00",
     "validUntil": "2027-05-01T00:00:00+00:00", "creditBalance": None, "product": {"name": "Ten swims", "kind": "VISIT_PACK"}},
    {"id": "UGFzczoz", "status": "ACTIVE", "visitsUsed": 0, "visitsTotal": None, "validFrom": "2026-11-01T00:00:00+00:00",
     "validUntil": None, "creditBalance": {"formatted": "EUR 1,234.50"}, "product": {"name": "Gift pass", "kind": "CREDIT_PASS"}},
]


async def test_the_passes_screen_draws_the_contracts_passes_when_the_api_has_them(context, wallet_server):
    """Member.passes as /work/shared's contract shapes it, answered for the API that lacks it yet."""
    page = await context.new_page()

    async def answer(route) -> None:
        if "passes" in (route.request.post_data or ""):
            await route.fulfill(json={"data": {"me": {"passes": PASSES}, "program": {"passProducts": []}}})
        else:
            await route.continue_()

    await page.route("**/graphql", answer)
    await sign_up(page, "holder@example.com")
    await nav(page, "Passes").click()
    await page.get_by_role("heading", name="Passes").wait_for()
    card = page.locator("li.pass").nth(0)
    assert await card.get_by_role("list", name="3 of 10 stamps").locator("li").count() == 10
    assert await card.locator("li.stamp.done").count() == 3
    assert await page.locator("li.pass").nth(1).get_by_text("8 visits left").is_visible()
    assert await page.locator("li.pass").nth(1).get_by_text("Valid until 1 May 2027").is_visible()
    assert await page.locator("li.pass").nth(2).get_by_text("Credit left: EUR 1,234.50").is_visible()
    assert await axe_violations(page) == []


async def test_the_page_works_from_another_origin_of_the_same_site_listed_in_cors_origins(chromium, wallet_server,
                                                                                            tmp_path):
    """wallet.brand.localhost serves an exported copy; the API is api.brand.localhost: same site, other origin."""
    folder = export_page(tmp_path, wallet_server.api_url, title="Northwind Rewards")
    async with page_host(folder, wallet_server.page_port):
        ctx = await chromium.new_context(base_url=wallet_server.page_origin, locale="en-GB")
        try:
            page = await ctx.new_page()
            calls: list[str] = []
            page.on("request", lambda request: calls.append(request.url) if "/graphql" in request.url else None)
            await sign_up(page, "elsewhere@example.com")
            assert await points_on_screen(page) == "100"
            number = await member_number(page)
            assert await drawn(page.get_by_role("img", name="QR code of your member number"))
            await nav(page, "Wallet").click()
            await page.locator("#latest").wait_for()
            await page.wait_for_timeout(300)  # the subscription is open, on the API's origin
            awarded = wallet_server.purchase(number, "25.00", order(), days_ago=20)
            await page.locator("#points").filter(has_text=str(100 + awarded)).wait_for(timeout=2000)

            await page.reload()  # the session cookie of the API's host travels from the page's origin
            await page.locator("#points").filter(has_text=str(100 + awarded)).wait_for()
            assert page.url == f"{wallet_server.page_origin}/wallet"
            cookies = {(c["domain"], c["name"]): c for c in await ctx.cookies()}
            refresh = cookies[(f"api.{SITE}", "wallet_refresh")]
            assert (refresh["sameSite"], refresh["httpOnly"], refresh["path"]) == ("Strict", True, "/wallet/session")
            assert (f"wallet.{SITE}", "wallet_refresh") not in cookies
            assert calls and all(url.startswith(wallet_server.api_url) for url in calls)
            assert await axe_violations(page) == []

            await page.get_by_role("button", name="Sign out").click()
            await page.get_by_role("heading", name="Sign in").wait_for()
            assert [name for _, name in cookies if name == "wallet_refresh"] == ["wallet_refresh"]
            assert "wallet_refresh" not in [c["name"] for c in await ctx.cookies()]
        finally:
            await ctx.close()


SHOWN = """async () => (await (await navigator.serviceWorker.getRegistration('/wallet/')).getNotifications())
  .map(n => ({ title: n.title, body: n.body, link: n.data.link, tag: n.tag }))"""
# The worker's own notificationclick listener, given the notification it showed (a script's
# event: its waitUntil refuses, after the listener has started its work).
CLICK = """async (title) => {
  const n = (await self.registration.getNotifications()).find((x) => x.title === title);
  self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }));
}"""


async def test_a_push_shows_its_notification_and_a_click_opens_the_screen_it_links_to(chromium, wallet_server):
    url = wallet_server.url
    ctx = await chromium.new_context(base_url=url, locale="en-GB")
    await ctx.grant_permissions(["notifications"], origin=url)
    try:
        page = await ctx.new_page()
        await sign_up(page, "push@example.com")
        cdp = await ctx.new_cdp_session(page)
        registrations: list[dict] = []
        cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
        await cdp.send("ServiceWorker.enable")
        async with ctx.expect_event("serviceworker") as started:  # as the profile's "Turn on" registers it
            await page.evaluate("() => navigator.serviceWorker.register('/wallet/sw.js', { scope: '/wallet/' })")
        worker = await started.value
        await page.evaluate("() => navigator.serviceWorker.ready")
        for _ in range(50):
            if any(r["scopeURL"] == f"{url}/wallet/" for r in registrations):
                break
            await asyncio.sleep(0.1)
        registration = next(r["registrationId"] for r in registrations if r["scopeURL"] == f"{url}/wallet/")

        pushes = [("Your reward is ready", link(events.REWARD_ISSUED, url), "n-1", "Rewards", "/wallet/rewards"),
                  ("Your history", f"{url}/wallet/history", "n-2", "History", "/wallet/history")]
        for title, target, tag, heading, path in pushes:
            message = {"title": title, "body": "Free shipping", "data": {"link": target, "notification_id": tag}}
            await cdp.send("ServiceWorker.deliverPushMessage",
                           {"origin": url, "registrationId": registration, "data": json.dumps(message)})
            shown: list[dict] = []
            for _ in range(100):  # the worker shows it once it has handled the push
                shown = [n for n in await page.evaluate(SHOWN) if n["tag"] == tag]
                if shown:
                    break
                await asyncio.sleep(0.1)
            assert shown == [{"title": title, "body": "Free shipping", "link": target, "tag": tag}]

            await worker.evaluate(CLICK, title)
            await page.get_by_role("heading", name=heading, exact=True).wait_for()
            assert page.url == f"{url}{path}"
            assert [n["tag"] for n in await page.evaluate(SHOWN)].count(tag) == 0  # the click closed it
    finally:
        await ctx.close()
