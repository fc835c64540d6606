"""Settings of the sandbox (``PRACTICA_SANDBOX_*``), to be folded into Practica's settings."""

from __future__ import annotations

import ipaddress
import re
import socket
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.home import data_home

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> object:
    """``"90"``, ``"90s"``, ``"15m"``, ``"8h"``, ``"1d"`` as a timedelta (other values pass to pydantic)."""
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return timedelta(seconds=float(match.group(1)) * _SECONDS[match.group(2)])
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Private, shared, loopback, link-local (a cloud's metadata service), benchmarking, multicast and reserved ranges.
DEFAULT_EGRESS_DENIED = (
    "0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,169.254.0.0/16,172.16.0.0/12,192.0.0.0/24,"
    "192.168.0.0/16,198.18.0.0/15,224.0.0.0/3,::/128,::1/128,fc00::/7,fe80::/10,ff00::/8"
)


def parse_networks(text: str) -> list[Network]:
    """``"10.0.0.0/8, fd00::/8, 203.0.113.7"`` as networks; a ValueError names the item that is none."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"{item!r} is not an address or a network (CIDR, such as 10.0.0.0/8)") from None
        if "%" in str(network):  # an IPv6 zone (fe80::1%eth0) names an interface, and may hold any text
            raise ValueError(f"{item!r} has an interface zone (%…): give the network alone")
        networks.append(network)
    return networks


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
    egress_denied: str = Field(
        DEFAULT_EGRESS_DENIED,
        description="Addresses (CIDR, comma-separated) an `egress` environment on an eval host may not reach; "
        "the host's own address is added. Default: private, shared, link-local and reserved ranges.",
    )
    docker_exec_agent: bool = Field(
        True,
        description="Run `docker` execs through the exec agent (one engine exec per container, then a few ms a "
        "command); off: one engine exec per command (~80 ms on podman).",
    )
    uid_base: int = Field(1_000_000, ge=1000, description="First host uid given to environments.")
    uid_count: int = Field(100_000, ge=1, description="How many host uids environments may use.")
    disk_quota: bool = Field(True, description="Enforce the workspace quota with a loop-mounted image (needs root).")
    max_file_read: int = Field(16 * 1024**2, ge=1, description="Largest file the file API reads, bytes.")
    debian_mirror: str = Field("http://deb.debian.org/debian", description="Debian mirror `practica env build` uses.")
    host_name: str = Field(
        default_factory=socket.gethostname, description="This eval host's name (kept with each environment)."
    )
    idle_timeout: Duration = Field(
        timedelta(minutes=15), gt=timedelta(0), description="An environment idle this long is stopped (`15m`)."
    )
    max_lifetime: Duration = Field(
        timedelta(hours=8), gt=timedelta(0), description="A running environment is stopped after this long (`8h`)."
    )
    gateway_url: str = Field(
        "",
        description="Where browsers reach this host's environment gateway. Unset: `http://GATEWAY_HOST:GATEWAY_PORT`.",
    )
    gateway_origins: str = Field(
        "http://127.0.0.1:8000,http://localhost:8000",
        description="Web app origins (comma-separated) whose pages may call the gateway (CORS).",
    )
    gateway_host: str = Field("127.0.0.1", description="Address `practica gateway` listens on.")
    gateway_port: int = Field(8002, ge=1, le=65535, description="Port `practica gateway` listens on.")
    gateway_key: SecretStr = Field(
        SecretStr(""),
        description="Key (32+ characters) signing gateway tokens. Unset: made once, kept in "
        "`PRACTICA_HOME/sandbox/gateway.key`.",
    )
    terminal_grace: Duration = Field(
        timedelta(minutes=5), description="How long a terminal's shell waits for its browser to reconnect."
    )
    watch_directories: int = Field(
        1000, ge=1, description="Directories one file watch follows (more: it degrades to re-reading on a timer)."
    )
    watch_per_environment: int = Field(4, ge=1, description="File watches open at once per environment.")
    watch_total: int = Field(64, ge=1, description="File watches open at once in one gateway process.")
    terminal_replay: int = Field(64 * 1024, ge=1024, description="Recent terminal output replayed on reconnect, bytes.")
    pool_max: int = Field(
        4, ge=0, le=100, description="Most sandboxes kept started ahead of demand per environment spec (0: no pools)."
    )
    pool_window: Duration = Field(
        timedelta(minutes=10), gt=timedelta(0), description="A pool's size is the environments made in this window."
    )
    host_heartbeat_timeout: Duration = Field(
        timedelta(seconds=90),
        gt=timedelta(0),
        description="An eval host silent this long is marked down: no new environments go to it (`90s`).",
    )
    controller: Path | None = Field(
        None,
        description="Socket of `practica sandbox-controller`: set, the unprivileged gateway and workers drive the "
        "bwrap runtime through it (`practica up` as root sets it).",
    )

    @field_validator("egress_denied")
    @classmethod
    def _egress_denied_are_networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def egress_networks(self) -> list[Network]:
        return parse_networks(self.egress_denied)

    @model_validator(mode="before")
    @classmethod
    def _gateway_url_follows_its_address(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("gateway_url"):
            host, port = data.get("gateway_host", "127.0.0.1"), data.get("gateway_port", 8002)
            return {**data, "gateway_url": f"http://{host}:{port}"}
        return data

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.gateway_origins.split(",") if origin.strip()]

    @property
    def environments_home(self) -> Path:
        return self.home / "environments"

    @property
    def images_home(self) -> Path:
        return self.home / "images"
