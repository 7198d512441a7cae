"""Writing an audit entry: the one way every staff action and program change is logged."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty import clock
from loyalty.audit.models import AuditEntry
from loyalty.errors import ErrorCode, LoyaltyError

MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class Actor:
    """Who acts: an API key (its name and id), or the `loyalty` command."""

    name: str
    api_key_id: int | None = None


CLI = Actor("cli")


def check_reason(reason: str | None, field: str = "reason") -> str | None:
    """The reason as stored: trimmed, at most MAX_REASON_LENGTH printable characters. None
    stays None (a command run without --reason); an empty text is REQUIRED."""
    if reason is None:
        return None
    text = " ".join(reason.split())
    if not text:
        raise LoyaltyError("Give a reason.", field=field, code=ErrorCode.REQUIRED)
    if len(text) > MAX_REASON_LENGTH or any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in text):
        raise LoyaltyError(f"The reason must be at most {MAX_REASON_LENGTH} printable characters.", field=field)
    return text


async def record(
    actor: Actor, action: str, member_id: int | None, reason: str | None,
    before: dict[str, Any] | None, after: dict[str, Any] | None, *, at: datetime | None = None,
) -> AuditEntry:
    """Appends one entry, inside the caller's transaction: it commits with the change it
    describes, or not at all. `action` is a dotted name (`member.adjust_points`,
    `program.apply`); `before` and `after` hold the values the action changed."""
    return await AuditEntry.create(
        occurred_at=at or clock.now(), actor=actor.name[:128], api_key_id=actor.api_key_id, action=action,
        member_id=member_id, reason=reason, before=before, after=after,
    )
