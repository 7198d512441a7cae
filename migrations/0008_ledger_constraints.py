from tortoise import migrations
from tortoise.migrations import operations as ops

# The ledger's rules that the database can keep by itself (docs/ledger.md). Every statement
# is checked as it runs: the code writes parents (accounts, then transfers, then lots) before
# the rows that name them.

CONSTRAINTS: dict[str, list[tuple[str, str]]] = {
    "ledger_accounts": [
        # The key the transfers' foreign keys name: an account and the asset it holds.
        ("ledger_accounts_id_asset", "UNIQUE (id, asset)"),
        ("ledger_accounts_member_not_below_zero", "CHECK (kind <> 'member' OR posted >= 0)"),
        ("ledger_accounts_debt_not_above_zero", "CHECK (kind <> 'debt' OR posted <= 0)"),
        ("ledger_accounts_pending_not_below_zero", "CHECK (pending_in >= 0 AND pending_out >= 0)"),
    ],
    "ledger_transfers": [
        ("ledger_transfers_amount_positive", "CHECK (amount > 0)"),
        ("ledger_transfers_two_accounts", "CHECK (debit_account_id <> credit_account_id)"),
        # Each side exists and holds the transfer's asset.
        ("ledger_transfers_debit_account",
         "FOREIGN KEY (debit_account_id, asset) REFERENCES ledger_accounts (id, asset)"),
        ("ledger_transfers_credit_account",
         "FOREIGN KEY (credit_account_id, asset) REFERENCES ledger_accounts (id, asset)"),
        ("ledger_transfers_reverses", "FOREIGN KEY (reverses_id) REFERENCES ledger_transfers (id)"),
    ],
    "ledger_lots": [
        ("ledger_lots_account", "FOREIGN KEY (account_id) REFERENCES ledger_accounts (id)"),
        ("ledger_lots_transfer", "FOREIGN KEY (transfer_id) REFERENCES ledger_transfers (id)"),
        ("ledger_lots_remaining", "CHECK (amount > 0 AND remaining >= 0 AND remaining <= amount)"),
    ],
    "ledger_lot_allocations": [
        ("ledger_lot_allocations_lot", "FOREIGN KEY (lot_id) REFERENCES ledger_lots (id)"),
        ("ledger_lot_allocations_transfer",
         "FOREIGN KEY (transfer_id) REFERENCES ledger_transfers (id)"),
        ("ledger_lot_allocations_amount", "CHECK (amount <> 0)"),
    ],
}


async def _postgres(client, reverse: bool) -> None:
    # Parents last when adding (the UNIQUE key first), first when dropping.
    tables = list(CONSTRAINTS)
    for table in reversed(tables) if reverse else tables:
        for name, clause in reversed(CONSTRAINTS[table]) if reverse else CONSTRAINTS[table]:
            if reverse:
                await client.execute_query(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')
            else:
                await client.execute_query(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {clause}')


async def _sqlite_rebuild(client, table: str, add: bool) -> None:
    """SQLite adds no constraint to an existing table: the table is made anew, under its own
    name, from its own definition with the constraints added (or, going back, removed), and
    its rows, indexes and id sequence carried over. Tables are rebuilt parents first, so no
    foreign key names the table being renamed yet."""
    (row,) = await client.execute_query_dict("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table])
    definition = row["sql"].rstrip()
    ours = definition.find(f',\n    CONSTRAINT "{CONSTRAINTS[table][0][0]}"')
    if ours >= 0:
        definition = definition[:ours] + "\n)"
    if not definition.endswith(")"):
        raise RuntimeError(f"unexpected definition of {table}: {definition!r}")
    indexes = [r["sql"] for r in await client.execute_query_dict(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table]
    )]
    sequence = await client.execute_query_dict("SELECT seq FROM sqlite_sequence WHERE name = ?", [table])
    added = "".join(f',\n    CONSTRAINT "{name}" {clause}' for name, clause in CONSTRAINTS[table]) if add else ""
    old = f"{table}__before_0008"
    await client.execute_query(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    await client.execute_query(definition[:-1].rstrip() + added + "\n)")
    await client.execute_query(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
    await client.execute_query(f'DROP TABLE "{old}"')
    for index in indexes:
        await client.execute_query(index)
    if sequence:  # AUTOINCREMENT never hands out an id twice, even one whose row was deleted
        await client.execute_query("DELETE FROM sqlite_sequence WHERE name = ?", [table])
        await client.execute_query("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                                   [table, int(sequence[0]["seq"])])


async def _apply(client, reverse: bool) -> None:
    if client.capabilities.dialect == "postgres":
        await _postgres(client, reverse)
        return
    for table in CONSTRAINTS:
        await _sqlite_rebuild(client, table, add=not reverse)


async def forward(apps, schema_editor) -> None:
    await _apply(schema_editor.client, reverse=False)


async def backward(apps, schema_editor) -> None:
    await _apply(schema_editor.client, reverse=True)


class Migration(migrations.Migration):
    """The database keeps the ledger's rules too: foreign keys from transfers, lots and
    allocations to their accounts and transfers, and CHECK constraints for positive amounts,
    member accounts never below zero, debt accounts never above it and two distinct sides
    of every transfer. An existing ledger that breaks one of them stops the migration
    (`loyalty verify-ledger` names the rows)."""

    dependencies = [("loyalty", "0007_scheduler_runs")]

    operations = [
        ops.RunPython(forward, reverse_code=backward),
    ]
