"""Settings, read from the environment (and a `.env` file in the working folder)."""
from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_PROGRAM_FILE = Path(__file__).parent / "program" / "demo.toml"


class Environment(str, Enum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite://loyalty.sqlite3", alias="DATABASE_URL")
    redis_url: str | None = Field(None, alias="REDIS_URL")
    # The namespace of this deployment's Redis keys and channels; unset: the database's name.
    redis_prefix: str | None = Field(None, alias="REDIS_PREFIX", min_length=1, max_length=64,
                                     pattern=r"^[A-Za-z0-9_.-]+$")
    loyalty_env: Environment = Field(Environment.DEVELOPMENT, alias="LOYALTY_ENV")
    program_file: Path = Field(DEMO_PROGRAM_FILE, alias="PROGRAM_FILE")
    public_url: str = Field("http://127.0.0.1:8000", alias="PUBLIC_URL")
    data_dir: Path = Field(Path("var"), alias="DATA_DIR")
    # Development and tests only (loyalty/clock.py reads it from the environment at start).
    clock_shift_seconds: float = Field(0, alias="CLOCK_SHIFT_SECONDS")

    jwt_private_key: str | None = Field(None, alias="JWT_PRIVATE_KEY")
    jwt_secret: str | None = Field(None, alias="JWT_SECRET")
    jwt_issuer: str = Field("loyalty-platform", alias="JWT_ISSUER")
    jwt_audience: str = Field("loyalty-api", alias="JWT_AUDIENCE")
    access_token_ttl_seconds: int = Field(900, alias="ACCESS_TOKEN_TTL_SECONDS", gt=0)
    refresh_token_ttl_seconds: int = Field(60 * 60 * 24 * 60, alias="REFRESH_TOKEN_TTL_SECONDS", gt=0)
    refresh_reuse_grace_seconds: int = Field(30, alias="REFRESH_REUSE_GRACE_SECONDS", ge=0)

    max_body_bytes: int = Field(256 * 1024, alias="MAX_BODY_BYTES", gt=0)
    # Slow clients: each request's headers and body must arrive within these deadlines;
    # connections and requests in flight are capped per process.
    header_timeout_seconds: float = Field(10.0, alias="HEADER_TIMEOUT_SECONDS", gt=0)
    body_timeout_seconds: float = Field(30.0, alias="BODY_TIMEOUT_SECONDS", gt=0)
    keep_alive_seconds: int = Field(5, alias="KEEP_ALIVE_SECONDS", gt=0)
    max_connections: int = Field(25000, alias="MAX_CONNECTIONS", gt=0)
    max_concurrent_requests: int = Field(2000, alias="MAX_CONCURRENT_REQUESTS", gt=0)
    max_query_depth: int = Field(12, alias="MAX_QUERY_DEPTH", gt=0)
    max_aliases: int = Field(30, alias="MAX_ALIASES", gt=0)
    max_tokens: int = Field(2000, alias="MAX_TOKENS", gt=0)
    max_fragments: int = Field(50, alias="MAX_FRAGMENTS", ge=0)
    max_query_fields: int = Field(500, alias="MAX_QUERY_FIELDS", gt=0)
    max_field_repeats: int = Field(8, alias="MAX_FIELD_REPEATS", gt=0)
    validation_timeout_seconds: float = Field(1.0, alias="VALIDATION_TIMEOUT_SECONDS", gt=0)
    # Sign-in (docs/accounts.md): failures per (email, address) are free up to
    # LOGIN_FREE_ATTEMPTS, then each next try waits twice as long as the one before. From
    # an address the member has not signed in from, failures per email and per address are
    # also capped per window.
    login_free_attempts: int = Field(5, alias="LOGIN_FREE_ATTEMPTS", ge=0)
    login_delay_seconds: float = Field(1.0, alias="LOGIN_DELAY_SECONDS", gt=0)
    login_max_delay_seconds: float = Field(900.0, alias="LOGIN_MAX_DELAY_SECONDS", gt=0)
    login_attempts_per_email: int = Field(20, alias="LOGIN_ATTEMPTS_PER_EMAIL", gt=0)
    login_attempts_per_address: int = Field(50, alias="LOGIN_ATTEMPTS_PER_ADDRESS", gt=0)
    login_window_seconds: int = Field(900, alias="LOGIN_WINDOW_SECONDS", gt=0)
    login_known_address_days: int = Field(90, alias="LOGIN_KNOWN_ADDRESS_DAYS", gt=0)
    # Sign-up and password reset requests, per client address, device id and email.
    signup_attempts_per_address: int = Field(10, alias="SIGNUP_ATTEMPTS_PER_ADDRESS", gt=0)
    signup_attempts_per_device: int = Field(5, alias="SIGNUP_ATTEMPTS_PER_DEVICE", gt=0)
    signup_window_seconds: int = Field(3600, alias="SIGNUP_WINDOW_SECONDS", gt=0)
    password_reset_per_address: int = Field(10, alias="PASSWORD_RESET_PER_ADDRESS", gt=0)
    password_reset_per_email: int = Field(3, alias="PASSWORD_RESET_PER_EMAIL", gt=0)
    password_reset_window_seconds: int = Field(3600, alias="PASSWORD_RESET_WINDOW_SECONDS", gt=0)
    # The lifetimes of the links sent by email.
    password_reset_ttl_seconds: int = Field(1800, alias="PASSWORD_RESET_TTL_SECONDS", gt=0)
    email_verification_ttl_seconds: int = Field(48 * 3600, alias="EMAIL_VERIFICATION_TTL_SECONDS", gt=0)
    trusted_proxy_hops: int = Field(0, alias="TRUSTED_PROXY_HOPS", ge=0)
    # Origins (scheme://host[:port], comma-separated) whose pages may call the API; none when unset.
    cors_origins: str = Field("", alias="CORS_ORIGINS")
    cors_allow_credentials: bool = Field(False, alias="CORS_ALLOW_CREDENTIALS")
    cors_max_age_seconds: int = Field(600, alias="CORS_MAX_AGE_SECONDS", ge=0)
    # The signing secret of the Stripe webhook endpoint (whsec_...); POST /webhooks/stripe is off while unset.
    stripe_webhook_secret: str | None = Field(None, alias="STRIPE_WEBHOOK_SECRET")
    # argon2id cost; the defaults follow RFC 9106's second recommended option.
    password_hash_memory_kib: int = Field(65536, alias="PASSWORD_HASH_MEMORY_KIB", ge=1024)
    password_hash_time_cost: int = Field(3, alias="PASSWORD_HASH_TIME_COST", ge=1)

    # Notifications: the channels (each off while unset), retries and the worker.
    smtp_url: str | None = Field(None, alias="SMTP_URL")
    mail_from: str = Field("Loyalty <no-reply@localhost>", alias="MAIL_FROM")
    fcm_credentials_file: Path | None = Field(None, alias="FCM_CREDENTIALS_FILE")
    fcm_endpoint: str = Field("https://fcm.googleapis.com", alias="FCM_ENDPOINT")
    fcm_token_url: str | None = Field(None, alias="FCM_TOKEN_URL")
    apns_key_file: Path | None = Field(None, alias="APNS_KEY_FILE")
    apns_key_id: str | None = Field(None, alias="APNS_KEY_ID")
    apns_team_id: str | None = Field(None, alias="APNS_TEAM_ID")
    apns_topic: str | None = Field(None, alias="APNS_TOPIC")
    apns_endpoint: str = Field("https://api.push.apple.com", alias="APNS_ENDPOINT")
    vapid_private_key: str | None = Field(None, alias="VAPID_PRIVATE_KEY")
    vapid_subject: str | None = Field(None, alias="VAPID_SUBJECT")
    notify_max_attempts: int = Field(8, alias="NOTIFY_MAX_ATTEMPTS", ge=1)
    notify_backoff_seconds: float = Field(30.0, alias="NOTIFY_BACKOFF_SECONDS", gt=0)
    notify_backoff_max_seconds: float = Field(6 * 3600.0, alias="NOTIFY_BACKOFF_MAX_SECONDS", gt=0)
    notify_lease_seconds: float = Field(60.0, alias="NOTIFY_LEASE_SECONDS", gt=0)
    # Webhooks to the brand's systems (docs/webhooks.md).
    webhooks_allow_private_networks: bool = Field(False, alias="WEBHOOKS_ALLOW_PRIVATE_NETWORKS")
    webhook_max_attempts: int = Field(8, alias="WEBHOOK_MAX_ATTEMPTS", ge=1)
    webhook_backoff_seconds: float = Field(30.0, alias="WEBHOOK_BACKOFF_SECONDS", gt=0)
    webhook_backoff_max_seconds: float = Field(6 * 3600.0, alias="WEBHOOK_BACKOFF_MAX_SECONDS", gt=0)
    webhook_timeout_seconds: float = Field(10.0, alias="WEBHOOK_TIMEOUT_SECONDS", gt=0)
    worker_reclaim_seconds: float = Field(60.0, alias="WORKER_RECLAIM_SECONDS", gt=0)
    # An event relayed this long ago and not delivered yet is looked up in the stream, and
    # relayed again if the stream lost it (docs/queue.md).
    relay_recheck_seconds: float = Field(30.0, alias="RELAY_RECHECK_SECONDS", gt=0)

    # The scheduler: daily job times in the program's time zone, HH:MM.
    schedule_daily_at: str = Field("03:00", alias="SCHEDULE_DAILY_AT")
    schedule_job_times: str = Field("", alias="SCHEDULE_JOB_TIMES")
    schedule_catch_up_days: int = Field(7, alias="SCHEDULE_CATCH_UP_DAYS", ge=0)
    scheduler_poll_seconds: float = Field(30.0, alias="SCHEDULER_POLL_SECONDS", gt=0)
    scheduler_lease_seconds: int = Field(60, alias="SCHEDULER_LEASE_SECONDS", ge=5)

    # recordPurchase's lean path on PostgreSQL: two round trips for a purchase paid with no
    # balance (docs/performance.md). On by default; off: every purchase takes the full path.
    fast_purchases: bool = Field(True, alias="FAST_PURCHASES")

    # Caching of wallets, tier summaries and the program description.
    cache_enabled: bool = Field(True, alias="CACHE_ENABLED")
    cache_ttl_seconds: int = Field(300, alias="CACHE_TTL_SECONDS", gt=0)
    cache_max_entries: int = Field(10000, alias="CACHE_MAX_ENTRIES", gt=0)

    # Deadlines: a dependency that is down or hung answers UNAVAILABLE (HTTP 503 with
    # Retry-After) within these, instead of making callers wait (docs/faults.md).
    request_timeout_seconds: float = Field(10.0, alias="REQUEST_TIMEOUT_SECONDS", gt=0)
    database_connect_timeout_seconds: float = Field(5.0, alias="DATABASE_CONNECT_TIMEOUT_SECONDS", gt=0)
    database_statement_timeout_seconds: float = Field(300.0, alias="DATABASE_STATEMENT_TIMEOUT_SECONDS", gt=0)
    redis_timeout_seconds: float = Field(2.0, alias="REDIS_TIMEOUT_SECONDS", gt=0)
    after_commit_timeout_seconds: float = Field(2.0, alias="AFTER_COMMIT_TIMEOUT_SECONDS", gt=0)
    ready_timeout_seconds: float = Field(2.0, alias="READY_TIMEOUT_SECONDS", gt=0)
    retry_after_seconds: int = Field(5, alias="RETRY_AFTER_SECONDS", ge=1)
    # Logs: "json" (one object a line) or "text"; by default JSON in production, text otherwise.
    log_format: str | None = Field(None, alias="LOG_FORMAT", pattern="^(json|text)$")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    # Operations (docs/metrics.md): /metrics answers only callers that give this token as a
    # bearer token, and is off while it is unset; the worker and the scheduler answer /metrics
    # and /readyz on STATUS_PORT (none while unset); traces go to the OTLP/HTTP collector at
    # OTEL_EXPORTER_OTLP_ENDPOINT (nothing of OpenTelemetry is loaded while it is unset).
    metrics_token: str | None = Field(None, alias="METRICS_TOKEN", min_length=16)
    status_host: str = Field("127.0.0.1", alias="STATUS_HOST")
    status_port: int | None = Field(None, alias="STATUS_PORT", ge=1, le=65535)
    stuck_loop_seconds: float = Field(120.0, alias="STUCK_LOOP_SECONDS", gt=0)
    otel_endpoint: str | None = Field(None, alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    otel_service_name: str | None = Field(None, alias="OTEL_SERVICE_NAME")

    @field_validator("redis_url", "redis_prefix", "jwt_private_key", "jwt_secret", "log_format", "metrics_token",
                     "status_port", "otel_endpoint", "otel_service_name", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("smtp_url", "fcm_credentials_file", "fcm_token_url", "apns_key_file", "apns_key_id",
                     "apns_team_id", "apns_topic", "vapid_private_key", "vapid_subject", mode="before")
    @classmethod
    def _blank_channel_setting_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _no_clock_shift_in_production(self) -> Settings:
        if self.clock_shift_seconds and self.production:
            raise ValueError("CLOCK_SHIFT_SECONDS is for development and tests; refused with LOYALTY_ENV=production")
        return self

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def production(self) -> bool:
        return self.loyalty_env is Environment.PRODUCTION

    @property
    def redis_namespace(self) -> str:
        """REDIS_PREFIX, or the database's name (its file name without the extension on SQLite)."""
        return self.redis_prefix or database_name(self.database_url)

    @property
    def embedded(self) -> bool:
        """No Redis: cache, rate limits and pub/sub live in the process."""
        return self.redis_url is None


def database_name(url: str) -> str:
    """The name of the database a DATABASE_URL names, reduced to letters, digits, `_.-`."""
    path = urlsplit(url).path if "://" in url else url
    if url.startswith("sqlite:"):
        path = url.split("://", 1)[-1].split("?", 1)[0]
        path = path.rsplit("/", 1)[-1].rsplit(".", 1)[0] if path != ":memory:" else "memory"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", path.strip("/").rsplit("/", 1)[-1]).strip("-")
    return name[:64] or "loyalty"


def secrets_dir() -> Path | None:
    """SECRETS_DIR: a folder of files named for settings (JWT_PRIVATE_KEY, METRICS_TOKEN, ...),
    each holding its value, as compose mounts its secrets at /run/secrets. The environment
    wins over a file."""
    import os

    folder = os.environ.get("SECRETS_DIR", "").strip()
    return Path(folder) if folder else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    folder = secrets_dir()
    return Settings(_secrets_dir=folder) if folder is not None else Settings()
