"""Money in a currency without decimals (JPY) and with three (KWD) is written with the
currency's own decimals and each language's way with numbers, the same in a notification,
a history description and the wallet's Money fields."""
from __future__ import annotations

import re

import pytest

from loyalty import events
from loyalty.notifications import render
from tests.support.gql import gql
from tests.support.program import demo_without_new_member_bonus, use_program, with_keys
from tests.support.shop import Shop, join

# (currency, purchase amount, the 10% cashback), then per language: the purchase and the
# cashback as written.
CASES = {
    "JPY": ("12340", "1234", {
        "en": ("JPY 12,340", "JPY 1,234"), "nl": ("JPY 12.340", "JPY 1.234"),
        "de": ("12.340 JPY", "1.234 JPY"), "ro": ("12.340 JPY", "1.234 JPY"),
    }),
    "KWD": ("12345.670", "1234.567", {
        "en": ("KWD 12,345.670", "KWD 1,234.567"), "nl": ("KWD 12.345,670", "KWD 1.234,567"),
        "de": ("12.345,670 KWD", "1.234,567 KWD"), "ro": ("12.345,670 KWD", "1.234,567 KWD"),
    }),
}
LANGUAGES = ("en", "nl", "de", "ro")
PARAMS = [(currency, lang) for currency in CASES for lang in LANGUAGES]

WALLET = """
query {
  me {
    wallet { pendingCredit { amount currencyCode formatted } }
    activity(first: 10) { edges { node { kind description credit { amount formatted } } } }
  }
}"""


def program_in(currency: str) -> str:
    """The demo program in `currency`, with 10% cashback from the first tier."""
    text = with_keys(demo_without_new_member_bonus(), "program", currency=f'"{currency}"')
    return re.sub(r'^cashback_percent = "0" ', 'cashback_percent = "10"', text, count=1, flags=re.MULTILINE)


@pytest.mark.parametrize(("currency", "lang"), PARAMS)
def test_a_notification_writes_money_with_the_currency_s_decimals(currency: str, lang: str) -> None:
    _, cashback, written = CASES[currency]
    minor = int(cashback.replace(".", ""))
    push = render.push(events.CREDIT_EARNED, {"credit_minor": minor, "currency": currency}, lang, "Ann",
                       "https://w.example", "n-1")
    title = {"en": "You earned {}", "nl": "Je hebt {} verdiend", "de": "Du hast {} erhalten",
             "ro": "Ai câștigat {}"}[lang]
    assert push.title == title.format(written[lang][1])


@pytest.mark.parametrize(("currency", "lang"), PARAMS)
async def test_history_and_wallet_write_money_as_the_notification_does(client, runtime, currency, lang) -> None:
    amount, cashback, written = CASES[currency]
    purchase_written, cashback_written = written[lang]
    await use_program(runtime, program_in(currency))
    shop, ann = await Shop.open(client), await join(client, locale=lang)
    payload = await shop.purchase(ann, orderId="O-1", amount=amount, currencyCode=currency)
    assert payload["errors"] == []

    me = (await gql(client, WALLET, token=ann.token))["data"]["me"]
    assert me["wallet"]["pendingCredit"] == {"amount": cashback, "currencyCode": currency,
                                             "formatted": cashback_written}
    entries = {e["node"]["kind"]: e["node"] for e in me["activity"]["edges"]}
    assert entries["CASHBACK"]["credit"] == {"amount": cashback, "formatted": cashback_written}
    purchase_text = {"en": "Purchase of {} (order O-1)", "nl": "Aankoop van {} (bestelling O-1)",
                     "de": "Einkauf über {} (Bestellung O-1)", "ro": "Achiziție de {} (comanda O-1)"}[lang]
    assert entries["PURCHASE"]["description"] == purchase_text.format(purchase_written)
    notified = render.push(events.CREDIT_EARNED, {"credit_minor": int(cashback.replace(".", "")),
                                                  "currency": currency}, lang, "Ann", "https://w.example", "n-1")
    assert cashback_written in notified.title


async def test_money_formatted_takes_a_locale_else_the_member_s_else_english(client, runtime) -> None:
    await use_program(runtime, program_in("KWD"))
    shop, ann = await Shop.open(client), await join(client, locale="de-DE")
    assert (await shop.purchase(ann, orderId="O-1", amount="12345.670", currencyCode="KWD"))["errors"] == []
    fields = 'pendingCredit { formatted swiss: formatted(locale: "de-CH") us: formatted(locale: "en-US") }'
    mine = (await gql(client, f"query {{ me {{ wallet {{ {fields} }} }} }}", token=ann.token))["data"]["me"]
    assert mine["wallet"]["pendingCredit"] == {"formatted": "1.234,567 KWD", "swiss": "KWD 1'234.567",
                                               "us": "KWD 1,234.567"}
    # A caller that is not a member (the shop's API key) reads it in English.
    theirs = await shop.call(f"query($id: ID!) {{ node(id: $id) {{ ... on Member {{ wallet {{ {fields} }} }} }} }}",
                             {"id": ann.id})
    assert theirs["node"]["wallet"]["pendingCredit"]["formatted"] == "KWD 1,234.567"
