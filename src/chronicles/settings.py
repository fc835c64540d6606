"""Chronicles' settings: one validated object, read from the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.embedded import embedded_database_url, is_embedded_url
from servicekit.home import data_home
from servicekit.settings import LogFormat, PostgresUrl


class ChroniclesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    practica_home: Path = Field(
        default_factory=data_home, description="Data directory shared with Practica (embedded database, keys)."
    )
    chronicles_database_url: PostgresUrl = Field(
        None, description="PostgreSQL for Chronicles. Unset: the embedded server under `PRACTICA_HOME`."
    )
    chronicles_read_database_url: PostgresUrl = Field(
        None,
        description="A streaming replica of `CHRONICLES_DATABASE_URL` for the public searches (`POST /graphql`). "
        "Unset: searches read the primary.",
    )
    chronicles_host: str = Field("127.0.0.1", description="Address Chronicles listens on.")
    chronicles_port: int = Field(8001, ge=1, le=65535, description="Port of Chronicles.")
    chronicles_db_pool_size: int = Field(5, ge=1, le=100, description="Database connections per process.")
    chronicles_admin_token: SecretStr = Field(
        SecretStr(""), description="Bearer token for `/internal/graphql`. Unset: the internal API is closed."
    )
    chronicles_producer_key: SecretStr = Field(
        SecretStr(""),
        description="Key that signs producer tokens for `POST /entries` (32+ characters). Unset: made once and kept "
        "in `PRACTICA_HOME/chronicles/producer.key`.",
    )
    chronicles_intake_open: bool = Field(
        False,
        description="`true`: `POST /entries` takes entries of any app from anyone who reaches it, without a producer "
        "token. Only for a network where every client is trusted; `chronicles config` warns.",
    )
    chronicles_signing_key: SecretStr = Field(
        SecretStr(""),
        description="Key that signs viewer tokens (32+ characters). Unset: made once and kept in "
        "`PRACTICA_HOME/chronicles/signing.key`.",
    )
    chronicles_max_page_size: int = Field(100, ge=1, le=1000, description="Largest `first` a search may ask for.")
    chronicles_exact_count_limit: int = Field(
        10_000, ge=1, le=1_000_000, description="`totalCount` is exact up to this many entries, an estimate above."
    )
    chronicles_kafka_bootstrap_servers: str = Field(
        "", description="Kafka brokers for `chronicles consume` (host:port,...). Unset: Kafka is off."
    )
    chronicles_kafka_topic: str = Field("chronicles.entries", description="Topic `chronicles consume` reads.")
    chronicles_kafka_group: str = Field("chronicles", description="Consumer group of `chronicles consume`.")
    log_format: LogFormat = Field(LogFormat.CONSOLE, description="`console` (readable) or `json`.")
    log_level: str = Field("INFO", pattern="(?i)^(debug|info|warning|error)$", description="Log level.")

    def warnings(self) -> list[str]:
        """What is configured but unsafe, for ``chronicles config`` and the start-up log."""
        found = []
        if self.chronicles_intake_open:
            found.append(
                "CHRONICLES_INTAKE_OPEN=true: anyone who reaches POST /entries can write entries of any app, "
                "as performed by anyone; unset it and give producers tokens (chronicles producer-token --app APP)"
            )
        return found

    @property
    def uses_embedded_database(self) -> bool:
        return self.chronicles_database_url is None or is_embedded_url(self.practica_home, self.chronicles_database_url)

    def resolved_database_url(self) -> str:
        if self.chronicles_database_url is not None:
            return self.chronicles_database_url
        return embedded_database_url(self.practica_home, "chronicles")

    def resolved_read_database_url(self) -> str:
        """Where the public searches read: the replica when one is set, else the primary."""
        return self.chronicles_read_database_url or self.resolved_database_url()
