"""YAML files validated by pydantic models, with errors that name the file, line and field.

Authors and operators keep lessons, courses and rules in YAML; a mistake
should read ``lesson.yaml:12: limits.memory_mb: Input should be a valid
integer``, not a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class YamlFileError(ValueError):
    """One or more problems in a file; ``problems`` lists each with its line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def load_model(path: Path, model: type[M], *, label: str | None = None, defaults: dict[str, Any] | None = None) -> M:
    """Read ``path`` and validate it as ``model``; raise :class:`YamlFileError`.

    ``defaults`` fill top-level keys the file leaves out (a lesson's task
    may live in its own Markdown file).
    """
    name = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise YamlFileError([Problem(name, None, "", f"cannot be read: {error}")]) from None
    return parse_model(text, model, label=name, defaults=defaults)


def parse_model(text: str, model: type[M], *, label: str = "<text>", defaults: dict[str, Any] | None = None) -> M:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise YamlFileError(
            [Problem(label, line, "", f"is not valid YAML: {getattr(error, 'problem', error)}")]
        ) from None
    if data is None:
        data = {}
    if isinstance(data, dict) and defaults:
        data = {**defaults, **data}
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise YamlFileError(problems_of(error, node, label)) from None


def problems_of(error: ValidationError, root: yaml.Node | None, label: str) -> list[Problem]:
    problems = []
    for detail in error.errors():
        location = [part for part in detail["loc"] if not isinstance(part, str) or not part.startswith("function-")]
        field = ".".join(str(part) for part in location)
        problems.append(Problem(label, line_of(root, location), field, detail["msg"].removeprefix("Value error, ")))
    return sorted(problems, key=lambda problem: problem.line or 0)


def line_of(root: yaml.Node | None, location: list[int | str]) -> int | None:
    """The 1-based line of the deepest node along ``location`` that exists."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in location:
        child = _child(node, part)
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def _child(node: yaml.Node | None, part: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == part:
                return value  # type: ignore[no-any-return]
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None
