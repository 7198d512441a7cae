from __future__ import annotations

import string

import pytest

from loyalty import events
from loyalty.notifications import render, texts


def test_every_topic_has_a_title_and_body_in_every_language_and_a_link() -> None:
    for topic in events.TOPICS:
        assert topic in texts.TEXTS, f"no texts for {topic}"
        assert set(texts.TEXTS[topic]) == set(texts.LANGUAGES), topic
        assert texts.LINKS[topic].startswith("/"), topic


def test_a_variant_uses_the_same_placeholders_in_every_language() -> None:
    for topic, by_language in texts.TEXTS.items():
        names = {
            lang: {name for part in pair for _, name, _, _ in string.Formatter().parse(part) if name}
            for lang, pair in by_language.items()
        }
        assert all(found == names["en"] for found in names.values()), (topic, names)


@pytest.mark.parametrize(("locale", "expected"), [
    ("nl-NL", "nl"), ("nl", "nl"), ("de_AT", "de"), ("ro-RO", "ro"), ("EN-GB", "en"), ("fr-FR", "en"), ("", "en"),
])
def test_the_language_is_the_locale_s_primary_language_with_english_as_the_fallback(locale: str, expected: str) -> None:
    assert render.language(locale) == expected


def test_a_dutch_email_has_subject_plain_text_and_html() -> None:
    email = render.email(events.POINTS_EARNED, {"points": 120, "order": "A-1"}, "nl-NL", "Anna & Co",
                         "https://wallet.example/")
    assert email.subject == "Je hebt 120 punten verdiend"
    assert email.text == (
        "Hallo Anna & Co,\n\nEr zijn 120 punten aan je wallet toegevoegd.\n\n"
        "Open je wallet: https://wallet.example/wallet\n\n-- \n" + texts.FOOTER["nl"] + "\n"
    )
    assert "<p>Hallo Anna &amp; Co,</p>" in email.html
    assert '<a href="https://wallet.example/wallet">Open je wallet</a>' in email.html
    assert email.html.startswith('<!doctype html>\n<html lang="nl">')


def test_pending_points_say_when_they_can_be_spent() -> None:
    push = render.push(events.POINTS_EARNED, {"points": 50, "pending": True, "available_at": "2026-03-15T00:00:00+00:00"},
                       "de-DE", "Ann", "https://wallet.example", "n-1")
    assert push.title == "Du hast 50 Punkte gesammelt"
    assert push.body == "50 Punkte sind unterwegs: du kannst sie ab 15.3.2026 einlösen."
    assert push.data == {"topic": "points.earned", "link": "https://wallet.example/wallet", "notification_id": "n-1"}


def test_money_is_shown_in_major_units_with_its_currency() -> None:
    push = render.push(events.DONATION_MADE, {"points": 500, "value_minor": 505, "currency": "EUR",
                                              "charity_name": "Forest Fund"}, "ro", "Ann", "https://w.example", "x")
    assert push.body == "Ai donat 500 de puncte, în valoare de 5,05 EUR, către Forest Fund."


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "You gave 1,500 points, worth EUR 1,234.50, to Forest Fund."),
    ("nl", "Je hebt 1.500 punten, ter waarde van EUR 1.234,50, aan Forest Fund gegeven."),
    ("de", "Du hast 1.500 Punkte im Wert von 1.234,50 EUR an Forest Fund gespendet."),
])
def test_numbers_and_money_are_written_the_language_s_way(locale: str, expected: str) -> None:
    payload = {"points": 1500, "value_minor": 123450, "currency": "EUR", "charity_name": "Forest Fund"}
    assert render.push(events.DONATION_MADE, payload, locale, "Ann", "https://w.example", "x").body == expected


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "1,250 points expire on 31 January 2027. Spend them before then."),
    ("nl", "1.250 punten vervallen op 31-1-2027. Besteed ze op tijd."),
    ("ro", "1.250 de puncte expiră pe 31.01.2027. Folosește-le până atunci."),
])
def test_dates_are_written_the_language_s_way(locale: str, expected: str) -> None:
    payload = {"points": 1250, "expires_at": "2027-01-31T23:00:00+00:00"}
    assert render.push(events.POINTS_EXPIRING, payload, locale, "Ann", "https://w.example", "x").body == expected


def test_a_referral_past_the_yearly_cap_does_not_claim_points_were_earned() -> None:
    push = render.push(events.REFERRAL_COMPLETED, {"friend_name": "Bram", "points": 0, "capped": True},
                       "en", "Ann", "https://w.example", "x")
    assert push.body == ("Your friend Bram joined. You have reached this year's limit of referral points, "
                         "so this one brings no points.")


def test_a_birthday_gift_of_credit_alone_names_only_the_credit() -> None:
    push = render.push(events.BIRTHDAY_REWARDED, {"points": 0, "credit_minor": 500, "currency": "EUR"},
                       "nl", "Ann", "https://w.example", "x")
    assert push.body == "Je verjaardagscadeau staat in je wallet: EUR 5,00 tegoed."


def test_a_tier_kept_by_spend_says_how_much_money_is_left_to_spend() -> None:
    payload = {"tier": "gold", "tier_name": "Gold", "remaining_to_keep": "120.50",
               "period_end": "2026-12-31T23:00:00+00:00", "metric": "SPEND", "currency": "EUR"}
    push = render.push(events.TIER_AT_RISK, payload, "de", "Ann", "https://w.example", "x")
    assert push.body == "Kaufe bis 31.12.2026 noch für 120,50 EUR ein, um Gold zu behalten."


def test_a_payload_without_a_value_the_text_needs_cannot_be_rendered() -> None:
    with pytest.raises(render.RenderError, match="'order'"):
        render.email(events.POINTS_SPENT, {"points": 5}, "en", "Ann", "https://w.example")


@pytest.mark.parametrize(("points", "expected"), [
    (19, "Ai câștigat 19 puncte"), (20, "Ai câștigat 20 de puncte"), (101, "Ai câștigat 101 puncte"),
    (120, "Ai câștigat 120 de puncte"), (1250, "Ai câștigat 1.250 de puncte"),
])
def test_romanian_puts_de_between_a_number_from_twenty_and_the_points(points: int, expected: str) -> None:
    assert render.push(events.POINTS_EARNED, {"points": points}, "ro", "Ann", "https://w.example", "x").title == expected
