"""Settings, read from the environment (and a `.env` file in the working folder)."""
from __future__ import annotations

from enum import Enum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_PROGRAM_FILE = Path(__file__).parent / "program" / "demo.toml"


class Environment(str, Enum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite://loyalty.sqlite3", alias="DATABASE_URL")
    redis_url: str | None = Field(None, alias="REDIS_URL")
    loyalty_env: Environment = Field(Environment.DEVELOPMENT, alias="LOYALTY_ENV")
    program_file: Path = Field(DEMO_PROGRAM_FILE, alias="PROGRAM_FILE")
    public_url: str = Field("http://127.0.0.1:8000", alias="PUBLIC_URL")
    data_dir: Path = Field(Path("var"), alias="DATA_DIR")

    jwt_private_key: str | None = Field(None, alias="JWT_PRIVATE_KEY")
    jwt_secret: str | None = Field(None, alias="JWT_SECRET")
    jwt_issuer: str = Field("loyalty-platform", alias="JWT_ISSUER")
    jwt_audience: str = Field("loyalty-api", alias="JWT_AUDIENCE")
    access_token_ttl_seconds: int = Field(900, alias="ACCESS_TOKEN_TTL_SECONDS", gt=0)
    refresh_token_ttl_seconds: int = Field(60 * 60 * 24 * 60, alias="REFRESH_TOKEN_TTL_SECONDS", gt=0)
    refresh_reuse_grace_seconds: int = Field(30, alias="REFRESH_REUSE_GRACE_SECONDS", ge=0)

    max_body_bytes: int = Field(256 * 1024, alias="MAX_BODY_BYTES", gt=0)
    max_query_depth: int = Field(12, alias="MAX_QUERY_DEPTH", gt=0)
    max_aliases: int = Field(30, alias="MAX_ALIASES", gt=0)
    max_tokens: int = Field(2000, alias="MAX_TOKENS", gt=0)
    login_attempts_per_email: int = Field(10, alias="LOGIN_ATTEMPTS_PER_EMAIL", gt=0)
    login_attempts_per_address: int = Field(50, alias="LOGIN_ATTEMPTS_PER_ADDRESS", gt=0)
    login_window_seconds: int = Field(900, alias="LOGIN_WINDOW_SECONDS", gt=0)
    trusted_proxy_hops: int = Field(0, alias="TRUSTED_PROXY_HOPS", ge=0)
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
    worker_reclaim_seconds: float = Field(60.0, alias="WORKER_RECLAIM_SECONDS", gt=0)

    # The scheduler: daily job times in the program's time zone, HH:MM.
    schedule_daily_at: str = Field("03:00", alias="SCHEDULE_DAILY_AT")
    schedule_job_times: str = Field("", alias="SCHEDULE_JOB_TIMES")
    schedule_catch_up_days: int = Field(7, alias="SCHEDULE_CATCH_UP_DAYS", ge=0)
    scheduler_poll_seconds: float = Field(30.0, alias="SCHEDULER_POLL_SECONDS", gt=0)
    scheduler_lease_seconds: int = Field(60, alias="SCHEDULER_LEASE_SECONDS", ge=5)

    # Caching of wallets, tier summaries and the program description.
    cache_enabled: bool = Field(True, alias="CACHE_ENABLED")
    cache_ttl_seconds: int = Field(300, alias="CACHE_TTL_SECONDS", gt=0)
    cache_max_entries: int = Field(10000, alias="CACHE_MAX_ENTRIES", gt=0)

    @field_validator("redis_url", "jwt_private_key", "jwt_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("smtp_url", "fcm_credentials_file", "fcm_token_url", "apns_key_file", "apns_key_id",
                     "apns_team_id", "apns_topic", "vapid_private_key", "vapid_subject", mode="before")
    @classmethod
    def _blank_channel_setting_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def production(self) -> bool:
        return self.loyalty_env is Environment.PRODUCTION

    @property
    def embedded(self) -> bool:
        """No Redis: cache, rate limits and pub/sub live in the process."""
        return self.redis_url is None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
