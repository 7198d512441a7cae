"""Notifications rendered from an event's payload in the member's language."""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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


def language(locale: str | None) -> str:
    """`nl-NL` -> `nl`; a language without texts falls back to English."""
    primary = (locale or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in texts.LANGUAGES else texts.FALLBACK


def _money(minor: Any, currency: Any) -> str:
    minor = int(minor)
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d} {currency}".strip()


def _date(value: Any) -> str:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).date().isoformat()
        except ValueError:
            return value
    return str(value)


class _Values(dict):
    def __missing__(self, key: str) -> str:
        raise RenderError(f"the payload has no {key!r}")


def values(payload: dict[str, Any], name: str) -> _Values:
    found = _Values({key: value for key, value in payload.items() if value is not None})
    found["name"] = name
    currency = payload.get("currency", "")
    if "credit_minor" in payload:
        found["credit"] = _money(payload["credit_minor"], currency)
    if "value_minor" in payload:
        found["value"] = _money(payload["value_minor"], currency)
    for key in ("available_at", "expires_at", "period_end", "valid_until"):
        if payload.get(key) is not None:
            found[key] = _date(payload[key])
    return found


def _variant(topic: str, payload: dict[str, Any]) -> str:
    if payload.get("pending") and f"{topic}.pending" in texts.TEXTS:
        return f"{topic}.pending"
    return topic


def words(topic: str, payload: dict[str, Any], locale: str | None, name: str) -> tuple[str, str, str]:
    """(language, title, body)."""
    by_language = texts.TEXTS.get(_variant(topic, payload))
    if by_language is None:
        raise RenderError(f"no texts for the topic {topic!r}")
    lang = language(locale)
    title, body = by_language.get(lang) or by_language[texts.FALLBACK]
    found = values(payload, name)
    return lang, title.format_map(found), body.format_map(found)


def link(topic: str, public_url: str) -> str:
    return public_url.rstrip("/") + texts.LINKS.get(topic, "/wallet")


def email(topic: str, payload: dict[str, Any], locale: str | None, name: str, public_url: str) -> Email:
    lang, title, body = words(topic, payload, locale, name)
    url = link(topic, public_url)
    greeting = texts.GREETING[lang].format(name=name)
    text = f"{greeting}\n\n{body}\n\n{texts.OPEN_LINK[lang]}: {url}\n\n-- \n{texts.FOOTER[lang]}\n"
    e = html.escape
    markup = (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{e(title)}</title></head>'
        f"<body><p>{e(greeting)}</p><p>{e(body)}</p>"
        f'<p><a href="{e(url)}">{e(texts.OPEN_LINK[lang])}</a></p>'
        f'<p style="color:#666;font-size:12px">{e(texts.FOOTER[lang])}</p></body></html>\n'
    )
    return Email(subject=title, text=text, html=markup)


def push(topic: str, payload: dict[str, Any], locale: str | None, name: str, public_url: str,
         notification_id: str) -> Push:
    _, title, body = words(topic, payload, locale, name)
    data = {"topic": topic, "link": link(topic, public_url), "notification_id": notification_id}
    return Push(title=title, body=body, data=data)
