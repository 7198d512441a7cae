"""The export: every datum held about the member, the same for the member and for staff,
nothing of another member's and no secret's digest."""
from __future__ import annotations

import json

from loyalty.members.models import Member
from tests.gdpr.helpers import BIRTHDAY, DEVICE_TOKEN, EMAIL, ERASE, EXPORT, NAME, NEW_EMAIL, zelda
from tests.members import member_pk
from tests.support.gql import gql
from tests.support.shop import Shop, api_key, join

ME_EXPORT = "query { me { export } }"


async def test_the_export_holds_every_datum_about_the_member_and_is_the_same_for_the_member_and_staff(client):
    shop = await Shop.open(client)
    bob = await join(client, "bob@example.com", displayName="Bob")
    joined = await zelda(client, shop, bob)
    pk = member_pk(joined.id)

    mine = (await gql(client, ME_EXPORT, token=joined.token))["data"]["me"]["export"]
    staff = (await gql(client, EXPORT, {"n": joined.spaced_number}, token=await api_key("members:read")))["data"]

    document = staff["exportMemberData"]
    assert {**mine, "exported_at": None} == {**document, "exported_at": None}
    assert (document["format"], document["version"]) == ("loyalty.member-export", 1)
    member = document["member"]
    assert (member["id"], member["member_number"], member["email"], member["display_name"], member["birthday"]) == (
        pk, joined.number, EMAIL, NAME, BIRTHDAY)
    assert "password_hash" not in member
    assert document["wallet"] == {
        "points": 900, "pending_points": 80, "lifetime_points": 200, "points_owed": 0, "credit_minor": 1250,
        "credit_pending_minor": 0, "expiring": document["wallet"]["expiring"], "credit_owed_minor": 0,
        "currency": "EUR",
    }
    assert [p["order_id"] for p in document["purchases"]] == ["Z-1", "Z-2"]
    assert [d["token"] for d in document["devices"]] == [DEVICE_TOKEN]
    assert NEW_EMAIL in [link["email"] for link in document["emailed_links"]]
    assert [r["status"] for r in document["referred_by"]] == ["COMPLETED"]
    assert sorted((t["asset"], t["status"], t["amount"]) for t in document["transfers"]) == [
        ("CREDIT", "posted", 1250), ("POINTS", "pending", 80), ("POINTS", "posted", 100), ("POINTS", "posted", 100),
        ("POINTS", "posted", 700)]
    assert sorted(lot["amount"] for lot in document["lots"]) == [100, 100, 700]
    assert document["sessions"] and document["erasure"] == []
    text = json.dumps(document)
    bob_pk = member_pk(bob.id)
    assert "bob@example.com" not in text and "Bob" not in text
    assert all(r.get("referrer_id") != bob_pk for r in document["referred_by"])
    assert not any(key in text for key in ('"password_hash"', '"token_hash"', '"request_hash"'))


async def test_an_unknown_or_erased_number_exports_nothing(client):
    ann = await join(client, "ann@example.com")
    reader = await api_key("members:read")
    assert (await gql(client, EXPORT, {"n": "1234 5678 9012"}, token=reader))["data"] == {"exportMemberData": None}
    await gql(client, ERASE, {"input": {"memberNumber": ann.number, "idempotencyKey": "x-1"}}, token=await api_key("admin"))
    assert (await gql(client, EXPORT, {"n": ann.number}, token=reader))["data"] == {"exportMemberData": None}
    assert await Member.filter(id=member_pk(ann.id)).count() == 1
