"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's second recommendation).

Hashing and verifying take tens of milliseconds of CPU on purpose, so they run
in a worker thread. A sign-in for an unknown email still verifies against a
dummy hash so that its answer takes as long as a wrong password's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()  # argon2id


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
