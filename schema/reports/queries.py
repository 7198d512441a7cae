from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from loyalty.reports.build import program_report
from schema.context import context_of
from schema.permissions import require_scope
from schema.reports.types import ProgramReport


@strawberry.type
class ReportQueries:
    @strawberry.field(description="The program's figures over a period, computed from the ledger (scope reports:read).")
    async def report(
        self, info: Info, from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime,
        brand: str | None = None,
    ) -> ProgramReport:
        require_scope(info, "reports:read")
        program = context_of(info).runtime.program.program
        return ProgramReport.from_figures(program, await program_report(program, from_, to, brand))
