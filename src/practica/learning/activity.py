"""Activity views: Chronicles' public GraphQL, read with a viewer token made for the signed-in user.

Practica knows Chronicles only through its public interfaces: it signs a
short-lived viewer token (a JWT with the access tags this user holds, with
the key the two share) and asks ``POST {CHRONICLES_URL}/graphql`` for one
feed. What each feed holds and who may read it is decided by the tag rules
in ``chronicles/practica-rules.yaml``:

- ``mine``: the user's own history (feed and access tag ``user:<gid>``);
- ``lesson``: a lesson's history, for the course's owners and admins (feed
  ``lesson:COURSE/SLUG``, access ``course:COURSE``);
- ``organization``: an organisation's audit, for its admins (``org:SLUG``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt

from practica.events.outbox import gid
from practica.ids import UserId
from practica.learning.errors import ActivityCursorError, ActivityUnavailableError
from practica.learning.schemas import ActivityEntry, ActivityPage
from practica.settings import PracticaSettings
from servicekit.keyfile import kept_key

TOKEN_TTL = timedelta(minutes=1)
PAGE = 50
QUERY = """
query Activity($filter: EntryFilter, $first: Int, $after: String) {
  entries(filter: $filter, first: $first, after: $after) {
    edges { node { sequenceCode occurredAt action subject performer text payload } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def viewer_key(settings: PracticaSettings) -> str:
    configured = settings.chronicles_signing_key.get_secret_value()
    return configured or kept_key(settings.practica_home / "chronicles" / "signing.key")


def viewer_token(settings: PracticaSettings, user_id: UserId, access_tags: list[str]) -> str:
    now = datetime.now(UTC)
    claims = {"access_tags": access_tags, "exp": now + TOKEN_TTL, "iat": now, "sub": gid("User", user_id)}
    return jwt.encode(claims, viewer_key(settings), algorithm="HS256")


def user_tag(user_id: UserId) -> str:
    return f"user:{gid('User', user_id)}"


def _names_the_cursor(errors: object) -> bool:
    """Whether Chronicles refused the query for its ``after`` argument (a cursor it never gave)."""
    if not isinstance(errors, list):
        return False
    return any("after" in str(error.get("message", "")) for error in errors if isinstance(error, dict))


async def read_feed(
    settings: PracticaSettings, user_id: UserId, access_tags: list[str], feed_tag: str, after: str | None = None
) -> ActivityPage:
    """One page of the feed ``feed_tag``, newest first, as far as ``access_tags`` reach."""
    variables = {"filter": {"feedTags": [feed_tag]}, "first": PAGE, "after": after}
    headers = {"Authorization": f"Bearer {viewer_token(settings, user_id, access_tags)}"}
    try:
        async with httpx.AsyncClient(base_url=settings.chronicles_url, timeout=5) as client:
            response = await client.post("/graphql", json={"query": QUERY, "variables": variables}, headers=headers)
    except httpx.HTTPError as error:
        raise ActivityUnavailableError(f"Chronicles at {settings.chronicles_url} did not answer: {error}") from None
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if after is not None and response.status_code == 200 and _names_the_cursor(body.get("errors")):
        raise ActivityCursorError("after: is not a `next` this feed gave")
    if response.status_code != 200 or body.get("errors"):
        problem = (body.get("errors") or [{"message": f"HTTP {response.status_code}"}])[0]["message"]
        raise ActivityUnavailableError(f"Chronicles refused the activity query: {problem}")
    entries = body["data"]["entries"]
    return ActivityPage(
        entries=[
            ActivityEntry(
                id=node["sequenceCode"], occurred_at=node["occurredAt"], action=node["action"],
                subject=node["subject"], performer=node["performer"], text=node["text"], payload=node["payload"],
            )
            for node in (edge["node"] for edge in entries["edges"])
        ],
        next=entries["pageInfo"]["endCursor"] if entries["pageInfo"]["hasNextPage"] else None,
    )  # fmt: skip
