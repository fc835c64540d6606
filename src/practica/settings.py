"""Practica's settings: one validated object, read from the environment."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.embedded import embedded_database_url, is_embedded_url
from servicekit.home import data_home
from servicekit.settings import LogFormat, PostgresUrl


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class PracticaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    practica_home: Path = Field(
        default_factory=data_home, description="Data directory (embedded database, keys). Default `./var`."
    )
    practica_env: Environment = Field(
        Environment.DEVELOPMENT, description="`development` or `production` (refuses insecure defaults)."
    )
    database_url: PostgresUrl = Field(
        None, description="PostgreSQL for Practica. Unset: the embedded server under `PRACTICA_HOME`."
    )
    practica_host: str = Field("127.0.0.1", description="Address the web app listens on.")
    practica_port: int = Field(8000, ge=1, le=65535, description="Port of the web app.")
    practica_secret_key: SecretStr = Field(
        SecretStr(""), description="Key for sessions and signed tokens. Required in production."
    )
    practica_db_pool_size: int = Field(
        10,
        ge=1,
        le=100,
        description="Database connections per web process in each of its two pools, the ORM's and the hot reads'"
        " (requests beyond wait for one).",
    )
    practica_web_workers: int = Field(
        1, ge=1, le=64, description="Web server processes; more use more cores, each with its own pools."
    )
    practica_worker_concurrency: int = Field(4, ge=1, le=64, description="Jobs one worker runs at once.")
    chronicles_url: str = Field(
        "http://127.0.0.1:8001", description="Where Practica's events are delivered (Chronicles HTTP intake)."
    )
    chronicles_ingest_token: SecretStr = Field(
        SecretStr(""), description="Bearer token for Chronicles' intake, when Chronicles requires one."
    )
    chronicles_signing_key: SecretStr = Field(
        SecretStr(""),
        description="Key signing viewer tokens for Chronicles' GraphQL (the same as Chronicles'). Unset: the one "
        "kept in `PRACTICA_HOME/chronicles/signing.key`.",
    )
    kafka_bootstrap_servers: str = Field(
        "", description="Kafka brokers. Set: events are relayed to Kafka instead of Chronicles' HTTP intake."
    )
    practica_events_topic: str = Field("chronicles.entries", description="Kafka topic for Practica's events.")
    practica_check_cooldown: float = Field(
        5.0, ge=0, le=3600, description="Seconds a learner waits between two checks of one lesson."
    )
    practica_import_max_size_mb: int = Field(
        50,
        ge=1,
        le=10_000,
        description="Largest shallow clone (files and history, MB) a git import may make; a larger one fails the "
        "draft.",
    )
    practica_import_clone_timeout: float = Field(
        120.0, gt=0, le=3600, description="Seconds a git import's clone may take; a slower one fails the draft."
    )
    practica_validate_stress_runs: int = Field(
        3,
        ge=0,
        le=100,
        description="A draft's validation then runs each reference solution this many more times beside a CPU hog "
        "on every core of its eval host; a test failing in any is flaky (0: no stress pass).",
    )
    practica_job_stalled_after: float = Field(
        60.0,
        ge=15,
        le=86_400,
        description="Seconds without a heartbeat from its worker after which a running job is stalled: admins "
        "may then retry it or mark it failed.",
    )
    practica_public_url: str = Field(
        "http://127.0.0.1:8000",
        pattern=r"^https?://[^/\s]+(/\S*)?$",
        description="Where browsers reach the web app; the base of links in mail. `https://…`: cookies are Secure.",
    )
    practica_smtp_url: SecretStr = Field(
        SecretStr(""),
        description="SMTP server for mail (`smtp://[user:pass@]host:port`, `smtps://` for TLS). "
        "Unset: mail is logged and shown at `/dev/mail` (development only).",
    )
    practica_mail_from: str = Field("Practica <practica@localhost>", description="Sender of Practica's mail.")
    log_format: LogFormat = Field(LogFormat.CONSOLE, description="`console` (readable) or `json`.")
    log_level: str = Field("INFO", pattern="(?i)^(debug|info|warning|error)$", description="Log level.")

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> PracticaSettings:
        if self.practica_env is Environment.PRODUCTION and len(self.practica_secret_key.get_secret_value()) < 32:
            raise ValueError("PRACTICA_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None or is_embedded_url(self.practica_home, self.database_url)

    def resolved_database_url(self) -> str:
        """The database URL, starting the embedded server when none is configured."""
        if self.database_url is not None:
            return self.database_url
        return embedded_database_url(self.practica_home, "practica")
