"""A second copy of an exec's output, kept in the container, for when the engine's attach stream loses it.

Podman's Docker-compatible service can end an exec's attach stream before
it has sent all the output (podman issue #9096): on a loaded host an
``echo out`` came back as exit 0 with nothing on stdout. So every
non-terminal exec runs under a small ``sh`` wrapper that copies each stream
through ``tee -p FILE`` (the file's size capped by ``ulimit -f``; past it
``tee`` goes on streaming) into a private directory on the
container's own ``/tmp`` (the learner's tmpfs). The wrapper runs the command,
waits for the copies to finish (the engine stops reading an exec's output
once its first process has exited; at most :data:`SETTLE_SECONDS`, for a
background process that keeps the streams open) and exits with the
command's status. Once the exec has ended, the runtime reads that directory
through the engine's archive API (a plain HTTP response, not the attach
stream) and delivers whatever the stream missed; the next exec's wrapper
removes it (no request of its own; a stopped container's ``/tmp`` is gone). Without
a ``tee`` that knows ``-p`` or room on ``/tmp`` the command runs bare.

The directory belongs to the environment's uid, so a learner's process can
change its files: it can only spoil its own output, and the archive is read
under a byte budget, regular files only.
"""

from __future__ import annotations

import io
import secrets
import tarfile
from dataclasses import dataclass, field
from typing import Any

from practica.sandbox.output import OutputSink, Stream

CAPTURE_ROOT = "/tmp/.practica-exec"  # noqa: S108 (inside the container: its own tmpfs)
# Longest wait for the copies to finish after the command ended; only a background process that keeps the
# streams open makes them take longer, and then the output is what they had copied (as on the bwrap runtime).
SETTLE_SECONDS = 1.0
POLL_SECONDS = 0.01
STREAMS: tuple[Stream, ...] = ("stdout", "stderr")

WRAPPER = """\
d=$1 blocks=$2 polls=$3 stale=$4; shift 4
[ -z "$stale" ] || rm -rf $stale
tee -p </dev/null >/dev/null 2>&1 || exec "$@"
(umask 077; mkdir -p "${d%/*}" && mkdir "$d" && mkfifo "$d/stdout.pipe" "$d/stderr.pipe") 2>/dev/null || exec "$@"
(trap '' XFSZ; ulimit -f "$blocks"; tee -p "$d/stdout" < "$d/stdout.pipe" 2>/dev/null; : > "$d/stdout.done") &
(trap '' XFSZ; ulimit -f "$blocks"; tee -p "$d/stderr" < "$d/stderr.pipe" >&2 2>/dev/null; : > "$d/stderr.done") &
"$@" > "$d/stdout.pipe" 2> "$d/stderr.pipe"
code=$?
while [ "$polls" -gt 0 ] && ! [ -e "$d/stdout.done" -a -e "$d/stderr.done" ]; do sleep 0.01; polls=$((polls - 1)); done
exit "$code"
"""


@dataclass
class Capture:
    """Where one exec's copy lives in the container, and how much of it may be read back."""

    cap: int
    stale: tuple[str, ...] = ()
    directory: str = field(default_factory=lambda: f"{CAPTURE_ROOT}/{secrets.token_hex(8)}")

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` under the copying wrapper; each stream's copy stops past the output cap (``ulimit -f``)."""
        polls = str(round(SETTLE_SECONDS / POLL_SECONDS))
        stale = " ".join(self.stale)  # earlier execs' copies, read already: names of hex digits, safe to split
        return ["/bin/sh", "-c", WRAPPER, "practica-exec", self.directory, str(self.blocks), polls, stale, *argv]

    @property
    def blocks(self) -> int:
        """The copies' size limit in ``ulimit -f``'s 512-byte blocks: more than the output cap."""
        return self.cap // 512 + 2

    @property
    def budget(self) -> int:
        """The most archive bytes read back: both copies at their limit, plus tar's headers."""
        return 2 * self.blocks * 512 + 64 * 1024

    def collect(self, api: Any, container_id: str) -> dict[Stream, bytes] | None:
        """Both copies, as far as the wrapper let them get; ``None`` if there are none."""
        files = self._read(api, container_id)
        if files is None:
            return None
        return {stream: files.get(stream, b"") for stream in STREAMS}

    def _read(self, api: Any, container_id: str) -> dict[str, bytes] | None:
        import docker.errors

        try:
            chunks, _stat = api.get_archive(container_id, self.directory)
            archive = _bounded(chunks, self.budget)
        except docker.errors.APIError:  # no directory: the wrapper ran the command bare (no `tee -p`, or no room)
            return None
        if archive is None:
            return None
        return _regular_files(archive)


def _bounded(chunks: Any, budget: int) -> bytes | None:
    """The archive's bytes, or ``None`` once they pass ``budget`` (a learner's process grew the directory)."""
    kept = bytearray()
    for chunk in chunks:
        kept += chunk
        if len(kept) > budget:
            return None
    return bytes(kept)


def _regular_files(archive: bytes) -> dict[str, bytes]:
    """Name to content of the regular files at the archive's second level (``DIRECTORY/NAME``)."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
        for member in tar:
            extracted = tar.extractfile(member) if member.isreg() else None
            if extracted is not None:
                found[member.name.rsplit("/", 1)[-1]] = extracted.read()
    return found


async def deliver_missing(sink: OutputSink, copies: dict[Stream, bytes]) -> bool:
    """Feed ``sink`` what each copy holds past what the stream delivered; whether anything was missing."""
    missing = False
    for stream in STREAMS:
        delivered, copy = bytes(sink.kept[stream]), copies[stream]
        if len(copy) > len(delivered) and copy.startswith(delivered):
            missing = True
            await sink.feed(stream, copy[len(delivered) :])
    return missing
