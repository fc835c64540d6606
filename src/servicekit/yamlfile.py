"""YAML files validated by pydantic models, with errors that name the file, line and field.

Authors and operators keep lessons, courses and rules in YAML; a mistake
should read ``lesson.yaml:12: limits.memory_mb: Input should be a valid
integer``, not a stack trace. A file is parsed once (the tree that places
problems on lines is the one the data came from) and within
:class:`YamlLimits`: size, nesting depth, aliases and the size with aliases
expanded, so a hostile file costs milliseconds, not minutes.
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


@dataclass(frozen=True)
class YamlLimits:
    """What one file may cost to read. Authors' files are untrusted: a YAML "billion laughs" (aliases of
    aliases) is a few hundred bytes that expand to billions of nodes, and deep nesting exhausts the stack."""

    max_bytes: int = 512 * 1024
    max_depth: int = 32
    max_aliases: int = 100
    max_nodes: int = 50_000  # counted with every alias expanded, as validation would walk them


LIMITS = YamlLimits()


@dataclass(frozen=True)
class Document:
    """A parsed file: its data, and its node tree for placing problems on lines (parsed once)."""

    label: str
    node: yaml.Node | None
    data: Any


def load_model(path: Path, model: type[M], *, label: str | None = None, defaults: dict[str, Any] | None = None) -> M:
    """Read ``path`` and validate it as ``model``; raise :class:`YamlFileError`.

    ``defaults`` fill top-level keys the file leaves out (a lesson's task
    may live in its own Markdown file).
    """
    return validate_document(load_document(path, label=label), model, defaults=defaults)


def parse_model(text: str, model: type[M], *, label: str = "<text>", defaults: dict[str, Any] | None = None) -> M:
    return validate_document(parse_document(text, label=label), model, defaults=defaults)


def load_document(path: Path, *, label: str | None = None, limits: YamlLimits = LIMITS) -> Document:
    """Read and parse ``path`` within ``limits`` (a file too large is refused before it is read)."""
    name = label or str(path)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise YamlFileError([Problem(name, None, "", f"is {size} bytes: at most {limits.max_bytes}")])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise YamlFileError([Problem(name, None, "", f"cannot be read: {error}")]) from None
    return parse_document(text, label=name, limits=limits)


def parse_document(text: str, *, label: str = "<text>", limits: YamlLimits = LIMITS) -> Document:
    """Parse ``text`` once (libyaml), within ``limits``; :class:`YamlFileError` with the line of what is wrong."""
    if len(text) > limits.max_bytes:
        raise YamlFileError([Problem(label, None, "", f"is {len(text)} characters: at most {limits.max_bytes}")])
    try:
        _check_shape(text, limits)
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _expanded_size(node, {}, limits)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or error
        raise YamlFileError([Problem(label, line, "", f"is not valid YAML: {problem}")]) from None
    except (ValueError, TypeError, RecursionError) as error:  # e.g. an integer of more digits than Python converts
        raise YamlFileError([Problem(label, None, "", f"is not valid YAML: {error}")]) from None
    return Document(label, node, data)


def validate_document(document: Document, model: type[M], *, defaults: dict[str, Any] | None = None) -> M:
    data = {} if document.data is None else document.data
    if isinstance(data, dict) and defaults:
        data = {**defaults, **data}
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise YamlFileError(problems_of(error, document.node, document.label)) from None


_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: 10-30x faster


class _LimitError(yaml.MarkedYAMLError):
    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


def _check_shape(text: str, limits: YamlLimits) -> None:
    """Depth and aliases from the parser's events, before any tree is built (the events use no recursion)."""
    depth = aliases = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limits.max_depth:
                raise _LimitError(f"nests deeper than {limits.max_depth} levels", event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > limits.max_aliases:
                raise _LimitError(f"uses more than {limits.max_aliases} aliases (*name)", event.start_mark)


def _expanded_size(node: yaml.Node, sizes: dict[int, int], limits: YamlLimits) -> int:
    """How many nodes the tree has with every alias expanded (each shared node counted once per use)."""
    known = sizes.get(id(node))
    if known == -1:
        raise _LimitError("refers to itself through an alias", node.start_mark)
    if known is not None:
        return known
    sizes[id(node)] = -1
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, sizes, limits) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, sizes, limits) + _expanded_size(v, sizes, limits) for k, v in node.value)
    if size > limits.max_nodes:
        raise _LimitError(f"expands to more than {limits.max_nodes} values (aliases of aliases?)", node.start_mark)
    sizes[id(node)] = size
    return size


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
