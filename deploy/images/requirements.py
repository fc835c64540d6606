"""Print the runtime requirements of the project pinned to the versions its venv runs (``make images``).

Walks ``practica``'s declared dependencies and theirs through the installed
metadata, so the images get exactly what the tests ran, and no dev tools.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(roots: list[Requirement]) -> dict[str, str]:
    pinned: dict[str, str] = {}
    todo = list(roots)
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = _normal(requirement.name)
        if name in pinned:
            continue
        dist = metadata.distribution(requirement.name)
        pinned[name] = dist.version
        for extra in requirement.extras or {""}:
            for text in dist.requires or []:
                child = Requirement(text)
                if child.marker is None or child.marker.evaluate({"extra": extra}):
                    todo.append(Requirement(str(child).split(";")[0]))
    return pinned


def main() -> None:
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    for name, version in sorted(_closure([Requirement(text) for text in declared]).items()):
        print(f"{name}=={version}")


if __name__ == "__main__":
    main()
