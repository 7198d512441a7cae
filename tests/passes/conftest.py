"""The passes' domain tests: the demo program without the new-member bonus, and Ann, who joined
the day before T0 (modules with another moment define their own `ann`)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from loyalty import clock
from tests.passes.helpers import T0
from tests.support.members import new_member
from tests.support.program import demo_without_new_member_bonus, use_program


@pytest.fixture
async def program(runtime):
    return await use_program(runtime, demo_without_new_member_bonus())


@pytest.fixture
async def ann(program) -> int:
    with clock.frozen_at(T0 - timedelta(days=1)):
        return await new_member()
