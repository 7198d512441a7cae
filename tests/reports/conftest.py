"""The reports' tests count points at the base rate (the ledger's tests' program)."""
from __future__ import annotations

import pytest

from tests.support.program import demo_at_base_rate, use_program


@pytest.fixture
async def runtime(runtime):
    await use_program(runtime, demo_at_base_rate())
    return runtime
