"""The API tests of purchases and wallets count points at the base rate: the demo without its new-member bonus."""
from __future__ import annotations

import pytest

from tests.support.program import demo_without_new_member_bonus, use_program


@pytest.fixture
async def runtime(runtime):
    await use_program(runtime, demo_without_new_member_bonus())
    return runtime
