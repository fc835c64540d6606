"""The docker runtime on an eval host's engine: nothing kept on this machine, the listing-based watch."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from practica.sandbox import EnvironmentSpec, ExecRequest, Status
from practica.sandbox.bwrap_args import HOME
from practica.sandbox.docker_remote import (
    DISKS_VOLUME,
    MAX_CHANGES,
    PROFILES_VOLUME,
    RemoteDockerRuntime,
    changes_between,
    parse_listing,
    volume_name,
)
from practica.sandbox.docker_runtime import container_name
from practica.sandbox.runtime import EnvironmentNotFoundError, SandboxError
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import ChangeKind, FileChange
from tests.practica.sandbox.conftest import TEST_LIMITS


def test_a_listing_is_read_with_names_holding_spaces_and_newlines() -> None:
    output = b"f 12 1700000000.5 a b.py\0d 4096 1700000001.0 dir\0f 3 1700000002.0 odd\nname\0"
    assert parse_listing(output) == {
        "a b.py": "f 12 1700000000.5",
        "dir": "d 4096 1700000001.0",
        "odd\nname": "f 3 1700000002.0",
    }


def test_changes_between_listings_name_each_path_once() -> None:
    before = {"kept": "f 1 1.0", "edited": "f 1 1.0", "gone": "f 1 1.0"}
    after = {"kept": "f 1 1.0", "edited": "f 2 2.0", "new": "f 1 3.0"}
    assert changes_between(before, after) == [
        FileChange(path="edited", kind=ChangeKind.MODIFIED),
        FileChange(path="gone", kind=ChangeKind.DELETED),
        FileChange(path="new", kind=ChangeKind.CREATED),
    ]


def test_too_many_changes_become_one_overflow() -> None:
    after = {f"file{n}": "f 1 1.0" for n in range(MAX_CHANGES + 1)}
    assert changes_between({}, after) == [FileChange(path="", kind=ChangeKind.OVERFLOW)]


@pytest.fixture
async def two_workers(
    remote_engine: object, sandbox_settings: SandboxSettings
) -> AsyncIterator[tuple[RemoteDockerRuntime, RemoteDockerRuntime]]:
    """Two runtimes on one engine, as two worker processes (or a worker and a gateway) have."""
    first, second = (
        RemoteDockerRuntime(sandbox_settings, remote_engine),
        RemoteDockerRuntime(sandbox_settings, remote_engine),
    )
    yield first, second
    for info in await second.list_environments():
        await second.remove(info.id)
    await first.close()
    await second.close()


async def test_an_environment_is_kept_in_the_engine_not_on_this_machine(
    two_workers: tuple[RemoteDockerRuntime, RemoteDockerRuntime], sandbox_settings: SandboxSettings
) -> None:
    maker, other = two_workers
    info = await maker.create(EnvironmentSpec(limits=TEST_LIMITS, labels={"lesson": "l1"}))
    assert not (sandbox_settings.environments_home / info.id).exists()
    await maker.write_file(info.id, "notes.txt", b"from the first\n")

    with pytest.raises(EnvironmentNotFoundError):
        await other.get("../" + info.id)
    seen = await other.get(info.id)
    assert (seen.uid, seen.spec, seen.status) == (info.uid, info.spec, Status.RUNNING)
    whoami = await other.exec(info.id, ExecRequest(argv=["sh", "-c", "id -un; id -u; cat notes.txt; pwd"]))
    assert whoami.stdout.decode().split("\n")[:4] == ["learner", str(info.uid), "from the first", "/workspace"]

    await maker.close()  # the maker's worker ends: nothing of the environment was its own
    await other.stop(info.id)
    assert (await other.get(info.id)).status is Status.STOPPED
    await other.resume(info.id)
    assert await other.read_file(info.id, "notes.txt") == b"from the first\n"

    await other.remove(info.id)
    with pytest.raises(EnvironmentNotFoundError):
        await other.get(info.id)
    assert volume_name(info.id) not in {volume.name for volume in other.client.volumes.list()}


async def test_a_guessed_uid_that_another_environment_holds_is_never_given(
    remote_engine: object, sandbox_settings: SandboxSettings
) -> None:
    """Of two uids, one held: every guess of it is seen taken (by the engine's label filter), never handed out."""
    settings = sandbox_settings.model_copy(update={"uid_base": 3_100_000, "uid_count": 2})
    runtime = RemoteDockerRuntime(settings, remote_engine)
    held = await runtime.create(EnvironmentSpec(limits=TEST_LIMITS))
    try:
        given = {await asyncio.to_thread(runtime._free_uid) for _ in range(24)}
        assert given == {3_100_000, 3_100_001} - {held.uid}
    finally:
        await runtime.remove(held.id)
        await runtime.close()


async def test_environments_on_one_engine_get_distinct_uids(
    remote_engine: object, sandbox_settings: SandboxSettings
) -> None:
    """Three uids for three environments made by two workers; a fourth is refused, naming the setting."""
    settings = sandbox_settings.model_copy(update={"uid_base": 3_000_000, "uid_count": 3})
    maker, other = RemoteDockerRuntime(settings, remote_engine), RemoteDockerRuntime(settings, remote_engine)
    try:
        made = [await runtime.create(EnvironmentSpec(limits=TEST_LIMITS)) for runtime in (maker, other, maker)]
        assert sorted(info.uid for info in made) == [3_000_000, 3_000_001, 3_000_002]
        with pytest.raises(SandboxError, match="PRACTICA_SANDBOX_UID_COUNT"):
            await other.create(EnvironmentSpec(limits=TEST_LIMITS))
        assert {info.id for info in made} == {info.id for info in await other.list_environments()}
    finally:
        for info in await maker.list_environments():
            await maker.remove(info.id)
        await maker.close()
        await other.close()


async def test_podman_reads_the_seccomp_profile_on_its_own_machine(
    two_workers: tuple[RemoteDockerRuntime, RemoteDockerRuntime],
) -> None:
    first, second = two_workers
    env_id = (await first.create(EnvironmentSpec(limits=TEST_LIMITS))).id

    inspected = first.client.containers.get(container_name(env_id)).attrs["HostConfig"]["SecurityOpt"]
    used = [option.removeprefix("seccomp=") for option in inspected if option.startswith("seccomp=")]
    volume = first.client.volumes.get(PROFILES_VOLUME).attrs["Mountpoint"]
    assert [str(Path(path).parent) for path in used] == [volume], inspected  # the engine's machine, not ours
    assert second.security_opt == first.security_opt  # the second worker uses the same file
    profile = json.loads(await asyncio.to_thread(Path(used[0]).read_bytes))  # here the engine's machine is this one
    allowed = {name for rule in profile["syscalls"] if rule["action"] == "SCMP_ACT_ALLOW" for name in rule["names"]}
    assert "keyctl" not in allowed  # podman's default allows it; ours (test_hostile: refused in the environment)
    assert first.client.containers.list(all=True, filters={"name": "practica-profile-writer"}) == []


async def test_a_workspace_is_a_file_system_of_its_quota_on_the_engines_disk(
    two_workers: tuple[RemoteDockerRuntime, RemoteDockerRuntime],
) -> None:
    maker, _other = two_workers
    info = await maker.create(EnvironmentSpec(limits=TEST_LIMITS))  # a 64 MiB quota
    options = maker.client.volumes.get(volume_name(info.id)).attrs["Options"]
    device = Path(options["device"])
    assert (options["type"], str(device.parent)) == ("ext4", maker.client.volumes.get(DISKS_VOLUME).attrs["Mountpoint"])
    made = await asyncio.to_thread(device.stat)  # in these tests the engine's machine is this one
    assert made.st_size == TEST_LIMITS.disk
    assert made.st_blocks * 512 < made.st_size / 4  # sparse: it takes what was written

    mounted = await maker.exec(info.id, ExecRequest(argv=["stat", "-f", "-c", "%T %b %S", HOME]))
    fstype, blocks, block_size = mounted.stdout.decode().split()
    assert fstype == "ext2/ext3"
    assert int(blocks) * int(block_size) <= TEST_LIMITS.disk
    assert await maker.list_files(info.id) == []  # no lost+found in the learner's workspace
    owner = await maker.exec(info.id, ExecRequest(argv=["sh", "-c", f"stat -c %u {HOME}; touch mine"]))
    assert (owner.exit_code, owner.stdout.split()) == (0, [str(info.uid).encode()])

    await maker.remove(info.id)
    assert not await asyncio.to_thread(device.exists)
