"""Member numbers: 12 digits, the last a Luhn check digit, printed as 3 groups of 4."""
from __future__ import annotations

import secrets

LENGTH = 12


def luhn_check_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def new_member_number() -> str:
    # The first digit is never 0, so the number survives being read as an integer.
    body = str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(LENGTH - 2))
    return body + luhn_check_digit(body)


def normalize(text: str) -> str | None:
    """The canonical number, or None when it is not a well-formed member number."""
    digits = "".join(ch for ch in text if ch not in " -")
    if len(digits) != LENGTH or not digits.isascii() or not digits.isdigit():
        return None
    if luhn_check_digit(digits[:-1]) != digits[-1]:
        return None
    return digits


def display(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
