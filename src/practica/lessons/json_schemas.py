"""JSON Schemas of ``lesson.yaml`` and ``course.yaml``, generated from the models, for editors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from practica.lessons.format import Course, Lesson

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas" / "lessons"


def schemas() -> dict[str, dict[str, Any]]:
    documents = {}
    for name, model in (("lesson.schema.json", Lesson), ("course.schema.json", Course)):
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://practica.dev/schemas/lessons/{name}"
        documents[name] = schema
    return documents


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        (directory / name).write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(directory / name)
    return written
