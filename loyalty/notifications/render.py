"""Notifications rendered from an event's payload in the member's language (numbers, money and
dates written by `loyalty.i18n`)."""
from __future__ import annotations

import html
import re
from urllib.parse import quote
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from loyalty import events, i18n
from loyalty.i18n import language
from loyalty.notifications import texts


class RenderError(Exception):
    """The payload lacks a value the text needs: retrying cannot help."""


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Push:
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)


def _number(value: Any, locale: str | None) -> str:
    """A count, or a decimal string, written the language's way; anything else as given."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return i18n.number(number, locale) if number.is_finite() else str(value)


def _money(minor: Any, currency: Any, locale: str | None) -> str:
    if not currency:
        return i18n.number(Decimal(int(minor)).scaleb(-2), locale)
    return i18n.money_minor(int(minor), str(currency), locale)


def _date(value: Any, locale: str | None) -> str:
    """An ISO date or date-time as a date of the member's language (the day it names)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return i18n.date(moment.date(), locale)


def _agree(text: str, lang: str) -> str:
    """Romanian puts `de` between a number whose last two digits are 00 or from 20 on and
    what it counts (`20 de puncte`, `1.250 de puncte`, but `19 puncte`, `101 puncte`)."""
    if lang != "ro":
        return text

    def fix(match: re.Match[str]) -> str:
        number = int(match.group(1).replace(".", ""))
        if number and (number % 100 == 0 or number % 100 >= 20):
            return f"{match.group(1)} de puncte"
        return match.group(0)

    return re.sub(r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+) puncte\b", fix, text)


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        raise RenderError(f"the payload has no {key!r}")


def values(payload: dict[str, Any], name: str, locale: str | None = None) -> _Values:
    found = _Values({key: value for key, value in payload.items() if value is not None})
    found["name"] = name
    currency = payload.get("currency", "")
    for key in ("points", "owed", "stamps", "visits", "remaining", "visits_left"):
        if isinstance(payload.get(key), int) and not isinstance(payload.get(key), bool):
            found[key] = _number(payload[key], locale)
    if "credit_minor" in payload:
        found["credit"] = _money(payload["credit_minor"], currency, locale)
    if "value_minor" in payload:
        found["value"] = _money(payload["value_minor"], currency, locale)
    if payload.get("balance_minor") is not None:
        found["balance"] = _money(payload["balance_minor"], currency, locale)
    if payload.get("remaining_to_keep") is not None:
        remaining = payload["remaining_to_keep"]
        spend = payload.get("metric") == "SPEND" and currency
        found["remaining_to_keep"] = _spend(remaining, str(currency), locale) if spend else _number(remaining, locale)
    for key in ("available_at", "expires_at", "period_end", "valid_until"):
        if payload.get(key) is not None:
            found[key] = _date(payload[key], locale)
    return found


def _spend(amount: Any, currency: str, locale: str | None) -> str:
    """Money left to spend, given in whole units as a decimal string ("120.50")."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    return i18n.money(value, currency, locale) if value.is_finite() else str(amount)


def _amount(payload: dict[str, Any], key: str) -> int:
    try:
        return int(payload.get(key) or 0)
    except (TypeError, ValueError):
        return 0


def _variant(topic: str, payload: dict[str, Any]) -> str:
    """The text that fits what the payload says: not spendable yet, nothing earned, points or
    credit alone, the unit a tier is kept by."""
    suffix = ""
    if payload.get("pending"):
        suffix = ".pending"
    elif topic == events.REFERRAL_COMPLETED and (payload.get("capped") or not _amount(payload, "points")):
        suffix = ".capped"
    elif topic in (events.BIRTHDAY_REWARDED, events.YEARLY_REWARD_GIVEN):
        points, credit = _amount(payload, "points"), _amount(payload, "credit_minor")
        suffix = ".credit" if credit and not points else ".points" if points and not credit else ""
    elif topic == events.REWARD_CANCELED and not _amount(payload, "points"):
        suffix = ".gift"
    elif topic == events.TIER_AT_RISK and payload.get("metric") in ("SPEND", "VISITS"):
        suffix = "." + str(payload["metric"]).lower()
    if suffix and f"{topic}{suffix}" in texts.TEXTS:
        return f"{topic}{suffix}"
    return topic


def words(topic: str, payload: dict[str, Any], locale: str | None, name: str) -> tuple[str, str, str]:
    """(language, title, body)."""
    by_language = texts.TEXTS.get(_variant(topic, payload))
    if by_language is None:
        raise RenderError(f"no texts for the topic {topic!r}")
    lang = language(locale)
    title, body = by_language.get(lang) or by_language[texts.FALLBACK]
    found = values(payload, name, locale)
    return lang, _agree(title.format_map(found), lang), _agree(body.format_map(found), lang)


def link(topic: str, public_url: str, payload: dict[str, Any] | None = None) -> str:
    """The page below PUBLIC_URL; a link with placeholders (a token) takes them from the payload."""
    path = texts.LINKS.get(topic, "/wallet")
    if "{" in path:
        path = path.format_map({key: quote(str(value), safe="") for key, value in (payload or {}).items()})
    return public_url.rstrip("/") + path


def email(topic: str, payload: dict[str, Any], locale: str | None, name: str, public_url: str) -> Email:
    lang, title, body = words(topic, payload, locale, name)
    url = link(topic, public_url, payload)
    greeting = texts.GREETING[lang].format(name=name)
    action = texts.ACTIONS.get(topic, texts.OPEN_LINK)[lang]
    text = f"{greeting}\n\n{body}\n\n{action}: {url}\n\n-- \n{texts.FOOTER[lang]}\n"
    e = html.escape
    markup = (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{e(title)}</title></head>'
        f"<body><p>{e(greeting)}</p><p>{e(body)}</p>"
        f'<p><a href="{e(url)}">{e(action)}</a></p>'
        f'<p style="color:#666;font-size:12px">{e(texts.FOOTER[lang])}</p></body></html>\n'
    )
    return Email(subject=title, text=text, html=markup)


def push(topic: str, payload: dict[str, Any], locale: str | None, name: str, public_url: str,
         notification_id: str) -> Push:
    _, title, body = words(topic, payload, locale, name)
    data = {"topic": topic, "link": link(topic, public_url, payload), "notification_id": notification_id}
    return Push(title=title, body=body, data=data)
