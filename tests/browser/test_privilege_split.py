"""``practica up`` as root: a learner's whole lesson works while only the sandbox controller keeps root."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Platform
from tests.browser.test_learner_journey import LONG, RIGHT, check, publish_course, sign_up_and_confirm, write_in_editor

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]
SERVICES = ("practica web", "practica worker", "practica gateway", "chronicles serve", "chronicles worker")


def status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(status(int(entry.name))["PPid"])
            except (FileNotFoundError, KeyError, ProcessLookupError):
                continue
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def services_of(supervisor: int) -> dict[str, list[int]]:
    processes = {pid: command_line(pid) for pid in descendants(supervisor)}
    return {
        name: [pid for pid, line in processes.items() if f"-m {name}" in line]
        for name in (*SERVICES, "practica sandbox-controller")
    }


async def test_only_the_sandbox_controller_runs_as_root(page: Page, platform: Platform, tmp_path: Path) -> None:
    """Lesson, terminal and check work end to end, and no service process has uid 0 or a capability."""
    publish_course(platform, tmp_path / "python-start")
    await sign_up_and_confirm(page, platform, "grace@example.org")
    await page.goto(f"{platform.url}/courses/python-start/lessons/add")
    terminal = page.get_by_label("Terminal")
    await expect(page.get_by_label("Connection status")).to_contain_text("onnected", timeout=LONG)
    await terminal.click()
    await page.keyboard.type("echo uid-$(id -u)-in-$((6*7))\n")
    await expect(terminal).to_contain_text("uid-1000-in-42", timeout=LONG)
    await page.get_by_role("treeitem", name="solution.py").click()
    await write_in_editor(page, RIGHT)
    await check(page, "passed")

    service = pwd.getpwnam("practica")
    found = services_of(platform.pid)
    assert all(found[name] for name in SERVICES), found
    for name in SERVICES:
        for pid in found[name]:
            seen = status(pid)
            assert seen["Uid"].split() == [str(service.pw_uid)] * 4, (name, seen["Uid"])
            assert seen["Gid"].split() == [str(service.pw_gid)] * 4, (name, seen["Gid"])
            assert (seen["CapEff"], seen["CapPrm"], seen["CapBnd"], seen["NoNewPrivs"]) == ("0" * 16,) * 3 + ("1",)
    [controller] = found["practica sandbox-controller"]
    assert status(controller)["Uid"].split()[0] == "0"
    assert os.stat(Path(platform.env["PRACTICA_HOME"]) / "run" / "sandbox.sock").st_mode & 0o777 == 0o660
