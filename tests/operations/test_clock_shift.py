"""CLOCK_SHIFT_SECONDS moves a process's clock (development and tests only)."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from loyalty.settings import Settings

PRINT_NOW = "from loyalty import clock; print(clock.now().isoformat())"


def run(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CLOCK_SHIFT_SECONDS", "LOYALTY_ENV")}
    return subprocess.run([sys.executable, "-c", PRINT_NOW], env=base | env, capture_output=True, text=True,
                          check=False, timeout=60)


def test_the_clock_runs_on_from_the_shifted_moment() -> None:
    before = datetime.now(timezone.utc)
    done = run(CLOCK_SHIFT_SECONDS="86400", LOYALTY_ENV="development")
    after = datetime.now(timezone.utc)
    assert done.returncode == 0, done.stderr
    moment = datetime.fromisoformat(done.stdout.strip())
    assert before + timedelta(days=1) <= moment <= after + timedelta(days=1)


def test_production_refuses_a_shifted_clock() -> None:
    done = run(CLOCK_SHIFT_SECONDS="86400", LOYALTY_ENV="production")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "RuntimeError: CLOCK_SHIFT_SECONDS is for development and tests; refused with LOYALTY_ENV=production")


def test_production_settings_refuse_a_shifted_clock() -> None:
    """A production LOYALTY_ENV from a `.env` file, with the shift in the environment, is refused too."""
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, LOYALTY_ENV="production", CLOCK_SHIFT_SECONDS=5)
    assert [error["msg"] for error in refused.value.errors()] == [
        "Value error, CLOCK_SHIFT_SECONDS is for development and tests; refused with LOYALTY_ENV=production"]
    assert Settings(_env_file=None, LOYALTY_ENV="development", CLOCK_SHIFT_SECONDS=5).clock_shift_seconds == 5
