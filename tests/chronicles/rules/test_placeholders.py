from __future__ import annotations

import pytest

from chronicles.rules.placeholders import EntryView, PlaceholderError, Template

ENTRY = EntryView(
    app="plat",
    subject="gid://plat/Job/42",
    action="job.approved",
    performer="gid://plat/User/7",
    payload={"flag": {"gid": "gid://plat/Flag/1"}, "n": 3, "tags": ["a", "b"]},
    occurred_at="2026-01-01T00:00:00+00:00",
)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{performer} approved {subject}", "gid://plat/User/7 approved gid://plat/Job/42"),
        ("job:{subject.id}", "job:42"),
        ("{subject.type}/{subject.app}/{performer.id}", "Job/plat/7"),
        ("{app} {action}", "plat job.approved"),
        ("flag {payload.flag.gid}, n={payload.n}", "flag gid://plat/Flag/1, n=3"),
        ("first tag {payload.tags.0}", "first tag a"),
        ("{{literal}} braces", "{literal} braces"),
        ("missing [{payload.nope}]", "missing []"),
    ],
)
def test_rendering(source: str, expected: str) -> None:
    assert Template.parse(source).render(ENTRY) == expected


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("{performer.name}", "unknown placeholder {performer.name}"),
        ("{__class__}", "unknown placeholder {__class__}"),
        ("{payload.a b}", "invalid key 'a b'"),
        ("{payload.a.b.c.d.e.f.g.h.i}", "deeper than 8"),
        ("{payload.x[0]}", "invalid key"),
        ("{0}", "unknown placeholder {0}"),
        ("unclosed {subject", "unmatched '{'"),
    ],
)
def test_placeholders_that_cannot_exist_are_refused(source: str, complaint: str) -> None:
    with pytest.raises(PlaceholderError, match=complaint.replace("[", r"\[").replace("{", r"\{")):
        Template.parse(source)


def test_a_tag_with_a_missing_value_is_not_built() -> None:
    system_entry = EntryView(**{**ENTRY.__dict__, "performer": None})
    assert Template.parse("user:{performer}").render(system_entry, missing=lambda _: None) is None
