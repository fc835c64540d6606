"""Practica's settings: one validated object, read from the environment."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    practica_allow_development_on_network: bool = Field(
        False,
        description="Let `PRACTICA_ENV=development` listen on an address other than loopback, serving development "
        "features (mail at `/dev/mail` for admins, `file://` imports) to the network. Off: the web app refuses to "
        "start.",
    )
    practica_trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default_factory=list,
        description="Reverse proxies (comma-separated addresses or CIDRs) whose `X-Forwarded-For` and "
        "`X-Forwarded-Proto` are believed. Unset: no proxy is trusted and the connecting address is the client's.",
    )
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
    practica_sample_courses: bool = Field(
        True,
        description="`practica up` publishes the sample courses (`courses/`) when the catalogue has no course at all"
        " (never again once one exists). Off: a new install starts with an empty catalogue.",
    )
    practica_ops_webhook_url: SecretStr = Field(
        SecretStr(""),
        description="Incoming webhook (Slack-compatible JSON: Slack, Mattermost, Rocket.Chat…) told of operations "
        "events: failed jobs, each minute; Chronicles' dead letters piling up; deploys (`deploy/deploy.sh`). "
        "Unset: nothing is posted.",
    )
    practica_ops_dead_letters_step: int = Field(
        20,
        ge=1,
        description="The operations webhook hears of Chronicles' pending dead letters (checked every five minutes) "
        "once they grew by this many since its last report: one message, not one per letter.",
    )
    chronicles_url: str = Field(
        "http://127.0.0.1:8001", description="Where Practica's events are delivered (Chronicles HTTP intake)."
    )
    chronicles_ingest_token: SecretStr = Field(
        SecretStr(""),
        description="Producer token for Chronicles' intake (`chronicles producer-token --app practica`). Unset: "
        "one is minted with the producer key for each relay run.",
    )
    chronicles_producer_key: SecretStr = Field(
        SecretStr(""),
        description="Key signing the producer tokens Practica mints (the same as Chronicles'). Unset: the one kept "
        "in `PRACTICA_HOME/chronicles/producer.key`.",
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
    practica_workspace_save_max_mb: int = Field(
        16,
        ge=1,
        le=1024,
        description="Most bytes (MiB, before compression) of a learner's files saved in the database per lesson; "
        "the largest files are left out past it.",
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
    practica_import_uid: int = Field(
        999_999,
        ge=1000,
        le=2**31 - 2,
        description="Host uid that unpacks authors' archives and runs git clones, in a sandbox, when Practica runs "
        "as root (otherwise Practica's own uid does).",
    )
    practica_import_allowed_networks: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default_factory=list,
        description="Networks (comma-separated CIDRs) git imports may reach besides the public internet, e.g. an "
        "internal git server. Loopback, private and link-local addresses are refused unless listed.",
    )
    practica_draft_validation_timeout: float = Field(
        1800.0,
        gt=0,
        le=86_400,
        description="Seconds a draft's validation (every run of every lesson) may take; a slower one fails the draft.",
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
    practica_mail_webhook_secret: SecretStr = Field(
        SecretStr(""),
        description="Shared secret of the bounce/complaint webhook `POST /api/mail/events` (sent as "
        "`Authorization: Bearer …` or as the password of HTTP Basic auth). Unset: the webhook answers 404.",
    )
    log_format: LogFormat = Field(LogFormat.CONSOLE, description="`console` (readable) or `json`.")
    log_level: str = Field("INFO", pattern="(?i)^(debug|info|warning|error)$", description="Log level.")

    @field_validator("practica_import_allowed_networks", "practica_trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> PracticaSettings:
        if self.practica_env is Environment.PRODUCTION and len(self.practica_secret_key.get_secret_value()) < 32:
            raise ValueError("PRACTICA_SECRET_KEY must be at least 32 characters in production")
        return self

    @model_validator(mode="after")
    def _refuse_development_on_network(self) -> PracticaSettings:
        if problem := self.development_exposed_on(self.practica_host):
            raise ValueError(problem)
        return self

    def development_exposed_on(self, host: str) -> str | None:
        """Why development mode must not listen on ``host``, or ``None`` when it may (loopback, or allowed)."""
        if self.practica_env is not Environment.DEVELOPMENT or self.practica_allow_development_on_network:
            return None
        if is_loopback(host):
            return None
        return (
            f"PRACTICA_ENV is development (the default) but the web app would listen on {host!r}, which is not a "
            "loopback address: development features (mail with sign-in links, file:// imports) would reach the "
            "network. Set PRACTICA_ENV=production (with PRACTICA_SECRET_KEY), listen on 127.0.0.1, or set "
            "PRACTICA_ALLOW_DEVELOPMENT_ON_NETWORK=true on purpose"
        )

    @property
    def trusted_proxies(self) -> list[str]:
        """The proxies whose forwarded headers are believed, as networks (``127.0.0.1/32``)."""
        return [str(network) for network in self.practica_trusted_proxies]

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None or is_embedded_url(self.practica_home, self.database_url)

    def resolved_database_url(self) -> str:
        """The database URL, starting the embedded server when none is configured."""
        if self.database_url is not None:
            return self.database_url
        return embedded_database_url(self.practica_home, "practica")


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` keeps the server on this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = host.strip().removeprefix("[").removesuffix("]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # another name: it may resolve to anything
