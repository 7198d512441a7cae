"""Languages, and numbers, money and dates written the way the member's language writes them.

Everything member-facing (notifications, wallet history descriptions, the wallet's `Money.formatted`)
formats through this module, so the same amount reads the same everywhere.

The formatting comes from Babel, which ships the Unicode CLDR data (separators, grouping, where
the currency goes, date patterns) and keeps it current with each CLDR release; hand-written
tables went stale and disagreed with each other.

Rules
    language   the language subtag of a BCP 47 tag ("nl-NL", "NL-nl", "de_DE" -> "nl", "nl", "de")
               when the texts exist in it, else English.
    locale     the member's own tag when Babel knows it and its language is the text's
               language ("en-US", "de-AT", "de-CH"), else the language's default: International
               English (CLDR `en_001`) for English, the language alone for the others.
    money      the ISO currency code and the amount with the currency's minor units as decimals
               (JPY 0, EUR 2, KWD 3; see `loyalty.program.fields.MINOR_UNITS`), grouped and placed
               by the locale's CLDR currency pattern: en "EUR 1,234.50", nl "EUR 1.234,50",
               de and ro "1.234,50 EUR", en "JPY 1,234", de "1.234,567 KWD". Spaces are plain
               spaces (CLDR has U+00A0), and a code written against a digit gets one, as CLDR's
               currency spacing asks and Babel does not do.
    number     grouped, every decimal it has kept ("1,500", "1.500", "1,25").
    date       English spells the month out ("31 January 2027": numeric dates read differently
               in the US and elsewhere); the others write it in numbers ("31-1-2027",
               "31.1.2027", "31.01.2027"), each the CLDR way for its locale.
"""
from __future__ import annotations

import re
from datetime import date as Date
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.numbers import NumberPattern, format_decimal, parse_pattern

from loyalty.program.fields import minor_units

LANGUAGES = ("en", "nl", "de", "ro")
FALLBACK = "en"

_DEFAULT_LOCALE = {"en": "en_001"}
_DATE_SKELETON = {"en": "yMMMMd"}  # the others: "yMd"


def language(tag: object) -> str:
    """The supported language of a BCP 47 tag; English for any other tag, or none."""
    primary = tag.replace("_", "-").split("-")[0].strip().lower() if isinstance(tag, str) else ""
    return primary if primary in LANGUAGES else FALLBACK


@lru_cache(maxsize=256)
def _locale(tag: str | None) -> Locale:
    lang = language(tag)
    if tag and "-" in tag.replace("_", "-"):
        try:
            own = Locale.parse(tag.replace("-", "_").strip(), sep="_")
        except (UnknownLocaleError, ValueError, TypeError):
            own = None
        if own is not None and own.language == lang:
            return own
    return Locale.parse(_DEFAULT_LOCALE.get(lang, lang))


def locale_of(tag: object) -> Locale:
    """The CLDR locale that numbers, money and dates for this tag are written in."""
    return _locale(tag if isinstance(tag, str) and len(tag) <= 35 else None)


def number(value: int | Decimal, tag: object) -> str:
    """A count or a decimal, grouped, with every decimal it has."""
    return format_decimal(value, locale=locale_of(tag), decimal_quantization=False)


def money_minor(amount_minor: int, currency: str, tag: object) -> str:
    """An amount in minor units of the currency ("EUR 1,234.50" for 123450 EUR in English)."""
    return money(Decimal(int(amount_minor)).scaleb(-minor_units(currency)), currency, tag)


def money(amount: Decimal, currency: str, tag: object) -> str:
    """An amount in whole units of the currency, written with its minor units as decimals."""
    loc = locale_of(tag)
    text = _pattern(str(loc), minor_units(currency)).apply(
        Decimal(amount), loc, currency=currency, currency_digits=False
    )
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    return _spaced(text, currency)


def date(value: Date, tag: object) -> str:
    loc = locale_of(tag)
    return format_skeleton(_DATE_SKELETON.get(loc.language, "yMd"), value, locale=loc)


@lru_cache(maxsize=64)
def _pattern(locale: str, decimals: int) -> NumberPattern:
    """The locale's currency pattern with the ISO code for the symbol and `decimals` decimals."""
    standard = Locale.parse(locale).currency_formats["standard"].pattern
    fraction = "." + "0" * decimals if decimals > 0 else ""
    return parse_pattern(re.sub(r"\.0+", fraction, standard).replace("¤", "¤¤"))


def _spaced(text: str, currency: str) -> str:
    code = re.escape(currency.upper())
    return re.sub(rf"(\d)({code})", r"\1 \2", re.sub(rf"({code})(\d)", r"\1 \2", text))
