"""The `loyalty` command run in the test's own process, on the test session's database: what
`tests.support.servers.run_command` does with a new process, in a few milliseconds instead of
a second. Each command keeps at least one test that runs it as a real process (its smoke test).

The command reads the test session's settings, and the database it opens and closes is the one
already open in the process: opening and closing are skipped. What the command changes in the
process for the rest of its life (the clock of `run-job --now`) is put back afterwards."""
from __future__ import annotations

import contextlib
import io
import subprocess
from collections.abc import Iterator
from types import SimpleNamespace

import api.cli
from loyalty import clock, db
from loyalty.settings import Settings


@contextlib.contextmanager
def _on_the_sessions_database(settings: Settings) -> Iterator[None]:
    async def _open(*_: object, **__: object) -> None:
        return None

    shim = SimpleNamespace(init=_open, close=_open, migrate=db.migrate)
    saved = api.cli.get_settings, api.cli.db
    # `run-job --now` moves the process's clock (its whole life, as a process): only the command's.
    saved_now = clock._global_override[0]
    api.cli.get_settings, api.cli.db = (lambda: settings), shim  # type: ignore[assignment]
    try:
        yield
    finally:
        api.cli.get_settings, api.cli.db = saved
        clock._global_override[0] = saved_now


async def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs `loyalty <args>` in this process; returns its exit code and output."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _on_the_sessions_database(settings):
        try:
            parsed = api.cli.build_parser().parse_args(list(args))
            code = await parsed.run(parsed)
        except SystemExit as exit_:  # argparse refusing the arguments, as the process would
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
            if isinstance(exit_.code, str):
                print(exit_.code, file=err)
    return subprocess.CompletedProcess(["loyalty", *args], code, out.getvalue(), err.getvalue())
