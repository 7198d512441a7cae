"""The `loyalty` console script: run as a process against a SQLite file of its own (one test
per command at least), or in the test's process on the session's database."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.cli import build_parser
from loyalty.auth.models import ApiKey
from loyalty.program.models import ProgramVersion
from loyalty.program.spec import DEMO_PATH
from tests.support.cli import run_cli
from tests.support.servers import START_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
LOYALTY = Path(sys.executable).with_name("loyalty")
KEY = re.compile(r"^lk_[A-Za-z0-9_-]{43}$")


class Cli:
    def __init__(self, folder: Path):
        self.folder = folder
        self.database = folder / "cli.sqlite3"
        # A bare environment: no DATABASE_URL or REDIS_URL of the test run, and no .env file.
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder),
                    "DATABASE_URL": f"sqlite://{self.database}", "DATA_DIR": str(folder / "var")}

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(LOYALTY), *args], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, timeout=60)

    def rows(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.database) as connection:
            return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file migrated once; each test works on its own copy."""
    cli = Cli(tmp_path_factory.mktemp("cli-template"))
    assert cli("migrate").returncode == 0
    return cli.database


@pytest.fixture
def cli(tmp_path: Path, migrated: Path) -> Cli:
    made = Cli(tmp_path)
    shutil.copy(migrated, made.database)
    return made


def test_migrate_creates_the_schema_and_running_it_again_is_fine(tmp_path):
    cli = Cli(tmp_path)
    first, second = cli("migrate"), cli("migrate")
    assert (first.returncode, first.stdout) == (0, "database schema is up to date\n")
    assert (second.returncode, second.stdout) == (0, "database schema is up to date\n")
    tables = {name for (name,) in cli.rows("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"members", "devices", "api_keys", "auth_sessions", "program_versions"} <= tables


def test_apply_program_stores_a_version_only_when_the_file_changed(cli):
    changed = cli.folder / "changed.toml"
    changed.write_text(DEMO_PATH.read_text().replace('name = "Northwind Rewards"', 'name = "Northwind Plus"', 1))
    first, again, other = cli("apply-program", str(DEMO_PATH)), cli("apply-program", str(DEMO_PATH)), cli(
        "apply-program", str(changed)
    )
    assert (first.returncode, first.stdout) == (0, "program 'Northwind Rewards' applied as version 1\n")
    assert (again.returncode, again.stdout) == (0, "program 'Northwind Rewards' unchanged: still version 1\n")
    assert (other.returncode, other.stdout) == (0, "program 'Northwind Plus' applied as version 2\n")
    assert cli.rows("SELECT version, checksum FROM program_versions ORDER BY version") == [
        (1, hashlib.sha256(DEMO_PATH.read_bytes()).hexdigest()),
        (2, hashlib.sha256(changed.read_bytes()).hexdigest()),
    ]


async def test_an_invalid_program_file_exits_1_naming_the_key_and_stores_nothing(clean_db, settings, tmp_path):
    bad = tmp_path / "bad.toml"
    text = DEMO_PATH.read_text()
    assert "\npending_days = 14 " in text
    bad.write_text(text.replace("\npending_days = 14 ", "\npending_days = -1 ", 1))
    result = await run_cli(settings, "apply-program", str(bad))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[0] == (
        f"error: {bad}, line 28, program.pending_days: must be greater than or equal to 0, not -1"
    )
    assert await ProgramVersion.all().count() == 0


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.toml", None, "error: cannot read missing.toml: No such file or directory"),
    ("latin1.toml", "name = 'Café'".encode("latin-1"), "error: latin1.toml is not UTF-8 text"),
])
async def test_an_unreadable_program_file_exits_1_without_a_traceback(
    clean_db, settings, tmp_path, monkeypatch, name, content, message,
):
    monkeypatch.chdir(tmp_path)
    if content is not None:
        (tmp_path / name).write_bytes(content)
    result = await run_cli(settings, "apply-program", name)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[0] == message
    assert "Traceback" not in result.stderr


def test_create_api_key_prints_the_key_alone_on_the_last_line_and_stores_only_its_hash(cli):
    result = cli("create-api-key", "--name", "shop backend", "--scopes", "purchases:write, members:read")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    key = lines[-1]
    assert KEY.match(key), result.stdout
    assert lines[:-1] == [
        f"API key {key[:10]}… for 'shop backend' with scopes members:read,purchases:write.",
        "Store it now: only its hash is kept, and it cannot be shown again.",
    ]
    assert cli.rows("SELECT name, prefix, key_hash, scopes, revoked_at FROM api_keys") == [
        ("shop backend", key[:10], hashlib.sha256(key.encode()).hexdigest(), "members:read,purchases:write", None),
    ]
    assert key.encode() not in cli.database.read_bytes()


@pytest.mark.parametrize(("args", "message"), [
    (["--name", "shop", "--scopes", "purchases:write,refunds"],
     "error: unknown scope(s) refunds; known: admin, members:read, payments:write, purchases:write, reports:read, "
     "staff:write, visits:write"),
    (["--name", "  ", "--scopes", "admin"], "error: a name of 1 to 100 characters is required"),
])
async def test_create_api_key_refuses_bad_arguments_and_stores_nothing(clean_db, settings, args, message):
    result = await run_cli(settings, "create-api-key", *args)
    assert (result.returncode, result.stdout, result.stderr.splitlines()[0]) == (1, "", message)
    assert await ApiKey.all().count() == 0


def test_export_schema_prints_the_committed_schema(tmp_path):
    cli = Cli(tmp_path)  # needs no database
    result = cli("export-schema")
    assert result.returncode == 0
    assert result.stdout == (ROOT / "schema.graphql").read_text()


def test_export_wallet_writes_the_page_for_another_origin_and_refuses_an_address_that_is_no_origin(tmp_path):
    cli = Cli(tmp_path)  # needs no database
    out = tmp_path / "site"
    written = cli("export-wallet", str(out), "--api-url", "https://api.brand.example")
    assert (written.returncode, written.stdout) == (
        0, f"the wallet page is in {out}/wallet: serve {out}/wallet/index.html for every address under /wallet/\n")
    assert '<meta name="wallet-api" content="https://api.brand.example">' in (out / "wallet" / "index.html").read_text()
    refused = cli("export-wallet", str(tmp_path / "other"), "--api-url", "https://api.brand.example/graphql")
    assert (refused.returncode, refused.stderr) == (
        2, "error: --api-url must be an origin such as https://api.brand.example\n")
    assert not (tmp_path / "other").exists()


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "loyalty: error: the following arguments are required: command"
    )


def test_serve_takes_host_port_and_workers():
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9000", "--workers", "4"])
    assert (args.host, args.port, args.workers, args.no_migrate, args.demo_data) == ("0.0.0.0", 9000, 4, False, False)
    defaults = build_parser().parse_args(["serve"])
    assert (defaults.host, defaults.port, defaults.workers) == ("127.0.0.1", 8000, 1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_migrates_and_answers_on_the_given_host_and_port(tmp_path):
    cli, port = Cli(tmp_path), free_port()
    server = subprocess.Popen([str(LOYALTY), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                              cwd=tmp_path, env=cli.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert (ready.status_code, ready.json()["status"], ready.json()["checks"]["database"]["status"]) == (
            200, "ready", "up")
        answer = httpx.post(f"{base}/graphql", json={"query": "{ program { name } }"}, timeout=5)
        assert answer.json() == {"data": {"program": {"name": "Northwind Rewards"}}}
    finally:
        server.terminate()
        _, log = server.communicate(timeout=30)
    # uvicorn shuts down cleanly, then exits by the signal it was sent.
    assert server.returncode == -signal.SIGTERM
    assert log.splitlines()[-1].split(" ", 2)[2] == f"INFO uvicorn.error: Finished server process [{server.pid}]"
