"""The committed OpenAPI schema (the front end's API types are generated from it) matches the routes."""

from __future__ import annotations

from scripts.openapi import SCHEMA, current_schema, render


def test_the_committed_openapi_schema_is_current() -> None:
    assert SCHEMA.read_text() == render(current_schema()), "run `make openapi` and commit the result"


def test_the_schema_types_the_learners_api() -> None:
    paths = current_schema()["paths"]
    assert "/api/courses/{course_id}/lessons/{slug}/checks" in paths
    check = paths["/api/checks/{check_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert check == {"$ref": "#/components/schemas/CheckView"}
