"""Service settings, read from the environment (prefix ``FEEDBACK_``; ``DATABASE_URL`` also works)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_PATH = Path("var") / "feedback.sqlite"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FEEDBACK_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DB_PATH}",
        validation_alias=AliasChoices("FEEDBACK_DATABASE_URL", "DATABASE_URL", "database_url"),
    )
    # Schema for PostgreSQL (tests give each run its own); None = the server default.
    database_schema: str | None = None
    model_dir: str | None = None
    max_body_bytes: int = 2_000_000
    cors_origins: list[str] = []  # CORS is off unless origins are listed
    default_rate_limit_per_minute: int = 600
    # Background workers (outbox delivery, scheduler); tests switch them off and drive them by hand.
    run_workers: bool = True
    worker_poll_seconds: float = 0.5
    scheduler_poll_seconds: float = 2.0
    outbox_max_attempts: int = 8
    outbox_backoff_base_seconds: float = 1.0
    outbox_backoff_max_seconds: float = 300.0
    delivery_timeout_seconds: float = 5.0
    # Where notifications go: a YAML/JSON file with a list of channels (see docs/service.md).
    channels_file: str | None = None
    channels: list[dict] = []
    # Print the first admin key when the database has no keys.
    bootstrap_admin: bool = True
    instance_id: str | None = None
    config_refresh_seconds: float = 1.0
    state_dir: str = "var"  # per-process working files (the active lexicon copy)
    console_enabled: bool = True
