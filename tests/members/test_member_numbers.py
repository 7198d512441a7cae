"""Member numbers: 12 digits ending in a Luhn check digit, typed with spaces or dashes, and
a number with a wrong check digit never finds a member."""
from __future__ import annotations

import pytest

from loyalty.members import numbers
from tests.support.gql import gql
from tests.support.shop import api_key, join

BY_NUMBER = "query($n: String!) { memberByNumber(memberNumber: $n) { id memberNumber email } }"
VALID = "400000000002"  # body 40000000000: the 4 doubled is 8, so the check digit is 2


@pytest.mark.parametrize(("body", "check_digit"), [
    ("7992739871", "3"),  # the textbook example: 79927398713
    ("40000000000", "2"),
    ("00000000000", "0"),
    ("12345678901", "5"),
    ("99999999999", "1"),
])
def test_the_check_digit_is_luhns(body, check_digit):
    assert numbers.luhn_check_digit(body) == check_digit


def test_new_numbers_have_twelve_digits_no_leading_zero_and_a_valid_check_digit():
    drawn = [numbers.new_member_number() for _ in range(500)]
    assert all(len(n) == 12 and n.isascii() and n.isdigit() and n[0] != "0" for n in drawn)
    assert all(numbers.luhn_check_digit(n[:-1]) == n[-1] for n in drawn)
    assert len(set(drawn)) == 500


@pytest.mark.parametrize("typed", [
    "400000000002", "4000 0000 0002", "4000-0000-0002", " 4000 0000 0002 ", "4000 - 0000 - 0002", "40-00000000-02",
])
def test_spaces_and_dashes_are_ignored(typed):
    assert numbers.normalize(typed) == VALID


@pytest.mark.parametrize("typed", [
    "400000000003",          # wrong check digit
    "400000000012",          # one digit changed
    "040000000002",          # two digits swapped
    "40000000002",           # 11 digits
    "4000000000020",         # 13 digits
    "",
    "4000 0000 000A",
    "4000.0000.0002",        # only spaces and dashes are separators
    "4000\t0000\t0002",
    "４０００００００００２",      # full-width digits
    "٤٠٠٠٠٠٠٠٠٠٠٢",          # Arabic-Indic digits
])
def test_anything_else_is_not_a_member_number(typed):
    assert numbers.normalize(typed) is None


def test_every_single_digit_mistake_is_caught():
    number = numbers.new_member_number()
    for position in range(12):
        for digit in "0123456789":
            if digit != number[position]:
                typo = number[:position] + digit + number[position + 1:]
                assert numbers.normalize(typo) is None, typo


def test_a_number_is_printed_in_groups_of_four():
    assert numbers.display(VALID) == "4000 0000 0002"
    assert numbers.normalize(numbers.display(VALID)) == VALID


@pytest.mark.parametrize("written", ["{n}", "{spaced}", "{dashed}", " {spaced} "])
async def test_member_by_number_finds_the_member_however_the_number_is_written(client, written):
    ann = await join(client)
    key = await api_key("members:read")
    typed = written.format(n=ann.number, spaced=ann.spaced_number, dashed=ann.spaced_number.replace(" ", "-"))
    found = (await gql(client, BY_NUMBER, {"n": typed}, token=key))["data"]["memberByNumber"]
    assert found == {"id": ann.id, "memberNumber": ann.number, "email": "ann@example.com"}


async def test_a_wrong_check_digit_finds_nobody(client):
    ann = await join(client)
    key = await api_key("members:read")
    wrong = ann.number[:-1] + str((int(ann.number[-1]) + 1) % 10)
    body = await gql(client, BY_NUMBER, {"n": wrong}, token=key)
    assert body["data"] == {"memberByNumber": None}


@pytest.mark.parametrize("typed", [VALID, "", "not a number", "1" * 5000])
async def test_a_number_that_is_nobodys_finds_nobody(client, typed):
    await join(client)
    key = await api_key("members:read")
    assert (await gql(client, BY_NUMBER, {"n": typed}, token=key))["data"] == {"memberByNumber": None}
