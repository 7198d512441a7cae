from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class AuditEntry(Model):
    """One staff action or program change: who, when, what, why, and the values before and after. Append-only."""

    id = fields.BigIntField(primary_key=True)
    occurred_at = fields.DatetimeField()
    # The API key name, or "cli" for the loyalty command.
    actor = fields.CharField(max_length=128)
    api_key_id = fields.BigIntField(null=True)
    action = fields.CharField(max_length=64)
    member_id = fields.BigIntField(null=True)
    reason = fields.CharField(max_length=500, null=True)
    before: Any = fields.JSONField(null=True)
    after: Any = fields.JSONField(null=True)

    class Meta:
        table = "audit_log"
        indexes = (Index(fields=("member_id", "id")),)
