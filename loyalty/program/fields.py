"""Building blocks of the program file's models: value types with owner-readable
errors, and the checks several sections share."""
from __future__ import annotations

import re
from collections.abc import Mapping, Set
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

CONFIG = ConfigDict(extra="forbid", frozen=True)


class _Money:
    """Marks an amount of the program's currency: checked against its minor units."""


def problem(at: tuple[str | int, ...], message: str) -> PydanticCustomError:
    """A validation error about the key `at` (relative to the model raising it)."""
    return PydanticCustomError("program", "{message}", {"message": message, "at": at})


def _code(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+(?:[-_][a-z0-9]+)*", value):
        raise ValueError(f'must be a lower-case code of letters, digits, "-" or "_" (e.g. "gold"), not "{value}"')
    return value


def _currency(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError(f'must be an ISO 4217 code of 3 upper-case letters (e.g. "EUR"), not "{value}"')
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'must be an IANA time zone (e.g. "Europe/Amsterdam"), not "{value}"') from None
    return value


def _locale(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}(?:-[A-Z]{2})?", value):
        raise ValueError(f'must be a language code (e.g. "en" or "nl-NL"), not "{value}"')
    return value


def _url(value: str) -> str:
    if not re.fullmatch(r"https?://\S+", value):
        raise ValueError(f'must be an http(s) address (e.g. "https://example.com/join"), not "{value}"')
    return value


Code = Annotated[str, AfterValidator(_code)]
CurrencyCode = Annotated[str, AfterValidator(_currency)]
TimeZone = Annotated[str, AfterValidator(_timezone)]
Locale = Annotated[str, AfterValidator(_locale)]
Text = Annotated[str, Field(min_length=1)]
Url = Annotated[str, AfterValidator(_url)]
Count = Annotated[int, Strict(), Field(ge=0)]
PositiveInt = Annotated[int, Strict(), Field(gt=0)]
PositiveDecimal = Annotated[Decimal, Field(gt=0)]
Percent = Annotated[Decimal, Field(ge=0, le=100)]
Multiplier = Annotated[Decimal, Field(ge=1)]
BonusMultiplier = Annotated[Decimal, Field(gt=1)]
Money = Annotated[Decimal, Field(ge=0), _Money]
PositiveMoney = Annotated[Decimal, Field(gt=0), _Money]

# Currencies whose minor unit is not the cent (ISO 4217); every other has 2 decimals.
MINOR_UNITS = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}


def check_kind_fields(model: BaseModel, kind: StrEnum, rules: Mapping[str, tuple[Set[StrEnum], bool]]) -> None:
    """rules: field -> (kinds it applies to, required for those kinds)."""
    for field, (kinds, required) in rules.items():
        value = getattr(model, field)
        if kind not in kinds and value is not None:
            only = ", ".join(sorted(kinds))
            raise problem((field,), f"is not used when kind is {kind} (only for {only}); remove it")
        if kind in kinds and required and value is None:
            raise problem((field,), f"is required when kind is {kind}")


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def unique(items: tuple[Any, ...], key: str, where: str, shown: str | None = None) -> None:
    """Each item's `key` differs; `where` is the items' key, `shown` their full path."""
    seen: dict[Any, int] = {}
    for i, item in enumerate(items):
        value = getattr(item, key)
        if value in seen:
            raise problem((where, i, key), f'"{value}" is already used by {shown or where}[{seen[value]}]')
        seen[value] = i


def by_code(items: tuple[Any, ...], code: str) -> Any:
    for item in items:
        if item.code == code:
            return item
    raise KeyError(code)


def is_money(annotation: Any) -> bool:
    return _Money in getattr(annotation, "__metadata__", ()) or any(is_money(a) for a in get_args(annotation))


def check_money(model: BaseModel, at: tuple[str | int, ...], units: int, currency: str) -> None:
    """Every amount of money has at most the currency's decimals (the ledger counts minor units)."""
    step = Decimal(1).scaleb(-units)
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if value is not None and (_Money in field.metadata or is_money(field.annotation)):
            amounts = enumerate(value) if isinstance(value, tuple) else [(None, value)]
            for i, amount in amounts:
                if isinstance(amount, Decimal) and amount != amount.quantize(step):
                    key = at + ((name,) if i is None else (name, i))
                    raise problem(key, f"{currency} amounts have at most {units} decimals, not {amount}")
        for i, item in enumerate(value if isinstance(value, tuple) else (value,)):
            if isinstance(item, BaseModel):
                check_money(item, at + ((name, i) if isinstance(value, tuple) else (name,)), units, currency)
