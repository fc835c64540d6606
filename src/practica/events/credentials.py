"""The producer token Practica's relay sends to Chronicles' intake (``POST /entries``).

Chronicles takes entries only from producers holding a token that names
their app. Practica reaches Chronicles only through its public interfaces,
so it does not import the minting code: it follows the documented token
format (a JWT, HS256, audience ``chronicles:entries``, claim ``apps``) and
the key's place in the data directory, as it does for viewer tokens.

``CHRONICLES_INGEST_TOKEN`` set: that token is sent as it is (one made by
``chronicles producer-token --app practica`` for a Chronicles elsewhere).
Unset: a token for app ``practica`` is minted for each relay run, signed with
``CHRONICLES_PRODUCER_KEY`` or the key kept in
``PRACTICA_HOME/chronicles/producer.key`` (made once, by whichever of the two
products needs it first), which is the embedded setup of ``practica up``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from practica.events.outbox import APP
from practica.settings import PracticaSettings
from servicekit.keyfile import kept_key

AUDIENCE = "chronicles:entries"
PRODUCER_KEY_FILE = Path("chronicles") / "producer.key"
TOKEN_TTL = timedelta(hours=1)  # longer than a relay run; a new one is minted for the next


def producer_token(settings: PracticaSettings) -> str:
    """The bearer token for Chronicles' intake."""
    configured = settings.chronicles_ingest_token.get_secret_value()
    if configured:
        return configured
    now = datetime.now(UTC)
    claims = {"aud": AUDIENCE, "apps": [APP], "sub": "practica-relay", "iat": now, "exp": now + TOKEN_TTL}
    return jwt.encode(claims, producer_key(settings), algorithm="HS256")


def producer_key(settings: PracticaSettings) -> str:
    configured = settings.chronicles_producer_key.get_secret_value()
    return configured or kept_key(settings.practica_home / PRODUCER_KEY_FILE)
