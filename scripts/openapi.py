"""Write the web app's OpenAPI schema to src/practica/web/openapi.json (the front end's API types come from it).

    make openapi    # this, then `npm run gen:api` in frontend/

A test keeps the committed file in step with the routes; `make lint` (`npm run lint` in frontend/)
keeps frontend/src/api/schema.d.ts in step with the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "src" / "practica" / "web" / "openapi.json"


def current_schema() -> dict[str, Any]:
    from practica.settings import PracticaSettings
    from practica.web.app import create_app

    settings = PracticaSettings(database_url="postgresql+psycopg://schema@localhost/schema")
    schema: dict[str, Any] = create_app(settings, static_dir=ROOT / "no-static").openapi()
    return schema


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> None:
    SCHEMA.write_text(render(current_schema()))
    print(f"wrote {SCHEMA.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
