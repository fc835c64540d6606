import subprocess
import tarfile
from pathlib import Path

import pytest

SCRIPT = Path.cwd() / "backup.sh"
USAGE = "Usage: backup.sh [-h] [-v] [-n NAME] SOURCE DEST"


def run(*args, cwd):
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=5, cwd=cwd)


@pytest.fixture
def photos(tmp_path):
    """A source directory with a space in its name, and a nested file."""
    source = tmp_path / "my photos"
    (source / "2024").mkdir(parents=True)
    (source / "cat.txt").write_text("a cat\n")
    (source / "2024" / "dog.txt").write_text("a dog\n")
    return source


def archive_contents(path):
    with tarfile.open(path, "r:gz") as archive:
        return {
            member.name.rstrip("/"): archive.extractfile(member).read().decode() if member.isfile() else None
            for member in archive.getmembers()
        }


def test_help_goes_to_stdout_and_exits_0(tmp_path):
    result = run("-h", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == USAGE
    assert result.stderr == ""


@pytest.mark.parametrize(
    "args",
    [[], ["only-one"], ["a", "b", "c"], ["-x", "a", "b"], ["-v", "-n"]],
    ids=["no operands", "one operand", "three operands", "unknown option", "missing -n value"],
)
def test_usage_errors_exit_2_with_usage_on_stderr(tmp_path, args):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2, f"exit status {result.returncode}, expected 2"
    assert USAGE in result.stderr
    assert result.stdout == ""


def test_source_must_be_a_directory(tmp_path):
    (tmp_path / "file.txt").write_text("not a directory")
    for source in ["missing", "file.txt"]:
        result = run(source, "backups", cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.strip() == f"backup.sh: {source}: not a directory"
        assert result.stdout == ""
    assert not (tmp_path / "backups").exists()


def test_backup_with_default_name(tmp_path, photos):
    result = run("my photos", "backups", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    archive = tmp_path / "backups" / "my photos.tar.gz"
    assert archive.is_file()
    contents = archive_contents(archive)
    assert contents["my photos/cat.txt"] == "a cat\n"
    assert contents["my photos/2024/dog.txt"] == "a dog\n"
    assert all(name.startswith("my photos") for name in contents)


def test_verbose_and_name_with_absolute_paths(tmp_path, photos):
    dest = tmp_path / "deep" / "backup dir"
    result = run("-v", "-n", "snapshot", str(photos), str(dest), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"backed up {photos} to {dest}/snapshot.tar.gz\n"
    assert archive_contents(dest / "snapshot.tar.gz")["my photos/cat.txt"] == "a cat\n"


def test_refuses_to_overwrite_an_archive(tmp_path, photos):
    assert run("my photos", "backups", cwd=tmp_path).returncode == 0
    archive = tmp_path / "backups" / "my photos.tar.gz"
    before = archive.read_bytes()
    (photos / "cat.txt").write_text("changed\n")
    result = run("my photos", "backups", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "backup.sh: backups/my photos.tar.gz: already exists"
    assert archive.read_bytes() == before
