"""Entries reach the database as ``COPY`` text: no value can break out of its row or column.

A producer allowed to write app ``forum`` sends an entry whose payload (and a
tag rendered from it) carries what would end a COPY row or column, or start an
escape, followed by a forged row of app ``practica``. Exactly its own entry
must be stored, with its payload and tag as sent.
"""

from __future__ import annotations

import json
import uuid

from tests.chronicles.factories import entry
from tests.security.chronicles_fixtures import Chronicles

FORGED_ROW = f"{uuid.uuid4()}\tpractica\tgid://practica/Check/1\tCheck\tcheck.passed\tgid://practica/User/42\t{{}}"
BREAKOUTS = ["\n" + FORGED_ROW, "\t" + FORGED_ROW, "\\.\n" + FORGED_ROW, "\\N", "\\t\\n\\\\", "\r\n" + FORGED_ROW]


def test_a_payload_cannot_forge_a_row(chronicles_service: Chronicles) -> None:
    rule = f"copy-{uuid.uuid4().hex[:8]}"
    chronicles_service.rows(
        "INSERT INTO tag_rules (name, kind, tag, match) VALUES (%s, 'feed', 'note:{payload.note}', '{}') RETURNING id",
        rule,
    )
    sent = [
        entry(app="forum", subject=f"gid://forum/Post/{index}", payload={"note": text, text: [text]})
        for index, text in enumerate([*BREAKOUTS, "plain \\ backslash"])
    ]
    before = chronicles_service.count("SELECT count(*) FROM entries WHERE app = 'practica'")

    response = chronicles_service.post(
        "/entries",
        content=b"\n".join(json.dumps(message).encode() for message in sent),
        headers={"Content-Type": "application/x-ndjson", **chronicles_service.producer("forum")},
    )

    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == len(sent)
    assert chronicles_service.count("SELECT count(*) FROM entries WHERE app = 'practica'") == before
    for message in sent:
        [(app, payload, tags)] = chronicles_service.rows(
            "SELECT app, payload, feed_tags FROM entries WHERE sequence_code = %s", message["sequence_code"]
        )
        assert (app, payload) == ("forum", message["payload"])
        note = f"note:{message['payload']['note']}"
        assert tags == ([note] if note.isprintable() else [])
