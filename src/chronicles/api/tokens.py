"""Viewer tokens: which access tags the bearer holds, signed, with an expiry.

Format (a JWT, so any application can mint one with PyJWT and the same key)::

    header  {"alg": "HS256", "typ": "JWT"}
    claims  {"access_tags": ["org:7", "user:42"],   # 1..100 tags, each ^[A-Za-z0-9_.:/@-]{1,200}$
             "exp": 1767225600,                     # expiry, seconds since the epoch (required)
             "iat": 1767222000,                     # optional
             "sub": "gid://practica/User/42"}       # optional: who the viewer is (for logs)

    jwt.encode({"access_tags": tags, "exp": now + ttl}, key, algorithm="HS256")

Only HS256 is accepted. The key is ``CHRONICLES_SIGNING_KEY`` (32+ characters)
or, when that is unset, the one kept in ``PRACTICA_HOME/chronicles/signing.key``:
made once (``secrets.token_urlsafe(48)``), mode 0600, created atomically so
that processes starting together agree on one key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from chronicles.contract.patterns import TAG_PATTERN
from chronicles.settings import ChroniclesSettings
from servicekit.keyfile import kept_key

ALGORITHM = "HS256"
TAGS_CLAIM = "access_tags"
MAX_TAGS = 100
MIN_KEY_LENGTH = 32
LEEWAY_SECONDS = 5  # clocks of the minting application and Chronicles may differ slightly
KEY_FILE = Path("chronicles") / "signing.key"
_TAG = re.compile(TAG_PATTERN)
_TTL = re.compile(r"^([0-9]{1,9})([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class TokenError(Exception):
    """A token that is missing, malformed, wrongly signed or expired (the reason is for logs only)."""


class SigningKeyError(ValueError):
    """The signing key is unusable (too short, unreadable)."""


@dataclass(frozen=True)
class Viewer:
    access_tags: tuple[str, ...]
    subject: str | None
    expires_at: datetime


def signing_key(settings: ChroniclesSettings) -> str:
    """The configured key, or the one kept in the data directory (made on first use)."""
    configured = settings.chronicles_signing_key.get_secret_value()
    if configured:
        return _checked(configured, "CHRONICLES_SIGNING_KEY")
    path = settings.practica_home / KEY_FILE
    return _checked(kept_key(path), str(path))


def _checked(key: str, source: str) -> str:
    if len(key) < MIN_KEY_LENGTH:
        raise SigningKeyError(f"{source}: the signing key must be at least {MIN_KEY_LENGTH} characters")
    return key


def mint(
    key: str, access_tags: Sequence[str], ttl: timedelta, subject: str | None = None, now: datetime | None = None
) -> str:
    """A viewer token holding ``access_tags`` for ``ttl``."""
    tags = _valid_tags(list(access_tags))
    if ttl <= timedelta(0):
        raise ValueError("the time to live must be positive")
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {TAGS_CLAIM: tags, "iat": issued, "exp": issued + ttl}
    if subject is not None:
        claims["sub"] = subject
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def verify(key: str, token: str) -> Viewer:
    """The viewer a token describes; :class:`TokenError` when it cannot be trusted."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["exp"]}, leeway=LEEWAY_SECONDS)
        tags = _valid_tags(claims.get(TAGS_CLAIM))
    except (jwt.PyJWTError, ValueError) as error:
        raise TokenError(str(error)) from None
    subject = claims.get("sub")
    expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
    return Viewer(tuple(tags), subject if isinstance(subject, str) else None, expires_at)


def _valid_tags(tags: object) -> list[str]:
    if not isinstance(tags, list) or not 1 <= len(tags) <= MAX_TAGS:
        raise ValueError(f"{TAGS_CLAIM} must be a list of 1 to {MAX_TAGS} tags")
    for tag in tags:
        if not isinstance(tag, str) or not _TAG.fullmatch(tag):
            raise ValueError(f"{tag!r} is not a tag (pattern {TAG_PATTERN})")
    return list(dict.fromkeys(tags))


def parse_ttl(text: str) -> timedelta:
    """``90``, ``90s``, ``15m``, ``1h`` or ``7d``."""
    match = _TTL.fullmatch(text.strip())
    if match is None or int(match[1]) == 0:
        raise ValueError(f"{text!r} is not a duration (use e.g. 90s, 15m, 1h, 7d)")
    return timedelta(seconds=int(match[1]) * _UNITS[match[2]])
