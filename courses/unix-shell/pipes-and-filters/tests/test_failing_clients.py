import os
import subprocess
from pathlib import Path

SCRIPT = Path.cwd() / "failing_clients.sh"


def line(address, status, path="/"):
    return f'{address} - - [12/Mar/2024:10:15:30 +0000] "GET {path} HTTP/1.1" {status} 123\n'


# Errors per client: .7 -> 4, .3 -> 2, .12 -> 2, .9 -> 1; .5 and .1 only succeed.
# .5 makes the most requests overall; repeated addresses are never all adjacent.
LOG = "".join(
    [
        line("10.0.0.5", 200),
        line("10.0.0.7", 500),
        line("10.0.0.3", 401),
        line("10.0.0.5", 200),
        line("10.0.0.7", 503),
        line("10.0.0.12", 404),
        line("10.0.0.5", 304),
        line("10.0.0.7", 200),
        line("10.0.0.9", 418),
        line("10.0.0.5", 200),
        line("10.0.0.7", 500),
        line("10.0.0.3", 403),
        line("10.0.0.5", 201),
        line("10.0.0.12", 404),
        line("10.0.0.1", 302),
        line("10.0.0.5", 200),
        line("10.0.0.7", 502),
        line("10.0.0.5", 399),
    ]
)


def run(*args):
    env = {**os.environ, "LC_ALL": "C"}
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=5, env=env)


def write_log(tmp_path, text=LOG, name="access.log"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_default_top_three(tmp_path):
    result = run(write_log(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["4 10.0.0.7", "2 10.0.0.12", "2 10.0.0.3"]


def test_top_n(tmp_path):
    log = write_log(tmp_path)
    assert run(log, "1").stdout.splitlines() == ["4 10.0.0.7"]
    assert run(log, "4").stdout.splitlines() == ["4 10.0.0.7", "2 10.0.0.12", "2 10.0.0.3", "1 10.0.0.9"]


def test_n_larger_than_the_number_of_clients(tmp_path):
    result = run(write_log(tmp_path), "50")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "4 10.0.0.7\n2 10.0.0.12\n2 10.0.0.3\n1 10.0.0.9\n"


def test_no_errors_prints_nothing(tmp_path):
    log = write_log(tmp_path, line("10.0.0.1", 200) + line("10.0.0.2", 301) + line("10.0.0.1", 304))
    result = run(log)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_a_big_log(tmp_path):
    lines = [line(f"192.168.{i % 7}.{i % 11}", 500 if i % 3 == 0 else 200) for i in range(6000)]
    result = run(write_log(tmp_path, "".join(lines)), "2")
    assert result.returncode == 0, result.stderr
    # Every third request fails; count them the same way in Python.
    counts = {}
    for i in range(0, 6000, 3):
        address = f"192.168.{i % 7}.{i % 11}"
        counts[address] = counts.get(address, 0) + 1
    expected = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:2]
    assert result.stdout.splitlines() == [f"{count} {address}" for address, count in expected]


def test_missing_log_file_fails(tmp_path):
    result = run(str(tmp_path / "no-such.log"))
    assert result.returncode != 0
    assert result.stdout == ""
