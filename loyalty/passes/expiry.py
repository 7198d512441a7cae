"""The daily `expire-passes` job, idempotent, taking "now":

1. visit packs and time passes past their validity: EXPIRED, with what was left recorded
   (one statement, one event per pass);
2. credit passes past their validity: EXPIRED, and their remaining credit moved to the
   program's expiry account (breakage); a credit pass that got credit back after it
   expired (a refunded order) is swept the same way. The passes are selected by one query;
   each then changes in its own transaction under its member's lock, rechecked there;
3. reminders, once per pass: a paid pass that expires within its product's
   `reminder_days`.

Returns how many passes it changed or reminded.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from loyalty import changes, events, outbox, sql
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import EXPIRED, TransferCode
from loyalty.ledger.expiry import current_program
from loyalty.ledger.models import Asset
from loyalty.passes.models import Pass, PassStatus
from loyalty.passes.payloads import payload
from loyalty.passes.payments import locked_pass, take_balance
from loyalty.program.spec import PassKind, Program

_ACTIVE, _EXPIRED = PassStatus.ACTIVE.value, PassStatus.EXPIRED.value
_VISITS = (PassKind.VISIT_PACK.value, PassKind.TIME_PASS.value)


async def expire_passes(now: datetime) -> int:
    program = await current_program()
    return await _expire_visit_passes(program, now) + await _expire_credit(program, now) + await _remind(program, now)


async def _emit_each(program: Program, topic: str, rows: list[Pass], **extra: object) -> None:
    for row in rows:
        left = None if row.visits_total is None else row.visits_total - row.visits_used
        await outbox.emit(topic, row.member_id, payload(
            program, row, valid_until=row.valid_until.isoformat() if row.valid_until else None, **extra,
            **({"visits_left": left, "credit_minor": 0, "currency": program.program.currency}
               if topic == events.PASS_EXPIRED else {}),
        ))


async def _expire_visit_passes(program: Program, now: datetime) -> int:
    async with changes.set_based_change():
        due = await Pass.select_for_update().filter(status=_ACTIVE, kind__in=_VISITS, valid_until__lte=now).order_by("id")
        if not due:
            return 0
        await _emit_each(program, events.PASS_EXPIRED, due)
        return await sql.execute(
            "UPDATE passes SET status = ?, ended_at = ?, visits_left_at_end = visits_total - visits_used "
            f"WHERE id IN ({sql.marks(due)})", _EXPIRED, now, *(row.id for row in due),
        )


async def _expire_credit(program: Program, now: datetime) -> int:
    found = await sql.fetch(
        "SELECT p.id FROM passes p LEFT JOIN ledger_accounts a ON a.id = p.credit_account_id "
        "WHERE p.kind = ? AND ((p.status = ? AND p.valid_until <= ?) OR (p.status = ? AND a.posted > 0)) ORDER BY p.id",
        PassKind.CREDIT_PASS.value, _ACTIVE, now, _EXPIRED,
    )
    changed = 0
    for row in found:
        changed += await _expire_one_credit_pass(program, int(row["id"]), now)
    return changed


async def _expire_one_credit_pass(program: Program, pass_id: int, now: datetime) -> int:
    row = await Pass.get(id=pass_id)
    async with changes.member_change():
        await lock_member_account(row.member_id, Asset.POINTS)
        row = await locked_pass(pass_id)
        due = row.status == _ACTIVE and row.valid_until is not None and row.valid_until <= now
        if not due and row.status != _EXPIRED:
            return 0
        settings = program.program
        sweeps = await sql.fetch_one("SELECT COUNT(*) AS n FROM ledger_transfers WHERE code = ? AND idempotency_key LIKE ?",
                                     TransferCode.PASS_EXPIRY.value, f"pass:{row.id}:expiry%")
        product = program.pass_product(row.product_code)
        left = await take_balance(row, TransferCode.PASS_EXPIRY, EXPIRED, f"pass:{row.id}:expiry:{int(sweeps['n']) if sweeps else 0}",
                                  None, now, {"pass_name": product.name if product else row.product_code,
                                              "currency": settings.currency})
        if not due:
            return 1 if left else 0
        row.status, row.ended_at = _EXPIRED, now
        await row.save(update_fields=["status", "ended_at"])
        await outbox.emit(events.PASS_EXPIRED, row.member_id, payload(
            program, row, valid_until=row.valid_until.isoformat() if row.valid_until else None, visits_left=None,
            credit_minor=left, currency=settings.currency,
        ))
        return 1


async def _remind(program: Program, now: datetime) -> int:
    reminded = 0
    for product in program.pass_products:
        if product.kind is PassKind.PUNCH_CARD or not product.reminder_days:
            continue
        async with changes.set_based_change():
            due = await Pass.select_for_update().filter(
                status=_ACTIVE, product_code=product.code, reminded_expiry=False, valid_until__gt=now,
                valid_until__lte=now + timedelta(days=product.reminder_days)).order_by("id")
            if not due:
                continue
            await _emit_each(program, events.PASS_EXPIRING, due, days=product.reminder_days)
            reminded += await sql.execute(f"UPDATE passes SET reminded_expiry = ? WHERE id IN ({sql.marks(due)})",
                                          True, *(row.id for row in due))
    return reminded
