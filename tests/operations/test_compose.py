"""compose.yaml: valid against the Compose specification's JSON schema (vendored in
compose_spec/), usable with nothing exported, and each service's command started as compose
starts it: its environment (interpolated as compose does with nothing set), its secrets as
files, the brand's program file mounted, and its health check run until it passes. Only the
addresses differ: the session's PostgreSQL and Redis stand for the `postgres` and `redis`
services, and free ports for 8000 and 9100."""
from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loyalty.settings import DEMO_PROGRAM_FILE, Settings
from tests.conftest import requires_postgres, requires_redis
from tests.support.servers import LOYALTY, free_port

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
SCHEMA = Path(__file__).with_name("compose_spec") / "compose-spec.json"
APP_SERVICES = ("migrate", "api", "worker", "scheduler")
_VARIABLE = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\})")


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())  # the safe loader resolves anchors and `<<` merges


def interpolate(value: str, given: dict[str, str]) -> str:
    """Compose's interpolation: $$ is $, ${X:-default}, ${X-default}, ${X}; ${X:?message} fails when unset."""
    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.groups()
        if operator in (":?", "?") and not given.get(name):
            raise ValueError(f"{name} must be set: {argument}")
        if operator == ":-":
            return given.get(name) or argument
        if operator == "-":
            return given.get(name, argument)
        return given.get(name, "")

    return _VARIABLE.sub(one, value)


def test_the_compose_file_is_valid_for_the_compose_specification():
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose()), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_every_variable_has_a_default_so_down_and_logs_work_with_nothing_exported():
    text = COMPOSE.read_text()
    for line in text.splitlines():
        if not line.lstrip().startswith("#"):
            interpolate(line, {})  # raises on ${X:?...}
    names = {m.group(1) for m in _VARIABLE.finditer(text) if m.group(1)}
    defaulted = {m.group(1) for m in _VARIABLE.finditer(text) if m.group(1) and m.group(2) in (":-", "-")}
    assert names == defaulted


def test_every_service_restarts_unless_stopped_and_has_a_health_check():
    services = compose()["services"]
    assert sorted(services) == ["api", "migrate", "postgres", "redis", "scheduler", "worker"]
    for name, service in services.items():
        if name == "migrate":
            assert (service["restart"], service["healthcheck"]) == ("no", {"disable": True})
            continue
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"][0] == "CMD", name
    for name in ("api", "worker", "scheduler"):
        assert services[name]["healthcheck"]["test"][1:3] == ["loyalty", "health-check"]
        assert services[name]["healthcheck"]["test"][3].endswith("/readyz")
    assert services["redis"]["command"][:3] == ["redis-server", "--appendonly", "yes"]
    assert services["migrate"]["command"] == ["loyalty", "migrate", "--apply-program"]
    for name in APP_SERVICES:
        assert "./program:/etc/loyalty/program:ro" in services[name]["volumes"], name
        assert {s["target"] for s in services[name]["secrets"]} == {"JWT_PRIVATE_KEY", "DATABASE_URL", "METRICS_TOKEN"}
        assert services[name]["environment"]["PROGRAM_FILE"] == "/etc/loyalty/program/program.toml"


def test_the_image_builds_with_a_pinned_setuptools_at_or_above_the_declared_floor():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (requirement,) = project["build-system"]["requires"]
    floor = tuple(int(p) for p in re.fullmatch(r"setuptools>=([\d.]+)", requirement).group(1).split("."))
    assert floor >= (77,)  # the first setuptools that reads an SPDX `license = "..."` expression
    assert isinstance(project["project"]["license"], str)
    pinned = re.search(r'"setuptools==([\d.]+)"', (ROOT / "Dockerfile").read_text()).group(1)
    assert tuple(int(p) for p in pinned.split(".")) >= floor
    assert "--no-build-isolation" in (ROOT / "Dockerfile").read_text()


# Starting the services' commands (PostgreSQL and Redis, as production runs).


class Deployment:
    """The files compose would mount and the environment it would give each service."""

    def __init__(self, settings: Settings, folder: Path):
        self.settings, self.folder, self.spec = settings, folder, compose()
        self.secrets = folder / "run-secrets"
        self.program = folder / "etc-loyalty-program"
        self.secrets.mkdir()
        self.program.mkdir()
        key = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        self.metrics_token = "a-metrics-token-of-the-deployment"
        values = {"JWT_PRIVATE_KEY": key.decode(), "DATABASE_URL": settings.database_url,
                  "METRICS_TOKEN": self.metrics_token}
        for target, value in values.items():
            (self.secrets / target).write_text(value + "\n")
        # The brand's own program: the demo under another name.
        source = DEMO_PROGRAM_FILE.read_text().replace('name = "Northwind Rewards"', 'name = "Harbor Club"', 1)
        (self.program / "program.toml").write_text(source)
        # Each container has its own ports; here they share one host.
        self.ports = {name: {"8000": str(free_port()), "9100": str(free_port())} for name in APP_SERVICES}

    def environment(self, name: str) -> dict[str, str]:
        service = self.spec["services"][name]
        env = {"PATH": os.environ["PATH"], "HOME": str(self.folder), "PYTHONUNBUFFERED": "1",
               "LOYALTY_ENV": "production"}  # the image's own ENV
        env.update({k: interpolate(str(v), {}) for k, v in service["environment"].items()})
        for secret in service["secrets"]:
            assert (self.secrets / secret["target"]).exists(), secret
        env["SECRETS_DIR"] = env["SECRETS_DIR"].replace("/run/secrets", str(self.secrets))
        env["PROGRAM_FILE"] = env["PROGRAM_FILE"].replace("/etc/loyalty/program", str(self.program))
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        env["REDIS_URL"] = self.settings.redis_url or ""
        env["REDIS_PREFIX"] = self.settings.redis_namespace  # the session's own namespace on the shared Redis
        env["STATUS_HOST"] = "127.0.0.1"
        env["STATUS_PORT"] = self.ports[name][env["STATUS_PORT"]]
        return env

    def argv(self, name: str, words: list[str]) -> list[str]:
        assert words[0] == "loyalty"
        return [str(LOYALTY), *(self.ports[name].get(w, w) for w in words[1:])]

    def command(self, name: str) -> list[str]:
        return self.argv(name, self.spec["services"][name]["command"])

    def health_check(self, name: str) -> subprocess.CompletedProcess[str]:
        test = self.spec["services"][name]["healthcheck"]["test"]
        url = re.sub(r":(8000|9100)/", lambda m: f":{self.ports[name][m.group(1)]}/", test[3])
        argv = self.argv(name, [test[1], test[2], url])
        return subprocess.run(argv, env=self.environment(name), cwd=self.folder, capture_output=True, text=True,
                              timeout=60, check=False)

    @contextlib.contextmanager
    def started(self, name: str) -> Iterator[subprocess.Popen[bytes]]:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(self.command(name), env=self.environment(name), cwd=self.folder,
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def healthy(self, name: str, process: subprocess.Popen[bytes], timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert process.poll() is None, f"{name} exited with {process.returncode}:\n{self.log(name)}"
            checked = self.health_check(name)
            if checked.returncode == 0:
                return
            assert time.monotonic() < deadline, f"{name} is not healthy: {checked.stderr}\n{self.log(name)}"
            time.sleep(1)


@requires_postgres
@requires_redis
async def test_each_service_starts_as_compose_starts_it_and_passes_its_health_check(clean_db, settings, tmp_path):
    import httpx

    from loyalty.redis_client import connect

    deployment = Deployment(settings, tmp_path)
    migrated = subprocess.run(deployment.command("migrate"), env=deployment.environment("migrate"), cwd=tmp_path,
                              capture_output=True, text=True, timeout=300, check=False)
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.splitlines()[-1] == "program 'Harbor Club' applied as version 1"
    with deployment.started("api") as api, deployment.started("worker") as worker, \
            deployment.started("scheduler") as scheduler:
        deployment.healthy("api", api)
        deployment.healthy("worker", worker)
        deployment.healthy("scheduler", scheduler)
        base = f"http://127.0.0.1:{deployment.ports['api']['8000']}"
        async with httpx.AsyncClient(timeout=30) as http:
            answer = await http.post(f"{base}/graphql", json={"query": "{ program { name } }"})
            assert answer.json() == {"data": {"program": {"name": "Harbor Club"}}}
            assert (await http.get(f"{base}/metrics")).status_code == 401
            scraped = await http.get(f"{base}/metrics", headers={"Authorization": f"Bearer {deployment.metrics_token}"})
            assert scraped.status_code == 200
            assert "loyalty_stream_group_present 1.0" in scraped.text
            status = f"http://127.0.0.1:{deployment.ports['worker']['9100']}"
            ready = await http.get(f"{status}/readyz")
        assert ready.status_code == 200
        # Running again, the same program file makes no new version.
        again = subprocess.run(deployment.command("migrate"), env=deployment.environment("migrate"), cwd=tmp_path,
                               capture_output=True, text=True, timeout=300, check=False)
        assert again.stdout.splitlines()[-1] == "program 'Harbor Club' unchanged: still version 1"

        # The consumer group is lost (and cannot be made again: the stream's key holds a string).
        redis = connect(settings)
        try:
            stream = redis.key("events")
            await redis.delete(stream)
            await redis.set(stream, "not a stream")
            checked = deployment.health_check("worker")
            assert checked.returncode == 1
            assert "the consumer group 'notifications' is lost" in checked.stderr
            await redis.delete(stream)
        finally:
            await redis.aclose()
