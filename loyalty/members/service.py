"""Members: joining, profiles, notification settings, devices."""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from loyalty import clock
from loyalty.errors import ErrorCode, LoyaltyError, NotFound, ValidationFailed
from loyalty.members import numbers, validation
from loyalty.members.models import Device, Member

PLATFORMS = ("IOS", "ANDROID", "WEB")
MAX_DEVICE_TOKEN_LENGTH = 4096
_NUMBER_ATTEMPTS = 5


class EmailTaken(LoyaltyError):
    code = ErrorCode.EMAIL_TAKEN

    def __init__(self, field: str = "email") -> None:
        super().__init__("An account with this email address exists already.", field=field)


@dataclass(frozen=True)
class NewMember:
    email: str
    password: str
    display_name: str
    birthday: date | None = None
    locale: str | None = None
    marketing_consent: bool = False


def _collect(checks: list[tuple[Any, ...]]) -> list[Any]:
    """Runs every check, so that a form shows all its errors at once."""
    values, errors = [], []
    for check, *args in checks:
        try:
            values.append(check(*args))
        except LoyaltyError as exc:
            errors.append(exc)
            values.append(None)
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationFailed(errors)
    return values


def validate_new_member(data: NewMember, default_locale: str) -> NewMember:
    today = clock.now().date()
    email, _, name, birthday, locale = _collect([
        (validation.email, data.email),
        (validation.password, data.password),
        (validation.display_name, data.display_name),
        (lambda b: None if b is None else validation.birthday(b, today), data.birthday),
        (validation.locale, data.locale if data.locale is not None else default_locale),
    ])
    return NewMember(email, data.password, name, birthday, locale, bool(data.marketing_consent))


async def email_taken(email: str) -> bool:
    """Whether an account has this mailbox (`validation.canonical_email`) or this address."""
    return await Member.filter(
        Q(email_canonical=validation.canonical_email(email)) | Q(email_normalized=validation.normalized_email(email))
    ).exists()


async def create_member(data: NewMember, password_hash: str, *, verified: bool = False) -> Member:
    """Creates a validated member. Call inside the caller's transaction."""
    normalized = validation.normalized_email(data.email)
    canonical = validation.canonical_email(data.email)
    if await email_taken(data.email):
        raise EmailTaken()
    now = clock.now()
    for _ in range(_NUMBER_ATTEMPTS):
        number = numbers.new_member_number()
        if await Member.filter(member_number=number).exists():
            continue
        try:
            async with in_transaction():
                return await Member.create(
                    member_number=number, email=data.email, email_normalized=normalized,
                    email_canonical=canonical, email_verified_at=now if verified else None,
                    password_hash=password_hash, display_name=data.display_name,
                    birthday=data.birthday, locale=data.locale,
                    marketing_consent=data.marketing_consent, notify_marketing=data.marketing_consent,
                    joined_at=now, updated_at=now,
                )
        except IntegrityError:
            if await email_taken(data.email):
                raise EmailTaken() from None
    raise RuntimeError("could not allocate a unique member number")


async def find_by_number(text: str) -> Member | None:
    """The member with this card number; None for an erased member's (retired) number."""
    number = numbers.normalize(text)
    return None if number is None else await Member.get_or_none(member_number=number, erased_at=None)


async def refuse_erased(member_id: int, field: str = "member_id") -> None:
    """NOT_FOUND for an erased member. Call holding the member's account lock: erasure takes
    the same lock, so a member erased while the caller waited for it is seen erased here."""
    if await Member.filter(id=member_id, erased_at__isnull=False).exists():
        raise NotFound("No member with that id or number.", field=field)


async def find_by_email(email: str) -> Member | None:
    """The account of an address: as typed (case aside), or else of its mailbox, so that
    `x@example.com.` and `X+shop@example.com` find `x@example.com`."""
    found = await Member.get_or_none(email_normalized=validation.normalized_email(email))
    if found is None:
        found = await Member.get_or_none(email_canonical=validation.canonical_email(email))
    return found


async def update_profile(
    member: Member, *, display_name: str | None = None, birthday: date | None = None,
    locale: str | None = None, marketing_consent: bool | None = None,
) -> Member:
    today = clock.now().date()
    name, bday, loc = _collect([
        (lambda v: None if v is None else validation.display_name(v), display_name),
        (lambda v: None if v is None else validation.birthday(v, today), birthday),
        (lambda v: None if v is None else validation.locale(v), locale),
    ])
    changed = []
    for field, value in (("display_name", name), ("birthday", bday), ("locale", loc)):
        if value is not None:
            setattr(member, field, value)
            changed.append(field)
    if marketing_consent is not None:
        member.marketing_consent = marketing_consent
        changed.append("marketing_consent")
        if not marketing_consent:
            # Withdrawing consent stops marketing messages at once.
            member.notify_marketing = False
            changed.append("notify_marketing")
    if changed:
        member.updated_at = clock.now()
        await member.save(update_fields=[*changed, "updated_at"])
    return member


async def update_notification_settings(
    member: Member, *, email: bool | None = None, push: bool | None = None, marketing: bool | None = None
) -> Member:
    if marketing and not member.marketing_consent:
        raise LoyaltyError(
            "Marketing messages need marketing consent: give it in your profile first.", field="marketing"
        )
    changed = []
    for field, value in (("notify_email", email), ("notify_push", push), ("notify_marketing", marketing)):
        if value is not None:
            setattr(member, field, value)
            changed.append(field)
    if changed:
        member.updated_at = clock.now()
        await member.save(update_fields=[*changed, "updated_at"])
    return member


def _validate_device_token(platform: str, token: str) -> str:
    token = token.strip()
    if not token:
        raise LoyaltyError("A push token is required.", field="token", code=ErrorCode.REQUIRED)
    if len(token) > MAX_DEVICE_TOKEN_LENGTH:
        raise LoyaltyError("The push token is too long.", field="token")
    if platform == "WEB":
        try:
            subscription = json.loads(token)
            keys = subscription["keys"]
            valid = (
                str(subscription["endpoint"]).startswith("https://")
                and isinstance(keys.get("p256dh"), str) and isinstance(keys.get("auth"), str)
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            valid = False
        if not valid:
            raise LoyaltyError(
                "A WEB token is a Web Push subscription as JSON: an https endpoint and keys p256dh and auth.",
                field="token",
            )
    return token


async def register_device(member: Member, platform: str, token: str, session_id: uuid.UUID | None = None) -> Device:
    """Registers a push target under the session that registers it (logging that session out
    removes it). A token seen before moves to this member and session (a shared device)."""
    if platform not in PLATFORMS:
        raise LoyaltyError(f"The platform must be one of {', '.join(PLATFORMS)}.", field="platform")
    token = _validate_device_token(platform, token)
    digest = hashlib.sha256(token.encode()).hexdigest()
    now = clock.now()
    async with in_transaction():
        device = await Device.filter(platform=platform, token_hash=digest).select_for_update().first()
        if device is None:
            try:
                async with in_transaction():
                    return await Device.create(
                        member=member, platform=platform, token=token, token_hash=digest,
                        session_id=session_id, registered_at=now, last_seen_at=now,
                    )
            except IntegrityError:
                device = await Device.get(platform=platform, token_hash=digest)
        device.member_id = member.id
        device.session_id = session_id
        device.last_seen_at = now
        await device.save(update_fields=["member_id", "session_id", "last_seen_at"])
        return device


async def unregister_device(member: Member, token: str) -> None:
    """Removes the member's device with this push token (any platform): it gets no more
    pushes. NOT_FOUND when the member has none with that token."""
    token = token.strip()
    if not token:
        raise LoyaltyError("A push token is required.", field="token", code=ErrorCode.REQUIRED)
    if len(token) > MAX_DEVICE_TOKEN_LENGTH:
        raise NotFound("No device of yours has this push token.", field="token")
    digest = hashlib.sha256(token.encode()).hexdigest()
    if not await Device.filter(member_id=member.id, token_hash=digest).delete():
        raise NotFound("No device of yours has this push token.", field="token")
