from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from loyalty.notifications.channels.configured import Channels, from_settings
from loyalty.notifications.delivery import RetryPolicy
from tests.support.notify import Credentials, channel_settings, make_credentials
from tests.support.receivers import PushReceiver, SmtpReceiver, push_receiver, smtp_receiver


@pytest.fixture(scope="session")
def credentials(workdir: Path) -> Credentials:
    return make_credentials(workdir / "credentials")


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with smtp_receiver() as receiver:
        yield receiver


@pytest.fixture
async def push() -> AsyncIterator[PushReceiver]:
    async with push_receiver() as receiver:
        yield receiver


@pytest.fixture
async def channels(clean_db: None, workdir: Path, credentials: Credentials, smtp: SmtpReceiver,
                   push: PushReceiver) -> AsyncIterator[Channels]:
    settings = channel_settings(workdir, credentials, smtp_url=smtp.url, push=push)
    built = from_settings(settings, verify=push.client_context())
    yield built
    await built.close()


@pytest.fixture
def policy() -> RetryPolicy:
    return RetryPolicy(max_attempts=3, base_seconds=30, cap_seconds=600, lease_seconds=60)
