"""What every gateway route shares: the settings, the runtime of this host, the key, the terminals."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from practica.sandbox.gateway.activity import Activity
from practica.sandbox.gateway.sessions import TerminalHub
from practica.sandbox.gateway.watch_slots import WatchSlots
from practica.sandbox.runtime import Runtime
from practica.sandbox.settings import SandboxSettings


@dataclass
class Gateway:
    settings: SandboxSettings
    runtime: Runtime
    key: str
    terminals: TerminalHub
    activity: Activity
    watches: WatchSlots


def gateway_of(connection: HTTPConnection) -> Gateway:
    found: Gateway = connection.app.state.gateway
    return found
