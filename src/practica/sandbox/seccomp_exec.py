"""Load a compiled seccomp program, then become the given command: ``seccomp_exec.py PROGRAM -- ARGV...``.

One link of the bubblewrap runtime's exec chain (see
:mod:`practica.sandbox.bwrap_exec`), run by the host's Python with ``-I -S``
right after ``setpriv --no-new-privs``: everything the exec starts from here
on, ``nsenter`` included, runs under the filter, and no process can remove it.
It also hands the command every signal at its default action.
Standard library only, so that it starts in milliseconds.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
INSTRUCTION_SIZE = 8


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def load(program: bytes) -> None:
    """Install the filter on this process (it must already have ``no_new_privs``, or be privileged)."""
    if not program or len(program) % INSTRUCTION_SIZE:
        raise ValueError("not a compiled seccomp program")
    code = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // INSTRUCTION_SIZE, ctypes.cast(code, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"seccomp: {os.strerror(number)}")


def default_signals() -> None:
    """Every signal back to its default action, as a new login would have it.

    Ignored signals survive ``exec``: without this, every command of the
    environment would ignore SIGPIPE and SIGXFSZ (Python ignores them at
    start-up: ``yes | head -1`` printed "Broken pipe"), and SIGINT and SIGQUIT
    too when the worker was started in the background by a shell.
    """
    for number in signal.valid_signals():
        if number not in (signal.SIGKILL, signal.SIGSTOP):
            with contextlib.suppress(OSError, ValueError):  # numbers the C library keeps for itself
                signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, ())


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[1] != "--":
        sys.stderr.write("seccomp_exec: usage: seccomp_exec.py PROGRAM -- COMMAND [ARG...]\n")
        sys.exit(125)
    with open(argv[0], "rb") as compiled:
        load(compiled.read())
    command = argv[2:]
    default_signals()
    os.execvp(command[0], command)  # noqa: S606 (becoming the next link of the chain is the point)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except OSError as error:
        sys.stderr.write(f"seccomp_exec: {error}\n")
        sys.exit(125)
