"""The daily `expire-passes` job, idempotent, taking "now":

1. visit packs and time passes past their validity: EXPIRED, with what was left recorded
   (one statement, one event per pass);
2. credit passes past their validity: EXPIRED, and their remaining credit moved to the
   program's expiry account (breakage); a credit pass that got credit back after it
   expired (a refunded order) is swept the same way. Set-based, like the ledger's jobs:
   in ranges of pass ids (`loyalty.ledger.batches`), each range a few statements in one
   transaction (the transfers, the balances, the passes, their events and history);
3. reminders, once per pass: a paid pass that expires within its product's
   `reminder_days`.

Returns how many passes it changed or reminded.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from loyalty import changes, events, outbox, sql
from loyalty.ledger import batches, book
from loyalty.ledger.accounts import program_account_id
from loyalty.ledger.codes import EXPIRED, TransferCode
from loyalty.ledger.expiry import current_program
from loyalty.ledger.models import Asset, TransferStatus
from loyalty.passes import history
from loyalty.passes.models import Pass, PassStatus
from loyalty.passes.payloads import payload
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
        await history.record_each(program, due, history.Code.PASS_EXPIRED, now,
                                  {row.id: {"valid_through": history.valid_through(program, row)} for row in due})
        return await sql.execute(
            "UPDATE passes SET status = ?, ended_at = ?, visits_left_at_end = visits_total - visits_used "
            f"WHERE id IN ({sql.marks(due)})", _EXPIRED, now, *(row.id for row in due),
        )


# The credit passes of a range the job has work for: past their validity, or expired and
# given credit back since (a refunded order). Parameters: kind, first, last, ACTIVE, now, EXPIRED.
_CREDIT_DUE = (
    "FROM passes p JOIN ledger_accounts a ON a.id = p.credit_account_id "
    "WHERE p.kind = ? AND p.id BETWEEN ? AND ? AND ((p.status = ? AND p.valid_until <= ?) OR (p.status = ? AND a.posted > 0))"
)


async def _expire_credit(program: Program, now: datetime) -> int:
    """Credit passes due, in ranges of pass ids (`batches`), each range in one transaction."""
    found = await sql.fetch(
        f"SELECT p.id {_CREDIT_DUE} ORDER BY p.id", PassKind.CREDIT_PASS.value, 0, 2**63 - 1, _ACTIVE, now, _EXPIRED,
    )
    if not found:
        return 0
    expiry_id = await program_account_id(Asset.PASS_CREDIT, EXPIRED)
    changed = 0
    for first, last in batches.ranges(int(row["id"]) for row in found):
        changed += await _expire_credit_range(program, now, expiry_id, first, last)
    return changed


def _names(program: Program) -> tuple[str, list[str]]:
    """An SQL expression of a pass row `p` that gives its product's name, and its parameters."""
    products = [p for p in program.pass_products if p.kind is PassKind.CREDIT_PASS]
    if not products:
        return "p.product_code", []
    whens = " ".join("WHEN ? THEN CAST(? AS TEXT)" for _ in products)
    return f"CASE p.product_code {whens} ELSE p.product_code END", [v for p in products for v in (p.code, p.name)]


async def _expire_credit_range(program: Program, now: datetime, expiry_id: int, first: int, last: int) -> int:
    """The credit passes due from `first` to `last`: the ones past their validity become
    EXPIRED, and every balance left moves to the expiry account, one PASS_EXPIRY transfer
    per pass, by a few statements in one transaction. The passes and their accounts are
    locked first, in pass order (as a refund locks them: pass, then account); a spend
    racing the job waits for the account and then finds it empty."""
    batch, settings = uuid.uuid4().hex, program.program
    due_params = (PassKind.CREDIT_PASS.value, first, last, _ACTIVE, now, _EXPIRED)
    async with changes.set_based_change():
        due = await sql.fetch(f"SELECT p.id, a.posted {_CREDIT_DUE} ORDER BY p.id{sql.for_update()}", *due_params)
        if not due:
            return 0
        name, name_params = _names(program)
        memo = sql.json_object({"pass_name": name, "amount_minor": "a.posted", "currency": "CAST(? AS TEXT)"})
        await sql.execute(
            "INSERT INTO ledger_transfers (asset, debit_account_id, credit_account_id, amount, code, status, "
            "idempotency_key, member_id, reference, memo, occurred_at, created_at, posted_at, batch_id) "
            "SELECT ?, a.id, ?, a.posted, ?, ?, 'pass:' || CAST(p.id AS TEXT) || ':expiry:' || CAST(? AS TEXT), "
            f"p.member_id, NULL, {memo}, ?, ?, ?, ? {_CREDIT_DUE} AND a.posted > 0",
            Asset.PASS_CREDIT.value, expiry_id, TransferCode.PASS_EXPIRY.value, TransferStatus.POSTED.value, batch,
            *name_params, settings.currency, now, now, now, batch, *due_params,
        )
        row = await sql.fetch_aggregate(
            "SELECT COUNT(*) AS n, SUM(amount) AS total FROM ledger_transfers WHERE batch_id = ?", batch
        )
        moved, total = (int(row["n"]), int(row["total"] or 0)) if row else (0, 0)
        if moved:
            await book.change_accounts(
                "UPDATE ledger_accounts SET posted = posted - s.amount FROM ("
                " SELECT debit_account_id AS account_id, amount FROM ledger_transfers WHERE batch_id = ?"
                ") AS s WHERE ledger_accounts.id = s.account_id AND ledger_accounts.posted = s.amount",
                batch, expected=moved,
            )
            await book.change_accounts("UPDATE ledger_accounts SET posted = posted + ? WHERE id = ?", total, expiry_id,
                                       expected=1)
        left = {int(r["id"]): int(r["posted"]) for r in due}
        ending = await Pass.filter(id__in=list(left), status=_ACTIVE).order_by("id")
        if ending:
            await sql.execute(f"UPDATE passes SET status = ?, ended_at = ? WHERE id IN ({sql.marks(ending)})",
                              _EXPIRED, now, *(p.id for p in ending))
            for pass_row in ending:
                await outbox.emit(events.PASS_EXPIRED, pass_row.member_id, payload(
                    program, pass_row, valid_until=pass_row.valid_until.isoformat() if pass_row.valid_until else None,
                    visits_left=None, credit_minor=left[pass_row.id], currency=settings.currency,
                ))
            # One that had credit left shows in the history as its PASS_EXPIRY transfer.
            await history.record_each(program, [p for p in ending if not left[p.id]], history.Code.PASS_EXPIRED, now,
                                      {p.id: {"valid_through": history.valid_through(program, p)} for p in ending})
        ended = {p.id for p in ending}
        return len(ended) + sum(1 for pass_id, posted in left.items() if posted > 0 and pass_id not in ended)


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
