"""Authors' archives and repositories are unpacked and cloned in a sandbox: nothing they do lands outside it.

The tool in the sandbox is treated as already compromised: the tests run hostile code in its place and
check what the host sees afterwards, and send the hostile archives and URLs through the real web app.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from practica.accounts.models import Role
from practica.authoring.archives import ArchiveError
from practica.authoring.errors import SourceRefusedError
from practica.authoring.sources import resolve_remote, unpack_untrusted
from practica.sandbox.confined import Confinement, LimitExceededError, prepare_target, run_confined, untrusted_tree
from tests.conftest import remove_home, require_tool
from tests.practica.authoring.conftest import site  # noqa: F401  (a fixture: used by name)
from tests.practica.authoring.site import Site
from tests.practica.conftest import bwrap_runtime, checks_home, traversable_home  # noqa: F401  (fixtures)

pytestmark = pytest.mark.sandbox
UID = 999_999


@pytest.fixture
def scratch() -> Iterator[Path]:
    require_tool(shutil.which("bwrap") is not None, "bubblewrap")
    home = traversable_home("practica-confined-test-")
    yield home
    remove_home(home)


HOSTILE = """
import os, sys
target, outside = sys.argv[1], sys.argv[2]
results = {}
for name, path in [("outside", outside), ("parent", os.path.join(target, "..", "x")), ("etc", "/etc/evil"),
                   ("usr", "/usr/evil"), ("root", "/evil")]:
    try:
        with open(path, "w") as f:
            f.write("owned")
        results[name] = "wrote"
    except OSError as error:
        results[name] = type(error).__name__
os.symlink("/etc/shadow", os.path.join(target, "shadow"))
print(results, os.getuid())
"""


async def test_a_hostile_tool_writes_nowhere_but_its_target_and_not_as_root(scratch: Path) -> None:
    outside = scratch / f"outside-{uuid.uuid4().hex}"
    target = scratch / "target"
    confinement = Confinement(target=target, files={"/opt/hostile.py": HOSTILE.encode()}, uid=UID)
    prepare_target(confinement)
    argv = ["/usr/bin/python3", "-I", "/opt/hostile.py", str(target), str(outside)]
    done = await run_confined(argv, confinement, what="the hostile tool")
    assert done.returncode == 0, done.stderr
    printed = done.stdout.decode()
    for system_path in ("'etc': 'OSError'", "'usr': 'OSError'", "'root': 'OSError'"):
        assert system_path in printed, printed
    # Paths beside the target may be written inside (the sandbox's own /tmp), never on the host.
    assert not outside.exists()
    assert not (scratch / "x").exists()
    inside_uid = int(printed.split()[-1])
    assert inside_uid != 0
    if os.geteuid() == 0:
        assert (target / "shadow").lstat().st_uid == UID  # made by the unprivileged uid, not root
    with pytest.raises(Exception, match="'shadow': only regular files and directories"):
        untrusted_tree(target, max_entries=10, max_bytes=10**6)


async def test_a_tool_that_writes_too_much_or_too_long_is_killed(scratch: Path) -> None:
    big = Confinement(target=scratch / "big", max_bytes=1024 * 1024, uid=UID, timeout_s=60)
    prepare_target(big)
    writer = [
        "/usr/bin/python3",
        "-c",
        "import itertools\nfor n in itertools.count(): open(f'f{n}','wb').write(b'x'*65536)",
    ]
    with pytest.raises(LimitExceededError, match="wrote more than 1 MB"):
        await run_confined(writer, big, what="the writer")
    slow = Confinement(target=scratch / "slow", uid=UID, timeout_s=1)
    prepare_target(slow)
    with pytest.raises(LimitExceededError, match="took longer than 1 s"):
        await run_confined(["/usr/bin/sleep", "30"], slow, what="the sleeper")


def _link_chain_tar(escape_to: Path) -> bytes:
    """The CVE-2025-4517 family: links through long directory names, then a file written through a link."""
    comp = "d" * 247
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        course = b"id: evil\ntitle: Evil\nlessons: []\n"
        info = tarfile.TarInfo("course.yaml")
        info.size = len(course)
        tar.addfile(info, io.BytesIO(course))
        path = ""
        for step in "abcdefghijklmnop":
            directory = tarfile.TarInfo(os.path.join(path, comp))
            directory.type = tarfile.DIRTYPE
            tar.addfile(directory)
            link = tarfile.TarInfo(os.path.join(path, step))
            link.type, link.linkname = tarfile.SYMTYPE, comp
            tar.addfile(link)
            path = os.path.join(path, comp)
        escape = tarfile.TarInfo("escape")
        escape.type, escape.linkname = tarfile.SYMTYPE, os.path.join(*"abcdefghijklmnop") + "/" + "../" * 16
        tar.addfile(escape)
        payload = b"owned\n"
        written = tarfile.TarInfo(f"escape/{escape_to.name}")
        written.size = len(payload)
        tar.addfile(written, io.BytesIO(payload))
    return buffer.getvalue()


async def test_a_link_chain_archive_writes_nothing_outside_through_the_web_app(
    site: Site,  # noqa: F811  (the fixture imported above)
    scratch: Path,
) -> None:
    author = await site.client("mallory@example.org", Role.AUTHOR)
    sentinel = scratch / f"pwned-{uuid.uuid4().hex}"
    response = await author.post(
        "/api/authoring/imports", files={"archive": ("course.tar.gz", _link_chain_tar(sentinel), "application/gzip")}
    )
    assert response.status_code in (201, 422), response.text
    assert not sentinel.exists()
    assert not list(scratch.parent.glob(f"{sentinel.name}*"))
    if response.status_code == 201:  # stored: only regular files, none reached through a link
        assert "escape" not in str(response.json().get("lessons"))


async def test_unpacking_runs_in_the_sandbox_and_reports_the_entry(scratch: Path) -> None:
    link = tarfile.TarInfo("course/etc")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.addfile(link)
    with pytest.raises(ArchiveError, match=r"'course/etc': a link to the absolute path '/etc/passwd' is refused"):
        await unpack_untrusted(buffer.getvalue(), scratch / "out", uid=UID)
    with pytest.raises(ArchiveError, match="archive: the upload is neither a tar archive"):
        await unpack_untrusted(b"not an archive at all " * 50, scratch / "garbage", uid=UID)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/x.git",
        "http://localhost/x.git",
        "https://10.1.2.3/team/course.git",
        "https://192.168.0.10/course.git",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8000/x.git",
        "git://0.0.0.0/x.git",
    ],
)
async def test_git_urls_to_loopback_or_private_addresses_are_refused_at_once(
    site: Site,  # noqa: F811  (the fixture imported above)
    url: str,
) -> None:
    author = await site.client("mallory@example.org", Role.AUTHOR)
    refused = await author.post("/api/authoring/imports", json={"git_url": url})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith("git_url: ")
    assert "not a public address" in refused.json()["detail"]
    assert await site.scalar("SELECT count(*) FROM course_drafts") == 0


async def test_an_allowed_network_is_reachable_and_others_still_are_not() -> None:
    import ipaddress

    allowed = [ipaddress.ip_network("10.231.0.0/16")]
    remote = await resolve_remote("https://10.231.0.2/course.git", allowed)
    assert remote.addresses == ("10.231.0.2",)
    with pytest.raises(SourceRefusedError, match="not a public address"):
        await resolve_remote("https://10.232.0.2/course.git", allowed)


def test_the_unpacker_needs_nothing_but_the_standard_library() -> None:
    """It runs as a script under the system's Python with -I -S inside the sandbox."""
    import ast

    from practica.authoring import archives

    tree = ast.parse(Path(archives.__file__).read_text())
    nodes = list(ast.walk(tree))
    imported = {alias.name.split(".")[0] for node in nodes if isinstance(node, ast.Import) for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in nodes if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "gzip", "io", "json", "os", "re", "shutil", "stat", "sys", "tarfile", "zipfile",
                        "pathlib", "typing"}  # fmt: skip


async def test_a_clone_cannot_reach_a_loopback_service_even_by_a_public_looking_name() -> None:
    """A name that resolves to loopback is refused before git runs (no rebinding window: git is pinned)."""
    with pytest.raises(SourceRefusedError, match="'localhost' is not a public address"):
        await resolve_remote("https://localhost/course.git", [])
