import asyncio, json
from datetime import datetime, timezone, timedelta
from loyalty import clock
from tests.support.shop import Shop, join, me, iso, errors_of, summary

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)

async def test_probe_offsets(client):
    with clock.frozen_at(T0):
        shop, ann = await Shop.open(client), await join(client)
        p1 = await shop.purchase(ann, orderId="O-1", occurredAt="2026-03-10T10:00:00+00:00")
        p2 = await shop.purchase(ann, orderId="O-1", occurredAt="2026-03-10T11:00:00+01:00")
        print("offset replay", errors_of(p2))
        p3 = await shop.purchase(ann, orderId="O-2", amount="0.50", pointsToSpend=100)
        print("overpay", p3)
        print(await shop.wallet(ann))

async def test_probe_concurrent(client):
    with clock.frozen_at(T0):
        shop, ann = await Shop.open(client), await join(client)
        rs = await asyncio.gather(*[shop.purchase(ann, orderId="O-1") for _ in range(5)])
        print([ (r["purchase"] or {}).get("id") for r in rs], [r["errors"] for r in rs])
        rs = await asyncio.gather(*[shop.refund("O-1", "R-1", "10.00") for _ in range(5)])
        print([ (r["purchase"] or {}).get("pointsTakenBack") for r in rs], [r["errors"] for r in rs])
        rs = await asyncio.gather(*[shop.refund("O-1", f"R-{i+2}", "50.00") for i in range(3)])
        print([ (r["purchase"] or {}).get("pointsTakenBack") for r in rs], [r["errors"] for r in rs])
        rs = await asyncio.gather(*[shop.action(ann, "PRODUCT_REVIEW", f"rv-{i}") for i in range(8)])
        print([ (r["pointsAwarded"], r["limitReached"]) for r in rs], [r["errors"] for r in rs])
        print(await shop.wallet(ann))
