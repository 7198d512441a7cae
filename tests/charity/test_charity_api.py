"""Charity over HTTP: a member chooses a charity, donates and sees the total move; a member who
joins choosing a charity brings the program's join donation."""
from __future__ import annotations

from loyalty.charity.models import Donation
from loyalty.ledger.verify import verify_ledger
from schema.relay import to_global_id
from tests.members import member_pk, row_counts
from tests.rewards import grant
from tests.support.gql import SIGN_UP, PASSWORD, gql
from tests.support.shop import error, errors_of, join

CHARITIES = "query { charities { id name totalDonated { amount currencyCode } } }"
CHOOSE = """
mutation($input: ChooseCharityInput!) {
  chooseCharity(input: $input) { member { charity { name } autoDonatePercent } errors { code field message } }
}"""
DONATE = """
mutation($input: DonatePointsInput!) {
  donatePoints(input: $input) {
    donation { points value { amount currencyCode } source charity { name totalDonated { amount } } }
    wallet { points }
    errors { code field message }
  }
}"""
MINE = """
query { me { charity { name } donations(first: 10) { edges { node { points value { amount } source
                                                                 charity { name } } } } } }"""


def charity_id(code: str) -> str:
    return to_global_id("Charity", code)


async def totals(client) -> dict[str, str]:
    rows = (await gql(client, CHARITIES))["data"]["charities"]
    return {row["name"]: row["totalDonated"]["amount"] for row in rows}


async def test_a_member_chooses_a_charity_donates_and_sees_the_total_move(client):
    ann = await join(client)
    await grant(member_pk(ann.id), 1000)
    assert await totals(client) == {
        "Wildlife Trust": "0.00", "Civil Rights Defense Fund": "0.00", "Safe Home Alliance": "0.00"}

    chosen = (await gql(client, CHOOSE, {"input": {"charityId": charity_id("wildlife"), "autoDonatePercent": 10}},
                        token=ann.token))["data"]["chooseCharity"]
    assert chosen == {"member": {"charity": {"name": "Wildlife Trust"}, "autoDonatePercent": 10}, "errors": []}

    donated = (await gql(client, DONATE, {"input": {"points": 450, "idempotencyKey": "d-1"}},
                         token=ann.token))["data"]["donatePoints"]
    assert donated == {
        "donation": {"points": 450, "value": {"amount": "4.50", "currencyCode": "EUR"}, "source": "MEMBER",
                     "charity": {"name": "Wildlife Trust", "totalDonated": {"amount": "4.50"}}},
        "wallet": {"points": 650}, "errors": [],
    }
    assert (await totals(client))["Wildlife Trust"] == "4.50"
    me = (await gql(client, MINE, token=ann.token))["data"]["me"]
    assert me["charity"] == {"name": "Wildlife Trust"}
    assert [e["node"] for e in me["donations"]["edges"]] == [
        {"points": 450, "value": {"amount": "4.50"}, "source": "MEMBER", "charity": {"name": "Wildlife Trust"}}]


async def test_donate_without_a_chosen_charity_is_invalid(client):
    ann = await join(client)
    payload = (await gql(client, DONATE, {"input": {"points": 10, "idempotencyKey": "d-1"}},
                         token=ann.token))["data"]["donatePoints"]
    assert (payload["donation"], errors_of(payload)) == (None, error("INVALID", "charityId"))


async def test_choosing_with_an_id_of_another_type_is_not_found(client):
    ann = await join(client)
    payload = (await gql(client, CHOOSE, {"input": {"charityId": to_global_id("Reward", "wildlife")}},
                         token=ann.token))["data"]["chooseCharity"]
    assert errors_of(payload) == error("NOT_FOUND", "charityId")


async def test_joining_with_a_charity_brings_the_join_donation(client):
    payload = (await gql(client, SIGN_UP, {"input": {
        "email": "ann@example.com", "password": PASSWORD, "displayName": "Ann", "charityId": charity_id("safe-home"),
    }}))["data"]["signUp"]
    assert payload["errors"] == []
    me = (await gql(client, MINE, token=payload["accessToken"]))["data"]["me"]
    assert me["charity"] == {"name": "Safe Home Alliance"}
    assert [e["node"] for e in me["donations"]["edges"]] == [
        {"points": 100, "value": {"amount": "1.00"}, "source": "JOIN", "charity": {"name": "Safe Home Alliance"}}]
    assert (await totals(client))["Safe Home Alliance"] == "1.00"
    assert await verify_ledger() == []


async def test_joining_with_an_unknown_charity_creates_nothing(client):
    before = await row_counts()
    payload = (await gql(client, SIGN_UP, {"input": {
        "email": "ann@example.com", "password": PASSWORD, "displayName": "Ann", "charityId": charity_id("nope"),
    }}))["data"]["signUp"]
    assert (payload["member"], errors_of(payload)) == (None, error("NOT_FOUND", "charityId"))
    assert await row_counts() == before
    assert await Donation.all().count() == 0
