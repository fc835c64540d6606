"""Learners' workspaces saved in the database and put back when their environment is made again (real bwrap)."""

from __future__ import annotations

import io
import tarfile

import httpx
import pytest
from sqlalchemy import select, text

from practica.environments.models import LearnerEnvironment
from practica.environments.service import request_remove, request_stop
from practica.learning.models import WorkspaceSave
from practica.learning.saves import restore, save_recent, saved_files
from practica.sandbox import ExecRequest, PathRefusedError
from tests.practica.learning.conftest import Site, open_lesson

pytestmark = pytest.mark.sandbox

LIMIT = 16 * 1024 * 1024
MINE = b"def add(a, b):\n    return a + b  # mine\n"


async def _autosave(site: Site, limit: int = LIMIT) -> int:
    return await save_recent(site.sessions, site.runtime, site.sandbox.host_name, limit)


async def _save(site: Site) -> WorkspaceSave | None:
    async with site.sessions() as session:
        return await session.scalar(select(WorkspaceSave))


async def _environment(site: Site, env_id: str) -> LearnerEnvironment:
    async with site.sessions() as session:
        found = await session.get(LearnerEnvironment, env_id)
        assert found is not None
        return found


async def _work(site: Site, env_id: str) -> None:
    await site.runtime.write_file(env_id, "solution.py", MINE)
    command = "mkdir -p notes/deep && echo idea > notes/deep/a.txt"
    await site.runtime.exec(env_id, ExecRequest(argv=["sh", "-c", command]))


async def _stop(site: Site, env_id: str) -> None:
    async with site.sessions() as session, session.begin():
        assert await request_stop(session, env_id)
    await site.run_jobs()


async def _reopen(site: Site, client: httpx.AsyncClient) -> str:
    response = await client.post("/api/courses/basics/lessons/add/environment")
    assert response.status_code == 200, response.text
    await site.run_jobs()
    ready = (await client.get("/api/courses/basics/lessons/add/environment")).json()
    assert ready["status"] == "running", ready
    return str(ready["id"])


async def test_an_environment_its_host_lost_comes_back_with_the_learners_files(site: Site) -> None:
    client = await site.learner("lin@example.org")
    env_id = (await open_lesson(site, client))["id"]
    await _work(site, env_id)
    assert await _autosave(site) == 1
    saved = await _save(site)
    assert saved is not None
    assert (saved.files, saved.left_out) == (2, 0)
    made_before = (await _environment(site, env_id)).made_at

    await _stop(site, env_id)
    await site.runtime.remove(env_id)  # the host lost it: disk replaced, or restored from an older backup

    assert await _reopen(site, client) == env_id
    assert (await _environment(site, env_id)).made_at > made_before
    assert await site.runtime.read_file(env_id, "solution.py") == MINE
    assert await site.runtime.read_file(env_id, "notes/deep/a.txt") == b"idea\n"
    await client.aclose()


async def test_a_plain_resume_keeps_what_was_written_after_the_last_save(site: Site) -> None:
    client = await site.learner("mae@example.org")
    env_id = (await open_lesson(site, client))["id"]
    await _work(site, env_id)
    assert await _autosave(site) == 1
    await site.runtime.write_file(env_id, "solution.py", b"newer than the save\n")
    await _stop(site, env_id)

    assert await _reopen(site, client) == env_id
    assert await site.runtime.read_file(env_id, "solution.py") == b"newer than the save\n"
    await client.aclose()


async def test_an_unchanged_workspace_is_not_saved_again(site: Site) -> None:
    client = await site.learner("ida@example.org")
    env_id = (await open_lesson(site, client))["id"]
    await _autosave(site)  # the starter files, unless the worker's own autosave tick saved them already
    assert await _autosave(site) == 0
    await _work(site, env_id)
    assert await _autosave(site) == 1
    await site.runtime.exec(env_id, ExecRequest(argv=["rm", "notes/deep/a.txt"]))
    assert await _autosave(site) == 1
    saved = await _save(site)
    assert saved is not None
    assert sorted(path for path, _, _ in saved_files(saved.archive)) == ["solution.py"]
    await client.aclose()


async def test_a_removed_environment_is_made_again_with_the_save_and_a_reset_forgets_it(site: Site) -> None:
    client = await site.learner("eva@example.org")
    env_id = (await open_lesson(site, client))["id"]
    await _work(site, env_id)
    assert await _autosave(site) == 1
    async with site.sessions() as session, session.begin():
        assert await request_remove(session, env_id)
    await site.run_jobs()

    new_id = await _reopen(site, client)
    assert new_id != env_id
    assert await site.runtime.read_file(new_id, "solution.py") == MINE
    assert await site.runtime.read_file(new_id, "notes/deep/a.txt") == b"idea\n"

    assert (await client.post("/api/courses/basics/lessons/add/reset")).status_code == 200
    await site.run_jobs()
    assert b"NotImplementedError" in await site.runtime.read_file(new_id, "solution.py")
    # A later loss brings back the reset workspace, not the old files: the reset forgot the save. The worker's
    # periodic autosave may have saved the reset workspace since, when a run of jobs crossed a minute's turn.
    saved = await _save(site)
    if saved is not None:
        files = {path: content for path, content, _ in saved_files(saved.archive)}
        assert MINE not in files.values()
        assert "notes/deep/a.txt" not in files
    await client.aclose()


async def test_the_size_limit_keeps_the_smallest_files_and_counts_the_rest(site: Site) -> None:
    client = await site.learner("uma@example.org")
    env_id = (await open_lesson(site, client))["id"]
    await site.runtime.write_file(env_id, "big.bin", b"x" * 5000)
    await site.runtime.exec(env_id, ExecRequest(argv=["ln", "-s", "solution.py", "link.py"]))
    assert await _autosave(site, limit=4000) == 1
    saved = await _save(site)
    assert saved is not None
    assert "big.bin" not in [path for path, _, _ in saved_files(saved.archive)]
    assert saved.left_out == 2  # the file past the limit, and the symlink
    assert saved.size_bytes <= 4000
    await client.aclose()


async def test_a_workspace_made_anew_and_not_yet_filled_never_overwrites_the_save(site: Site) -> None:
    client = await site.learner("zoe@example.org")
    env_id = (await open_lesson(site, client))["id"]
    await _work(site, env_id)
    assert await _autosave(site) == 1
    for entry in await site.runtime.list_files(env_id):
        await site.runtime.delete_file(env_id, entry.name)
    async with site.sessions() as session, session.begin():  # what the start job records when it made it again
        await session.execute(text("UPDATE learner_environments SET made_at = now() WHERE id = :id"), {"id": env_id})

    assert await _autosave(site) == 0
    saved = await _save(site)
    assert saved is not None
    assert saved.files == 2
    await client.aclose()


async def test_a_save_naming_a_path_out_of_the_workspace_is_refused(site: Site) -> None:
    client = await site.learner("rey@example.org")
    env_id = (await open_lesson(site, client))["id"]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        member = tarfile.TarInfo("../../escaped.txt")
        member.size = 3
        tar.addfile(member, io.BytesIO(b"bad"))
    with pytest.raises(PathRefusedError):
        await restore(site.runtime, env_id, buffer.getvalue())
    await client.aclose()
