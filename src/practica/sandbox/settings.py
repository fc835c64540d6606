"""Settings of the sandbox (``PRACTICA_SANDBOX_*``), to be folded into Practica's settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.home import data_home


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRACTICA_SANDBOX_", extra="ignore", frozen=True)

    home: Path = Field(
        default_factory=data_home,
        description="Where environments and images live (default `PRACTICA_HOME`).",
    )
    runtime: str = Field("bwrap", description="Sandbox runtime: `bwrap` (this host) or `docker` (Docker Engine API).")
    environments_dir: Path = Field(
        Path("environments"), description="Directory of environment definitions (`environments/NAME/`)."
    )
    docker_url: str = Field(
        "unix:///run/practica-podman.sock", description="Docker Engine API address for the `docker` runtime."
    )
    docker_egress_network: str = Field(
        "",
        description="Network mode for policy `egress` under `docker`. Empty: slirp4netns without host loopback "
        "on podman, `bridge` on Docker.",
    )
    uid_base: int = Field(1_000_000, ge=1000, description="First host uid given to environments.")
    uid_count: int = Field(100_000, ge=1, description="How many host uids environments may use.")
    disk_quota: bool = Field(True, description="Enforce the workspace quota with a loop-mounted image (needs root).")
    max_file_read: int = Field(16 * 1024**2, ge=1, description="Largest file the file API reads, bytes.")
    debian_mirror: str = Field("http://deb.debian.org/debian", description="Debian mirror `practica env build` uses.")

    @property
    def environments_home(self) -> Path:
        return self.home / "environments"

    @property
    def images_home(self) -> Path:
        return self.home / "images"
