import os
import stat
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path.cwd() / "setup_project.sh"

EXPECTED = {
    ".": ("dir", 0o755),
    "bin": ("dir", 0o755),
    "bin/run.sh": ("file", 0o755),
    "data": ("dir", 0o750),
    "secrets": ("dir", 0o700),
    "secrets/token": ("file", 0o600),
    "README.md": ("file", 0o644),
}


def run_setup(target, umask="022"):
    """Run the learner's script under the given umask; return the finished process."""
    return subprocess.run(
        ["bash", "-c", f'umask {umask} && exec bash "$0" "$1"', str(SCRIPT), str(target)],
        capture_output=True,
        text=True,
        timeout=5,
    )


def assert_tree(target):
    for relative, (kind, mode) in EXPECTED.items():
        path = target / relative
        assert path.exists(), f"{relative} was not created"
        info = os.stat(path)
        is_dir = stat.S_ISDIR(info.st_mode)
        assert is_dir == (kind == "dir"), f"{relative} should be a {kind}"
        assert stat.S_IMODE(info.st_mode) == mode, (
            f"{relative} has mode {stat.S_IMODE(info.st_mode):o}, expected {mode:o}"
        )


@pytest.mark.parametrize("umask", ["022", "077", "000"])
def test_creates_the_tree_with_exact_modes(tmp_path, umask):
    target = tmp_path / "shop"
    result = run_setup(target, umask)
    assert result.returncode == 0, result.stderr
    assert_tree(target)


def test_file_contents(tmp_path):
    target = tmp_path / "shop"
    assert run_setup(target).returncode == 0
    assert (target / "secrets" / "token").read_text() == "change-me\n"
    assert (target / "README.md").read_text() == "# shop\n"
    assert (target / "bin" / "run.sh").read_text().startswith("#!/bin/sh\n")


def test_run_sh_is_executable(tmp_path):
    target = tmp_path / "shop"
    assert run_setup(target).returncode == 0
    ran = subprocess.run([str(target / "bin" / "run.sh")], capture_output=True, text=True, timeout=5)
    assert ran.returncode == 0
    assert ran.stdout == "running\n"


def test_second_run_repairs_modes_and_keeps_the_token(tmp_path):
    target = tmp_path / "shop"
    assert run_setup(target).returncode == 0
    (target / "secrets" / "token").write_text("s3cr3t-real-token\n")
    os.chmod(target / "secrets" / "token", 0o644)
    os.chmod(target / "secrets", 0o777)
    os.chmod(target / "data", 0o755)
    result = run_setup(target)
    assert result.returncode == 0, result.stderr
    assert_tree(target)
    assert (target / "secrets" / "token").read_text() == "s3cr3t-real-token\n"


def test_directory_name_with_a_space(tmp_path):
    target = tmp_path / "my shop"
    result = run_setup(target)
    assert result.returncode == 0, result.stderr
    assert_tree(target)
    assert (target / "README.md").read_text() == "# my shop\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my shop"], "only 'my shop' should be created"
