"""Checks of member input; each returns the cleaned value or raises a LoyaltyError for its field."""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from loyalty.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from loyalty.errors import ErrorCode, LoyaltyError

# Deliberately simple: one @, no spaces, a dot in the domain. Delivery is the real test.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# BCP 47 language tag: language, optional script and region (e.g. nl, nl-NL, sr-Latn-RS).
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")
MAX_EMAIL_LENGTH = 254
MAX_DISPLAY_NAME_LENGTH = 100


def email(value: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise LoyaltyError("Enter an email address.", field="email", code=ErrorCode.REQUIRED)
    if len(cleaned) > MAX_EMAIL_LENGTH or not _EMAIL.match(cleaned):
        raise LoyaltyError("Enter a valid email address.", field="email")
    return cleaned


def normalized_email(value: str) -> str:
    """The address as typed, trimmed and in lower case: what a member's row stored before
    canonical addresses (see `canonical_email`)."""
    return value.strip().lower()


# Providers that ignore dots in the mailbox name, and the name they deliver under.
_DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def canonical_email(value: str) -> str:
    """The mailbox an address delivers to, which is the account it names: case, a trailing
    dot of the domain (`x@example.com.`), a `+tag` and, at Gmail, dots in the name aside.
    Used for one account per mailbox and for the self-referral check."""
    local, _, domain = value.strip().lower().rpartition("@")
    domain = domain.rstrip(".")
    local = local.split("+", 1)[0] or local
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), _DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise LoyaltyError(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    if len(value) > MAX_PASSWORD_LENGTH:
        raise LoyaltyError(
            f"The password must be at most {MAX_PASSWORD_LENGTH} characters.", field="password"
        )
    return value


# Bidirectional overrides and isolates reorder the text around them: a name could make a
# notification or a receipt read differently than it was written.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unprintable(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS


def display_name(value: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise LoyaltyError("Enter a display name.", field="display_name", code=ErrorCode.REQUIRED)
    if len(cleaned) > MAX_DISPLAY_NAME_LENGTH or any(_unprintable(ch) for ch in value if ch not in "\t\n"):
        raise LoyaltyError(
            f"The display name must be at most {MAX_DISPLAY_NAME_LENGTH} printable characters.",
            field="display_name",
        )
    return cleaned


def birthday(value: date, today: date) -> date:
    if value > today or value.year < 1900:
        raise LoyaltyError("Enter a birthday between 1900 and today.", field="birthday")
    return value


def locale(value: str) -> str:
    cleaned = value.strip()
    if not _LOCALE.match(cleaned):
        raise LoyaltyError("Use a language tag such as en, nl-NL or de-DE.", field="locale")
    parts = cleaned.split("-")
    parts[0] = parts[0].lower()
    if len(parts) > 1 and len(parts[-1]) == 2:
        parts[-1] = parts[-1].upper()
    if len(parts) > 1 and len(parts[1]) == 4:
        parts[1] = parts[1].title()
    return "-".join(parts)
