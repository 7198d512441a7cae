"""Exits 1 when the models hold a change that no migration makes (`tortoise makemigrations`
would write one), printing the migration it would write; 0 when there is none.

tortoise's `makemigrations` has no check-only mode, so this runs its change detector (the
same MigrationAutodetector) and writes nothing. Needs no database: the state comes from the
migration files and the models."""
from __future__ import annotations

import asyncio
import sys

from tortoise.cli.cli import tortoise_cli_context
from tortoise.migrations.autodetector import MigrationAutodetector

from loyalty import db
from loyalty.settings import Settings


async def pending() -> list[str]:
    config = db.tortoise_config(Settings(_env_file=None, database_url="sqlite://:memory:"))
    async with tortoise_cli_context(config) as ctx:
        assert ctx.apps is not None  # set by init
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    return [f"# migrations/{writer.name}.py\n{writer.as_string()}" for writer in writers]


def main() -> int:
    found = asyncio.run(pending())
    if found:
        print("the models hold changes no migration makes; `tortoise makemigrations` would write:\n", file=sys.stderr)
        print("\n".join(found), file=sys.stderr)
        return 1
    print("no pending model change: the migrations build the models")
    return 0


if __name__ == "__main__":
    sys.exit(main())
