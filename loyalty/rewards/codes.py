"""Codes people read out and type: random, from an alphabet without look-alikes."""
from __future__ import annotations

import secrets

# No 0/O, 1/I/L: a code read aloud or copied from a screen is typed right.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
COUPON_LENGTH = 12  # 31**12: about 59 bits, beyond guessing
GROUP = 4


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_coupon_code() -> str:
    """E.g. "7KQX-M3RD-WP9T"."""
    raw = random_code(COUPON_LENGTH)
    return "-".join(raw[i:i + GROUP] for i in range(0, COUPON_LENGTH, GROUP))


def normalize(text: str, length: int) -> str | None:
    """The code as stored, from what someone typed (any case, spaces or dashes); None when it
    cannot be one of ours."""
    raw = "".join(ch for ch in text.upper() if ch not in " -")
    if len(raw) != length or any(ch not in ALPHABET for ch in raw):
        return None
    return raw


def normalize_coupon(text: str) -> str | None:
    raw = normalize(text, COUPON_LENGTH)
    return None if raw is None else "-".join(raw[i:i + GROUP] for i in range(0, COUPON_LENGTH, GROUP))
