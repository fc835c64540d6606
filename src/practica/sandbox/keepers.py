"""Long-lived helper containers on an eval host's engine, one of each per engine, shared by every worker."""

from __future__ import annotations

from contextlib import suppress
from typing import Any


def long_lived_container(client: Any, name: str, **create: Any) -> Any:
    """The running container ``name``, made with ``create`` (docker-py's arguments) by the first worker needing it.

    One made meanwhile by another worker (409) is used as it is; one stopped (the engine restarted) is
    started again.
    """
    import docker.errors

    try:
        keeper = client.containers.get(name)
    except docker.errors.NotFound:
        try:
            keeper = client.containers.create(name=name, **create)
        except docker.errors.APIError as error:
            if error.status_code != 409:  # 409: another worker made it first
                raise
            keeper = client.containers.get(name)
    if keeper.status != "running":
        with suppress(docker.errors.APIError):  # started meanwhile by another worker
            keeper.start()
    return keeper
