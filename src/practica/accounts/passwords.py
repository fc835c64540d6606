"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's second recommendation), and weak passwords.

Hashing and verifying take tens of milliseconds of CPU on purpose, so they run
in a worker thread. A sign-in for an unknown email still verifies against a
dummy hash so that its answer takes as long as a wrong password's.

A new password (sign-up, reset, ``practica user create``) has at least
:data:`MIN_LENGTH` characters and is not one of the common passwords in
``common-passwords.txt.gz``: the 20,000 most common passwords of leaked
password dumps (lower-cased, deduplicated: 19,640), as Django ships them for
its ``CommonPasswordValidator`` (list by Royce Williams; Django's BSD
licence). ``scripts/common_passwords.py`` takes it from a Django wheel. It is
read from the package, never fetched.
"""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import dataclass
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()  # argon2id
MIN_LENGTH = 10


@dataclass(frozen=True)
class Verification:
    ok: bool
    new_hash: str | None = None  # set when the stored hash used older parameters


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


async def verify_password(stored: str | None, password: str) -> Verification:
    """Check ``password`` against ``stored`` (``None``: no such user, spend the same time anyway)."""
    return await asyncio.to_thread(_verify, stored, password)


def _verify(stored: str | None, password: str) -> Verification:
    try:
        HASHER.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return Verification(ok=False)
    if stored is None:
        return Verification(ok=False)
    return Verification(ok=True, new_hash=HASHER.hash(password) if HASHER.check_needs_rehash(stored) else None)


@cache
def _dummy_hash() -> str:
    return HASHER.hash("not anyone's password")


def password_problem(password: str) -> str | None:
    """What makes ``password`` unfit as a new password, or ``None``: too short, or too common."""
    if len(password) < MIN_LENGTH:
        return f"Password must have at least {MIN_LENGTH} characters"
    if password.strip().lower() in common_passwords():
        return "Password is one of the 20,000 most common passwords: choose one that is harder to guess"
    return None


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords, lower-case, read once from the package's data."""
    packed = resources.files("practica.accounts").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(packed).decode().splitlines())
