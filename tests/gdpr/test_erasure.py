"""Erasing a member: nothing personal left in any table, the ledger balanced, the number
retired, the tokens refused at once, nothing sent afterwards, and a repeat changes nothing."""
from __future__ import annotations

from loyalty import clock
from loyalty.gdpr.models import Erasure
from loyalty.ledger.models import Account, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.members.models import Member
from loyalty.notifications import fanout
from loyalty.outbox import OutboxEvent
from loyalty.wallet import get_wallet
from tests.gdpr.helpers import (
    EMAIL, ERASE, EXPORT, NAME, PERSONAL, dump, holding, zelda,
)
from tests.members import member_pk
from tests.support.gql import PASSWORD, gql
from tests.support.shop import Shop, api_key, error, errors_of, join

ME = "query { me { id } }"
DELETE = "mutation($input: DeleteAccountInput!) { deleteAccount(input: $input) { erasedAt errors { code field } } }"


async def _scenario(client):
    shop = await Shop.open(client, "purchases:write", "members:read")
    bob = await join(client, "bob@example.com", displayName="Bob")
    otto = await join(client, "otto@example.com", displayName="Otto")
    assert (await shop.purchase(otto, orderId="O-1"))["errors"] == []
    joined = await zelda(client, shop, bob)
    return shop, bob, otto, joined


async def test_after_erasure_no_table_holds_the_members_personal_data_and_the_ledger_balances(client):
    shop, bob, otto, joined = await _scenario(client)
    pk = member_pk(joined.id)
    before = await dump()
    found = {table for table, _, _ in holding(before, PERSONAL)}
    # The scan is worth something: before, the data sits in all of these.
    assert found >= {"members", "devices", "account_tokens", "outbox_events"}
    assert await OutboxEvent.filter(member_id=member_pk(bob.id), topic="referral.completed").count() == 1
    wallet = await get_wallet(pk, clock.now())
    assert (wallet.points, wallet.pending_points, wallet.credit_minor) == (900, 80, 1250)
    staff = await api_key("staff:write", name="privacy desk")
    otto_export = (await gql(client, EXPORT, {"n": otto.number}, token=await api_key("members:read")))["data"]

    body = await gql(client, ERASE, {"input": {"memberNumber": joined.number, "idempotencyKey": "gdpr-1"}}, token=staff)

    payload = body["data"]["eraseMember"]
    assert payload["errors"] == []
    erasure = await Erasure.get(member_id=pk)
    assert (erasure.actor, erasure.points_forfeited, erasure.credit_forfeited_minor) == ("api_key:privacy desk", 900, 1250)
    assert payload["erasedAt"] == erasure.erased_at.isoformat()
    assert holding(await dump(), PERSONAL) == []
    assert await verify_ledger() == []
    wallet = await get_wallet(pk, clock.now())
    assert (wallet.points, wallet.pending_points, wallet.credit_minor, wallet.credit_pending_minor) == (0, 0, 0, 0)
    forfeits = await Transfer.filter(member_id=pk, code="FORFEIT").order_by("asset").values_list("asset", "amount")
    assert forfeits == [("CREDIT", 1250), ("POINTS", 900)]
    expiry = {a.asset: a.posted for a in await Account.filter(kind="program", code="expiry")}
    assert expiry == {"POINTS": 900, "CREDIT": 1250, "PASS": 0}  # no pass credit held
    # The rows stay, linked to the anonymous member; the number is kept and finds nobody.
    assert await Transfer.filter(member_id=pk).count() > 0
    member = await Member.get(id=pk)
    assert (member.member_number, member.display_name, member.birthday) == (joined.number, "Erased member", None)
    found = await gql(client, "query($n: String!) { memberByNumber(memberNumber: $n) { id } }",
                      {"n": joined.number}, token=await api_key("members:read"))
    assert found == {"data": {"memberByNumber": None}}
    # Another member's export is untouched.
    again = (await gql(client, EXPORT, {"n": otto.number}, token=await api_key("members:read")))["data"]
    for document in (otto_export, again):
        document["exportMemberData"].pop("exported_at")
    assert again == otto_export


async def test_the_members_access_tokens_are_refused_from_the_erasure_on(client):
    shop, bob, otto, joined = await _scenario(client)
    assert (await gql(client, ME, token=joined.token))["data"]["me"] == {"id": joined.id}
    staff = await api_key("admin")
    await gql(client, ERASE, {"input": {"memberNumber": joined.number, "idempotencyKey": "gdpr-2"}}, token=staff)
    body = await gql(client, ME, token=joined.token, expect_errors=True)
    assert body["data"] == {"me": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert (await gql(client, ME, token=bob.token))["data"]["me"] == {"id": bob.id}


async def test_a_second_erasure_answers_the_first_time_and_changes_nothing(client):
    shop, bob, otto, joined = await _scenario(client)
    staff = await api_key("admin")
    first = await gql(client, ERASE, {"input": {"memberNumber": joined.number, "idempotencyKey": "gdpr-3"}}, token=staff)
    before = await dump()
    with clock.frozen_at(clock.now().replace(year=clock.now().year + 1)):
        for key in ("gdpr-3", "gdpr-other-key"):
            again = await gql(client, ERASE, {"input": {"memberNumber": joined.number, "idempotencyKey": key}},
                              token=staff)
            assert again == first
    assert await dump() == before


async def test_the_same_key_for_another_member_is_a_conflict_and_changes_nothing(client):
    shop, bob, otto, joined = await _scenario(client)
    staff = await api_key("admin")
    await gql(client, ERASE, {"input": {"memberNumber": joined.number, "idempotencyKey": "gdpr-4"}}, token=staff)
    before = await dump()
    body = await gql(client, ERASE, {"input": {"memberNumber": otto.number, "idempotencyKey": "gdpr-4"}}, token=staff)
    assert errors_of(body["data"]["eraseMember"]) == error("IDEMPOTENCY_CONFLICT", "idempotencyKey")
    assert await dump() == before


async def test_an_unknown_number_is_not_found_and_changes_nothing(client):
    await join(client, "ann@example.com")
    staff = await api_key("admin")
    before = await dump()
    for number in ("1234 5678 9012", "not a number"):
        body = await gql(client, ERASE, {"input": {"memberNumber": number, "idempotencyKey": "gdpr-5"}}, token=staff)
        assert errors_of(body["data"]["eraseMember"]) == error("NOT_FOUND", "memberNumber")
    assert await dump() == before


async def test_nothing_is_sent_to_an_erased_member(client):
    shop, bob, otto, joined = await _scenario(client)
    pk = member_pk(joined.id)
    await gql(client, ERASE, {"input": {"memberNumber": joined.number, "idempotencyKey": "gdpr-6"}},
              token=await api_key("admin"))
    planned = await fanout.plan("6f1c5d3e-0000-4000-8000-000000000001", "points.earned", pk, {"points": 5},
                                {"email", "fcm", "apns", "webpush"})
    assert planned == []
    assert await Member.filter(id=pk, email=EMAIL).count() == 0


async def test_a_member_deletes_their_account_with_their_password(client):
    shop, bob, otto, joined = await _scenario(client)
    pk = member_pk(joined.id)
    before = await dump()
    wrong = await gql(client, DELETE, {"input": {"password": "not my password"}}, token=joined.token)
    assert errors_of(wrong["data"]["deleteAccount"]) == error("INVALID_CREDENTIALS", "password")
    assert await dump() == before
    body = await gql(client, DELETE, {"input": {"password": PASSWORD}}, token=joined.token)
    erasure = await Erasure.get(member_id=pk)
    assert body["data"]["deleteAccount"] == {"erasedAt": erasure.erased_at.isoformat(), "errors": []}
    assert erasure.actor == "member"
    assert holding(await dump(), (NAME, EMAIL)) == []
    assert await verify_ledger() == []
    refused = await gql(client, DELETE, {"input": {"password": PASSWORD}}, token=joined.token, expect_errors=True)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["UNAUTHENTICATED"]


async def test_an_erased_member_earns_nothing_more(client):
    shop, bob, otto, joined = await _scenario(client)
    await gql(client, ERASE, {"input": {"memberNumber": joined.number, "idempotencyKey": "gdpr-7"}},
              token=await api_key("admin"))
    before = await dump()
    by_id = await shop.purchase(joined, orderId="Z-9")
    by_number = await shop.purchase(None, memberNumber=joined.number, orderId="Z-10")
    action = await shop.action(joined, "PRODUCT_REVIEW", "review-z")
    assert errors_of(by_id) == error("NOT_FOUND", "memberId")
    assert errors_of(by_number) == error("NOT_FOUND", "memberNumber")
    assert errors_of(action) == error("NOT_FOUND", "memberId")
    assert await dump() == before


async def test_refunds_of_an_erased_members_purchases_keep_the_ledger_consistent(client):
    shop, bob, otto, joined = await _scenario(client)
    await gql(client, ERASE, {"input": {"memberNumber": joined.number, "idempotencyKey": "gdpr-8"}},
              token=await api_key("admin"))
    for order, refund in (("Z-1", "ZR-1"), ("Z-2", "ZR-2")):
        payload = await shop.refund(order, refund, "20.00")
        assert payload["errors"] == [], payload["errors"]
    assert await verify_ledger() == []
    wallet = await get_wallet(member_pk(joined.id), clock.now())
    # What the refunds take back is owed by the anonymous member, whose points were forfeited.
    assert (wallet.points, wallet.pending_points, wallet.credit_minor, wallet.points_owed) == (0, 0, 0, 60)
