"""Member referral codes: short, unique, read without ambiguity, matched in any case."""
from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urlencode, urlsplit, urlunsplit, parse_qsl

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty import clock
from loyalty.program.spec import Program
from loyalty.referrals.models import ReferralCode
from loyalty.rewards.codes import normalize, random_code

CODE_LENGTH = 8  # 31**8: about 850 billion codes
QUERY_PARAMETER = "ref"
_ATTEMPTS = 8


def device_hash(device_id: str | None) -> str | None:
    device_id = (device_id or "").strip()
    return hashlib.sha256(device_id.encode()).hexdigest() if device_id else None


async def create_code(member_id: int, now: datetime, device_id: str | None = None) -> ReferralCode:
    """The member's code (made once), inside the caller's transaction."""
    existing = await ReferralCode.get_or_none(member_id=member_id)
    if existing is not None:
        return existing
    for _ in range(_ATTEMPTS):
        code = random_code(CODE_LENGTH)
        if await ReferralCode.exists(code=code):
            continue
        try:
            async with in_transaction():
                return await ReferralCode.create(
                    member_id=member_id, code=code, device_hash=device_hash(device_id), created_at=now
                )
        except IntegrityError:
            if (existing := await ReferralCode.get_or_none(member_id=member_id)) is not None:
                return existing
    raise RuntimeError("could not allocate a unique referral code")


async def code_of(member_id: int) -> ReferralCode:
    """Every member has a code: members who joined before codes existed get theirs here."""
    existing = await ReferralCode.get_or_none(member_id=member_id)
    return existing or await create_code(member_id, clock.now())


async def find_code(text: str | None) -> ReferralCode | None:
    code = normalize(text or "", CODE_LENGTH)
    return None if code is None else await ReferralCode.get_or_none(code=code)


def link(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/r/{code}"


def landing_url(program: Program, public_url: str, code: str | None) -> str:
    """Where a referral link leads: the program's landing page with the code added to its
    query (referral.landing_url, else program.landing_url, else the public URL)."""
    base = (program.referral and program.referral.landing_url) or program.program.landing_url or public_url
    if code is None:
        return str(base)
    parts = urlsplit(str(base))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != QUERY_PARAMETER]
    query.append((QUERY_PARAMETER, code))
    return urlunsplit(parts._replace(path=parts.path or "/", query=urlencode(query)))
