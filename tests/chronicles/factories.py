"""factory_boy factories for entry messages as producers send them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import factory

BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


class EntryMessageFactory(factory.DictFactory):
    """A valid v1 message (a dict, ready for json.dumps)."""

    sequence_code = factory.LazyFunction(lambda: str(uuid.uuid4()))
    app = "practica"
    subject = factory.Sequence(lambda n: f"gid://practica/Lesson/{n}")
    action = "lesson.published"
    performer = factory.Sequence(lambda n: f"gid://practica/User/{n % 7}")
    payload = factory.LazyFunction(lambda: {"title": "Pipes", "score": 3})
    occurred_at = factory.Sequence(lambda n: (BASE_TIME + timedelta(minutes=n)).isoformat())

    class Params:
        check_passed = factory.Trait(
            action="check.passed",
            subject=factory.Sequence(lambda n: f"gid://practica/Check/{n}"),
            payload=factory.LazyFunction(lambda: {"lesson": {"id": "py-1"}, "tests": {"passed": 3, "total": 3}}),
        )
        system = factory.Trait(performer=None)


def entry(**overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = EntryMessageFactory.build(**overrides)
    if message.get("performer") is None:
        message.pop("performer", None)
    return message
