"""Hostile values in every kind of input: each is a clear error naming the field, quickly,
and never a masked internal error."""
from __future__ import annotations

import time
import jwt
import pytest

from loyalty import sql
from loyalty.auth.keys import load_signing_key
from loyalty.members.models import Member
from schema.relay import encode_cursor, from_global_id
from tests.support.gql import SIGN_UP, gql
from tests.support.shop import ME, RECORD_PURCHASE, Shop, join
from tests.support.tiers import hold_tier

REGISTER_DEVICE = """
mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) { ok errors { code field message } } }"""
CHOOSE = """
mutation($input: ChooseBonusDayInput!) { chooseBonusDay(input: $input) { bonusDay errors { code field message } } }"""


def codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def assert_no_internal_error(body: dict) -> None:
    assert "INTERNAL_SERVER_ERROR" not in codes(body), body


async def test_an_amount_of_1e_300000_is_refused_fast(client):
    shop, ann = await Shop.open(client), await join(client)
    started = time.perf_counter()
    payload = await shop.purchase(ann, orderId="o-1", amount="1E+300000")
    assert time.perf_counter() - started < 0.5
    assert payload == {"purchase": None, "errors": [
        {"code": "INVALID", "field": ["input", "amount"], "message": "The amount is too large."},
    ]}


async def test_an_amount_of_1e_999999_is_refused_without_decimal_overflow(client):
    shop, ann = await Shop.open(client), await join(client)
    payload = await shop.purchase(ann, orderId="o-1", amount="1E+999999")
    assert payload["errors"] == [{"code": "INVALID", "field": ["input", "amount"], "message": "The amount is too large."}]


async def test_a_credit_to_spend_of_1e_999999_is_refused(client):
    shop, ann = await Shop.open(client), await join(client)
    payload = await shop.purchase(ann, orderId="o-1", creditToSpend="1E+999999")
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", ["input", "creditToSpend"])]


@pytest.mark.parametrize("amount", ["1" * 65, "12,50", "0x10", "1E+9999999", "", " 1"])
async def test_an_amount_that_is_not_a_decimal_names_the_field(client, amount):
    shop, ann = await Shop.open(client), await join(client)
    body = await gql(client, RECORD_PURCHASE, {"input": {"memberId": ann.id, "orderId": "o-1", "amount": amount,
                                                         "currencyCode": "EUR"}}, token=shop.key, expect_errors=True)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == (
        "Variable '$input' has invalid value at .amount: Decimal values are written as a string such as \"12.50\"."
    )


async def test_a_bonus_day_of_9999_12_31_is_refused(client, monkeypatch):
    ann = await join(client)
    hold_tier(monkeypatch, int(from_global_id(ann.id, "Member")[1]), "gold")
    body = await gql(client, CHOOSE, {"input": {"day": "9999-12-31"}}, token=ann.token, expect_errors=True)
    assert_no_internal_error(body)
    assert [e["message"] for e in body["errors"]] == [
        "Variable '$input' has invalid value at .day: "
        "Date values must fall between the years 1000 and 8999.",
    ]


async def test_a_date_that_is_not_a_date_has_no_python_text(client):
    ann = await join(client)
    body = await gql(client, CHOOSE, {"input": {"day": "2026-02-30"}}, token=ann.token, expect_errors=True)
    assert [e["message"] for e in body["errors"]] == [
        "Variable '$input' has invalid value at .day: "
        "Date values are written YYYY-MM-DD, e.g. 2026-04-30, and must be real dates.",
    ]


async def test_occurred_at_in_year_0001_with_an_offset_is_refused(client):
    shop, ann = await Shop.open(client), await join(client)
    body = await gql(client, RECORD_PURCHASE, {"input": {
        "memberId": ann.id, "orderId": "o-1", "amount": "10.00", "currencyCode": "EUR",
        "occurredAt": "0001-01-01T00:00:00+05:00",
    }}, token=shop.key, expect_errors=True)
    assert [e["message"] for e in body["errors"]] == [
        "Variable '$input' has invalid value at .occurredAt: "
        "DateTime values must fall between the years 1000 and 8999.",
    ]


@pytest.mark.parametrize("text", ["not a time", "2026-04-30T25:00:00+00:00", "2026-04-30T10:00:00+99:00"])
async def test_a_datetime_that_is_not_one_has_no_python_text(client, text):
    shop, ann = await Shop.open(client), await join(client)
    body = await gql(client, RECORD_PURCHASE, {"input": {
        "memberId": ann.id, "orderId": "o-1", "amount": "10.00", "currencyCode": "EUR", "occurredAt": text,
    }}, token=shop.key, expect_errors=True)
    assert [e["message"] for e in body["errors"]] == [
        "Variable '$input' has invalid value at .occurredAt: "
        "DateTime values are written in ISO 8601, e.g. 2026-04-30T14:05:00+02:00.",
    ]


CONTROL = {"extensions": {"code": "BAD_REQUEST"}}


async def test_a_nul_byte_in_an_email_is_refused(client):
    body = await gql(client, SIGN_UP, {"input": {"email": "ann\x00@example.com", "password": "correct horse battery",
                                                 "displayName": "Ann"}}, expect_errors=True)
    assert body == {"data": None, "errors": [
        {"message": "Variable '$input.email' contains control characters.", **CONTROL},
    ]}
    assert await Member.all().count() == 0


async def test_a_nul_byte_in_a_device_token_is_refused(client):
    ann = await join(client)
    body = await gql(client, REGISTER_DEVICE, {"input": {"platform": "IOS", "token": "abc\x00def"}}, token=ann.token,
                     expect_errors=True)
    assert body == {"data": None, "errors": [
        {"message": "Variable '$input.token' contains control characters.", **CONTROL},
    ]}


async def test_a_nul_byte_in_a_sku_is_refused(client):
    shop, ann = await Shop.open(client), await join(client)
    body = await gql(client, RECORD_PURCHASE, {"input": {
        "memberId": ann.id, "orderId": "o-1", "amount": "100.00", "currencyCode": "EUR",
        "items": [{"sku": "ok", "quantity": 1, "amount": "50.00"}, {"sku": "sku\x00", "quantity": 1, "amount": "50.00"}],
    }}, token=shop.key, expect_errors=True)
    assert body == {"data": None, "errors": [
        {"message": "Variable '$input.items[1].sku' contains control characters.", **CONTROL},
    ]}


async def test_a_control_character_in_a_string_literal_is_refused(client):
    shop, ann = await Shop.open(client), await join(client)
    query = 'mutation { recordPurchase(input: {memberId: "%s", orderId: "o\\u0000-1", amount: "1.00", ' \
            'currencyCode: "EUR"}) { errors { code } } }' % ann.id
    body = await gql(client, query, token=shop.key, expect_errors=True)
    assert body == {"data": None, "errors": [
        {"message": "A string value contains control characters.",
         "locations": [{"line": 1, "column": query.index('"o\\u0000') + 1}], **CONTROL},
    ]}


async def test_a_document_sent_again_is_checked_again_with_its_new_variables(client):
    shop, ann = await Shop.open(client), await join(client)
    literal = 'mutation { recordPurchase(input: {memberId: "%s", orderId: "o\\u0001-2", amount: "1.00", ' \
              'currencyCode: "EUR"}) { errors { code } } }' % ann.id
    refusals = [await gql(client, literal, token=shop.key, expect_errors=True) for _ in range(2)]
    assert refusals[0] == refusals[1] == {"data": None, "errors": [
        {"message": "A string value contains control characters.",
         "locations": [{"line": 1, "column": literal.index('"o\\u0001') + 1}], **CONTROL},
    ]}
    answers = []
    for order in ("o-3", "o\x00-4", "o-5"):
        answers.append(await gql(client, RECORD_PURCHASE, {"input": {
            "memberId": ann.id, "orderId": order, "amount": "1.00", "currencyCode": "EUR"}},
            token=shop.key, expect_errors=True))
    assert [a.get("errors") for a in answers] == [
        None, [{"message": "Variable '$input.orderId' contains control characters.", **CONTROL}], None]
    assert await sql.fetch("SELECT order_id FROM purchases ORDER BY order_id") == [
        {"order_id": "o-3"}, {"order_id": "o-5"}]


@pytest.mark.parametrize("name", ["Ann\x00", "Ann\x7f", "Ann\x1b[31m"])
async def test_a_control_character_in_a_display_name_is_refused(client, name):
    body = await gql(client, SIGN_UP, {"input": {"email": "ann@example.com", "password": "correct horse battery",
                                                 "displayName": name}}, expect_errors=True)
    assert body == {"data": None, "errors": [
        {"message": "Variable '$input.displayName' contains control characters.", **CONTROL},
    ]}
    assert await Member.all().count() == 0


async def test_tabs_and_line_breaks_are_text(client):
    ann = await join(client)
    body = await gql(client, REGISTER_DEVICE, {"input": {"platform": "IOS", "token": "tab\tand\r\nline"}},
                     token=ann.token)
    assert body["data"]["registerDevice"]["errors"] == []


async def test_an_activity_cursor_above_2_63_is_refused(client):
    ann = await join(client)
    for values in ([2**63, 2**63], ["2026-01-01T00:00:00+00:00", 2**63], [10**400, 1]):
        body = await gql(client, ME, {"first": 5, "after": encode_cursor(values)}, token=ann.token, expect_errors=True)
        assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [("INVALID", ["me", "activity"])]


async def test_an_int_literal_of_4300_digits_is_refused(client):
    ann = await join(client)
    body = await gql(client, "{ me { activity(first: %s) { edges { cursor } } } }" % ("9" * 4300), token=ann.token,
                     expect_errors=True)
    assert_no_internal_error(body)
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["Int cannot represent non 32-bit signed integer value: " + "9" * 4300]


async def test_a_validly_signed_token_with_exp_10_18_is_unauthenticated(client, settings):
    ann = await join(client)
    claims = jwt.decode(ann.token, options={"verify_signature": False})
    key = load_signing_key(settings)
    forged = jwt.encode({**claims, "exp": 10**18}, key.signing_key, algorithm=key.algorithm, headers={"typ": "at+jwt"})
    body = await gql(client, "{ me { id } }", token=forged, expect_errors=True)
    assert body["data"] == {"me": None}
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_lifetime_points_past_2_31_are_served_capped_with_the_exact_total_beside(client):
    ann = await join(client)
    member_id = int(from_global_id(ann.id, "Member")[1])
    # More than Int holds: a member who earned and spent the most a wallet holds, twice
    # (the 100 points are the welcome bonus).
    assert await sql.execute("UPDATE ledger_accounts SET lifetime_earned = ? WHERE member_id = ? AND asset = 'POINTS' "
                             "AND kind = 'member'", 2**32 + 5, member_id) == 1
    body = await gql(client, "{ me { wallet { points lifetimePoints lifetimePointsTotal } } }", token=ann.token)
    assert body == {"data": {"me": {"wallet": {"points": 100, "lifetimePoints": 2**31 - 1,
                                               "lifetimePointsTotal": 2**32 + 5}}}}
