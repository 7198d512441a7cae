"""signUp: what a new member looks like, every validation rule with its code and field, the
email unique regardless of case, and nothing created on any error."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher

from loyalty import clock
from loyalty.members import numbers
from loyalty.members.models import Member
from tests.members import member_pk, row_counts
from tests.support.gql import LOG_IN, ME, PASSWORD, SIGN_UP, gql, sign_up

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
TODAY = T0.date()

FULL = """
mutation($input: SignUpInput!) {
  signUp(input: $input) {
    accessToken accessTokenExpiresAt refreshToken
    member {
      id memberNumber email displayName birthday locale joinedAt marketingConsent
      notificationSettings { email push marketing }
    }
    errors { code field message }
  }
}
"""


def form(**fields: object) -> dict[str, object]:
    return {"input": {"email": "ann@example.com", "password": PASSWORD, "displayName": "Ann", **fields}}


async def attempt(client, **fields: object) -> dict:
    return (await gql(client, SIGN_UP, form(**fields)))["data"]["signUp"]


def codes(payload: dict) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def test_a_new_member_gets_a_session_and_a_cleaned_profile(client):
    with clock.frozen_at(T0):
        body = await gql(client, FULL, form(
            email="  Ann.Smith@Example.COM ", displayName="  Ann   Smith ", birthday="1990-05-17",
            locale="nl-nl", marketingConsent=True,
        ))
    payload = body["data"]["signUp"]
    member = payload["member"]
    assert payload["errors"] == []
    assert payload["refreshToken"].startswith("rt_")
    assert payload["accessTokenExpiresAt"] == (T0 + timedelta(minutes=15)).isoformat()
    assert numbers.normalize(member["memberNumber"]) == member["memberNumber"]
    assert {k: v for k, v in member.items() if k not in ("id", "memberNumber")} == {
        "email": "Ann.Smith@Example.COM", "displayName": "Ann Smith", "birthday": "1990-05-17",
        "locale": "nl-NL", "joinedAt": T0.isoformat(), "marketingConsent": True,
        "notificationSettings": {"email": True, "push": True, "marketing": True},
    }
    with clock.frozen_at(T0):
        me = (await gql(client, ME, token=payload["accessToken"]))["data"]["me"]
    assert me == {"id": member["id"], "email": "Ann.Smith@Example.COM",
                  "memberNumber": member["memberNumber"], "displayName": "Ann Smith"}


async def test_optional_fields_default_to_the_programs_locale_and_no_marketing(client):
    payload = (await gql(client, FULL, form()))["data"]["signUp"]
    member = payload["member"]
    assert (member["birthday"], member["locale"], member["marketingConsent"]) == (None, "en", False)
    assert member["notificationSettings"] == {"email": True, "push": True, "marketing": False}


async def test_the_password_is_stored_only_as_an_argon2id_hash(client):
    payload = await sign_up(client, "ann@example.com")
    row = await Member.get(id=member_pk(payload["member"]["id"]))
    assert row.password_hash.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert PASSWORD not in row.password_hash
    assert PasswordHasher().verify(row.password_hash, PASSWORD) is True


async def test_the_email_is_stored_as_typed_and_logs_in_in_any_case(client):
    await sign_up(client, " Ann@Example.com ")
    row = await Member.get()
    assert (row.email, row.email_normalized) == ("Ann@Example.com", "ann@example.com")
    payload = (await gql(client, LOG_IN, {"input": {"email": "ANN@EXAMPLE.COM", "password": PASSWORD}}))["data"]["logIn"]
    assert (payload["errors"], payload["member"]["email"]) == ([], "Ann@Example.com")


@pytest.mark.parametrize("second", ["Ann@X.com", "ann@x.com", "ANN@X.COM", "  ann@x.com  "])
async def test_an_email_taken_in_any_case_is_refused_and_creates_nothing(client, second):
    first = await sign_up(client, "ann@x.com")
    before = await row_counts()
    payload = await attempt(client, email=second, password="another password", displayName="Impostor")
    assert codes(payload) == [("EMAIL_TAKEN", ["input", "email"])]
    assert payload["errors"][0]["message"] == "An account with this email address exists already."
    assert (payload["accessToken"], payload["refreshToken"], payload["member"]) == (None, None, None)
    assert await row_counts() == before
    row = await Member.get()
    assert (row.email, row.display_name, row.id) == ("ann@x.com", "Ann", member_pk(first["member"]["id"]))
    refused = (await gql(client, LOG_IN, {"input": {"email": "ann@x.com", "password": "another password"}}))
    assert codes(refused["data"]["logIn"]) == [("INVALID_CREDENTIALS", None)]


async def test_two_sign_ups_racing_for_one_email_make_one_member(client):
    results = await asyncio.gather(attempt(client, email="ann@x.com"), attempt(client, email="ANN@x.com"))
    outcomes = sorted(codes(p) for p in results)
    assert outcomes == [[], [("EMAIL_TAKEN", ["input", "email"])]]
    assert await Member.all().count() == 1


LONG_EMAIL = "a" * 245 + "@example.com"  # 257 characters


@pytest.mark.parametrize(("fields", "expected"), [
    ({"email": ""}, [("REQUIRED", "email")]),
    ({"email": "   "}, [("REQUIRED", "email")]),
    ({"email": "ann"}, [("INVALID", "email")]),
    ({"email": "ann@example"}, [("INVALID", "email")]),
    ({"email": "ann smith@example.com"}, [("INVALID", "email")]),
    ({"email": "ann@@example.com"}, [("INVALID", "email")]),
    ({"email": LONG_EMAIL}, [("INVALID", "email")]),
    ({"password": "123456789"}, [("INVALID", "password")]),
    ({"password": ""}, [("INVALID", "password")]),
    ({"password": "x" * 1025}, [("INVALID", "password")]),
    ({"displayName": ""}, [("REQUIRED", "displayName")]),
    ({"displayName": " \t "}, [("REQUIRED", "displayName")]),
    ({"displayName": "x" * 101}, [("INVALID", "displayName")]),
    ({"displayName": "Ann\u202egnp.exe"}, [("INVALID", "displayName")]),
    ({"birthday": (TODAY + timedelta(days=1)).isoformat()}, [("INVALID", "birthday")]),
    ({"birthday": "1899-12-31"}, [("INVALID", "birthday")]),
    ({"locale": "english"}, [("INVALID", "locale")]),
    ({"locale": ""}, [("INVALID", "locale")]),
    ({"locale": "en_US"}, [("INVALID", "locale")]),
    ({"email": "", "password": "short", "displayName": " ", "locale": "?"},
     [("REQUIRED", "email"), ("INVALID", "password"), ("REQUIRED", "displayName"), ("INVALID", "locale")]),
])
async def test_invalid_sign_up_input_is_refused_and_creates_nothing(client, fields, expected):
    before = await row_counts()
    with clock.frozen_at(T0):
        payload = await attempt(client, **fields)
    assert codes(payload) == [(code, ["input", field]) for code, field in expected]
    assert (payload["accessToken"], payload["refreshToken"], payload["member"]) == (None, None, None)
    assert await row_counts() == before


async def test_the_first_of_several_errors_gives_its_message(client):
    payload = await attempt(client, email="", password="short")
    assert [e["message"] for e in payload["errors"]] == [
        "Enter an email address.", "The password must be at least 10 characters.",
    ]


@pytest.mark.parametrize("fields", [
    {"password": "0123456789"},
    {"password": "x" * 1024},
    {"displayName": "x" * 100},
    {"birthday": TODAY.isoformat()},
    {"birthday": "1900-01-01"},
    {"locale": "sr-Latn-RS"},
    {"email": "a" * 242 + "@example.com"},  # 254 characters
])
async def test_values_at_the_limits_are_accepted(client, fields):
    with clock.frozen_at(T0):
        payload = await attempt(client, **fields)
    assert payload["errors"] == []
    assert await Member.all().count() == 1


async def test_members_get_distinct_numbers(client):
    joined = [await sign_up(client, f"member{i}@example.com") for i in range(5)]
    assert len({p["member"]["memberNumber"] for p in joined}) == 5


async def test_a_member_number_drawn_twice_is_drawn_again(client, monkeypatch):
    ann = await sign_up(client, "ann@example.com")
    draws = iter([ann["member"]["memberNumber"], "400000000002"])
    monkeypatch.setattr(numbers, "new_member_number", lambda: next(draws))
    bob = await sign_up(client, "bob@example.com")
    assert bob["member"]["memberNumber"] == "400000000002"


async def test_no_free_member_number_is_an_internal_error_that_creates_nothing(client, monkeypatch):
    ann = await sign_up(client, "ann@example.com")
    monkeypatch.setattr(numbers, "new_member_number", lambda: ann["member"]["memberNumber"])
    before = await row_counts()
    body = await gql(client, SIGN_UP, form(email="bob@example.com"), expect_errors=True)
    assert body["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        ("Unexpected error.", "INTERNAL_SERVER_ERROR"),
    ]
    assert await row_counts() == before


async def test_a_birthday_with_a_time_is_refused_before_anything_runs(client):
    body = await gql(client, SIGN_UP, form(birthday="1990-05-17T00:00:00"), expect_errors=True)
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == [
        "Variable '$input' has invalid value at .birthday: Date values are written YYYY-MM-DD, e.g. 2026-04-30.",
    ]
    assert await Member.all().count() == 0
