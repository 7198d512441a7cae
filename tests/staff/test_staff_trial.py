"""The brand's staff at work with an admin key on the demo program, end to end: find a member
by the start of their email, give them 250 points with a reason, block and unblock them, read
the liability report and the same figures as CSV (the command in this process), register a
webhook and receive a purchase's event at a local receiver, export and then erase a member."""
from __future__ import annotations

import csv
import io
import json
import time
from datetime import timedelta

from loyalty import clock
from loyalty.gdpr.models import Erasure
from loyalty.ledger.verify import verify_ledger
from loyalty.members.models import Member
from loyalty.outbox import OutboxEvent
from loyalty.webhooks import signing
from tests.members import member_pk
from tests.staff import ADJUST_POINTS
from tests.staff.test_blocks import BLOCK, UNBLOCK
from tests.support.cli import run_cli
from tests.support.gql import gql
from tests.support.shop import Shop, api_key, join
from tests.webhooks.conftest import hook_settings, receiver, staff_client, worker  # noqa: F401 - fixtures

FIND = "query($s: String) { members(search: $s) { edges { node { memberNumber email displayName } } } }"
WALLET = "query($n: String!) { memberByNumber(memberNumber: $n) { wallet { points pendingPoints } } }"
REPORT = """query($from: DateTime!, $to: DateTime!) { report(from: $from, to: $to) {
  pointsLiability pointsLiabilityValue { amount currencyCode } pointsPosted pointsPending
  creditLiability { amount currencyCode } pointsAdjusted } }"""
CREATE = """mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { events } secret errors { code } } }"""
EXPORT = "query($n: String!) { exportMemberData(memberNumber: $n) }"
ERASE = "mutation($input: EraseMemberInput!) { eraseMember(input: $input) { erasedAt errors { code } } }"


async def test_the_brands_staff_run_the_program_with_an_admin_key(staff_client, receiver, worker,  # noqa: F811
                                                                    hook_settings):  # noqa: F811
    client = staff_client
    started = clock.now() - timedelta(minutes=1)
    ann = await join(client, "ann.lindqvist@example.com", displayName="Ann Lindqvist")
    await join(client, "anna.berg@example.com", displayName="Anna Berg")
    admin = await api_key("admin", name="head office")

    async def call(query: str, **variables: object) -> dict:
        body = await gql(client, query, variables, token=admin)
        assert "errors" not in body, body
        return body["data"]

    # Find her by the start of her email: "ann." is hers only, "ann" is both.
    found = (await call(FIND, s="ann."))["members"]["edges"]
    assert [e["node"] for e in found] == [
        {"memberNumber": ann.number, "email": "ann.lindqvist@example.com", "displayName": "Ann Lindqvist"}]
    assert len((await call(FIND, s="ann"))["members"]["edges"]) == 2
    number = found[0]["node"]["memberNumber"]
    before = (await call(WALLET, n=number))["memberByNumber"]["wallet"]
    assert before == {"points": 100, "pendingPoints": 0}  # the SIGN_UP points

    # 250 points with a reason, posted at once.
    given = (await call(ADJUST_POINTS, input={"memberNumber": number, "points": 250,
                                               "reason": "Sorry for the late parcel", "idempotencyKey": "t-1"}))
    assert given["adjustPoints"]["errors"] == []
    assert given["adjustPoints"]["wallet"]["points"] == 350
    assert (await call(WALLET, n=number))["memberByNumber"]["wallet"] == {"points": 350, "pendingPoints": 0}

    # Blocked for review, then cleared.
    blocked = (await call(BLOCK, input={"memberNumber": number, "reason": "Fraud review"}))["blockMember"]
    assert blocked["errors"] == [] and blocked["member"]["blockedAt"] is not None
    unblocked = (await call(UNBLOCK, input={"memberNumber": number, "reason": "Cleared"}))["unblockMember"]
    assert unblocked == {"member": {"memberNumber": number, "blockedAt": None}, "errors": []}

    # The liability report, and the same figures from `loyalty report --csv`.
    end = clock.now() + timedelta(minutes=1)
    report = (await call(REPORT, **{"from": started.isoformat(), "to": end.isoformat()}))["report"]
    # Both members' 100 SIGN_UP points and Ann's 250, at EUR 0.01 a point.
    assert (report["pointsLiability"], report["pointsPosted"], report["pointsPending"]) == (450, 450, 0)
    assert report["pointsLiabilityValue"] == {"amount": "4.50", "currencyCode": "EUR"}
    assert report["pointsAdjusted"] == 250
    assert report["creditLiability"] == {"amount": "0.00", "currencyCode": "EUR"}
    done = await run_cli(hook_settings, "report", "--from", started.isoformat(), "--to", end.isoformat(), "--csv")
    assert (done.returncode, done.stderr) == (0, "")
    rows = {(r[0], r[1]): r[2:] for r in csv.reader(io.StringIO(done.stdout))}
    assert rows[("points_liability", "")] == ["450", ""]
    assert rows[("points_liability_value", "")] == ["4.50", "EUR"]
    assert rows[("points_posted", "")] == ["450", ""]
    assert rows[("points_pending", "")] == ["0", ""]
    assert rows[("credit_liability", "")] == ["0.00", "EUR"]
    assert rows[("points_adjusted", "")] == ["250", ""]

    # A webhook for purchases' points, and a purchase delivered to the local receiver, signed.
    await OutboxEvent.all().update(delivered_at=clock.now())  # what happened so far is done
    hook = (await call(CREATE, input={"url": receiver.url, "events": ["points.earned"]}))["createWebhook"]
    assert hook["errors"] == [] and hook["webhook"]["events"] == ["points.earned"]
    shop = await Shop.open(client)
    assert (await shop.purchase(ann, orderId="TRIAL-1", amount="40.00"))["errors"] == []
    await worker(lambda: len(receiver.received) >= 1)
    [delivered] = receiver.received
    assert signing.verify(hook["secret"], delivered.headers["loyalty-signature"], delivered.body, int(time.time()))
    body = json.loads(delivered.body)
    [event] = [e for e in await OutboxEvent.filter(topic="points.earned") if e.payload.get("order") == "TRIAL-1"]
    assert (body["type"], body["id"], body["member_number"], body["data"]["order"]) == (
        "points.earned", str(event.id), number, "TRIAL-1")
    assert body["data"]["points"] == event.payload["points"] > 0

    # Export, then erase: the export holds her data; after erasure she is gone from the search.
    document = (await call(EXPORT, n=number))["exportMemberData"]
    assert (document["member"]["email"], document["member"]["member_number"]) == ("ann.lindqvist@example.com", number)
    assert [a["reason"] for a in document["adjustments"]] == ["Sorry for the late parcel"]
    assert [p["order_id"] for p in document["purchases"]] == ["TRIAL-1"]
    erased = (await call(ERASE, input={"memberNumber": number, "idempotencyKey": "erase-ann"}))["eraseMember"]
    erasure = await Erasure.get(member_id=member_pk(ann.id))
    assert erased == {"erasedAt": erasure.erased_at.isoformat(), "errors": []}
    assert erasure.points_forfeited == 350  # her posted points; the purchase's are still pending
    row = await Member.get(id=member_pk(ann.id))
    assert "lindqvist" not in (row.email or "") + row.display_name.lower()
    assert (await call(FIND, s="ann."))["members"]["edges"] == []
    assert (await call(EXPORT, n=number))["exportMemberData"] is None
    assert [str(v) for v in await verify_ledger()] == []
