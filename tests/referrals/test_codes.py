"""Referral codes and where their links lead."""
from __future__ import annotations

from loyalty.program.spec import load_demo
from loyalty.referrals.codes import landing_url, link
from loyalty.rewards.codes import normalize, normalize_coupon


def test_a_code_is_read_in_any_case_with_spaces_or_dashes():
    assert normalize(" 7kqx-m3rd ", 8) == "7KQXM3RD"
    assert normalize_coupon("7kqx m3rd wp9t") == "7KQX-M3RD-WP9T"


def test_a_code_with_characters_outside_the_alphabet_or_of_another_length_is_none():
    assert normalize("7KQXM3R0", 8) is None  # zero is not in the alphabet
    assert normalize("7KQXM3RDW", 8) is None
    assert normalize_coupon("7KQX-M3RD-WP9") is None
    assert normalize("", 8) is None


def test_the_link_is_the_public_url_with_the_code():
    assert link("https://api.example/", "7KQXM3RD") == "https://api.example/r/7KQXM3RD"


def test_the_landing_url_keeps_its_query_and_carries_the_code_once():
    program = load_demo()
    program = program.model_copy(update={"referral": program.referral.model_copy(
        update={"landing_url": "https://shop.example/friends?utm=ref&ref=OLD"})})
    assert landing_url(program, "https://api.example", "7KQXM3RD") == (
        "https://shop.example/friends?utm=ref&ref=7KQXM3RD")


def test_without_a_landing_url_the_link_leads_to_the_public_url():
    program = load_demo()
    program = program.model_copy(update={
        "program": program.program.model_copy(update={"landing_url": None}), "referral": None})
    assert landing_url(program, "https://api.example", "7KQXM3RD") == "https://api.example/?ref=7KQXM3RD"
    assert landing_url(program, "https://api.example", None) == "https://api.example"
