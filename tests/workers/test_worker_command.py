"""`loyalty worker` as a process: it delivers, and SIGTERM stops it cleanly."""
from __future__ import annotations

from pathlib import Path

from tortoise.transactions import in_transaction

from loyalty import events, outbox
from loyalty.notifications.models import SENT, Notification
from loyalty.runtime import Runtime
from tests.support.notify import eventually, new_member
from tests.support.receivers import smtp_receiver
from tests.support.workers import workers


async def test_the_worker_command_delivers_and_stops_on_sigterm(runtime: Runtime, tmp_path: Path) -> None:
    member = await new_member("ann@example.com", "de-AT")
    async with in_transaction():
        await outbox.emit(events.POINTS_SPENT, member.id, {"points": 30, "order": "W-1"})
    with smtp_receiver() as smtp, workers(runtime.settings, log_dir=tmp_path,
                                          env={"SMTP_URL": smtp.url, "MAIL_FROM": "Shop <a@shop.example>"}) as start:
        worker = start()

        async def sent() -> bool:
            return await Notification.filter(status=SENT).count() == 1 and len(smtp.messages) == 1

        await eventually(sent, timeout=30, what="the email")
        worker.stop()
        assert worker.process.returncode == 0, worker.log()
    [message] = smtp.messages
    assert message["Subject"] == "Du hast 30 Punkte eingelöst"
    assert message["From"] == "Shop <a@shop.example>"


def test_a_worker_with_the_scheduler_refuses_bad_schedule_settings(runtime: Runtime) -> None:
    from tests.support.workers import run_loyalty

    done = run_loyalty(runtime.settings, "worker", "--with-scheduler", env={"SCHEDULE_DAILY_AT": "25:00"})
    assert done.returncode == 2, done.stderr
    assert "error: '25:00' is not a time of day as HH:MM" in done.stderr.splitlines()
    assert "Traceback" not in done.stderr
