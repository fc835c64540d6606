"""The rules file ``chronicles apply`` reads: tag rules and templates as code.

Problems are reported with the file, the line and the field
(``rules.yaml:14: tag_rules.1.match.actions.0: String should match pattern …``),
including those found later against the database (a template whose kind
another one already renders), so the operator can go straight to the line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from chronicles.errors import InputError
from chronicles.rules.book import RuleDefinition
from chronicles.rules.templates import TemplateDefinition
from servicekit.yamlfile import Problem, YamlFileError, line_of, parse_model


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tag_rules: list[RuleDefinition] = Field(default_factory=list)
    templates: list[TemplateDefinition] = Field(default_factory=list)


@dataclass(frozen=True)
class LoadedRules:
    label: str
    rules: RulesFile
    root: yaml.Node | None

    def problems(self, error: InputError) -> YamlFileError:
        """An error found while applying, placed on the file's lines."""
        return YamlFileError([self.problem(list(item.path), item.message) for item in error.errors])

    def problem(self, path: list[int | str], message: str) -> Problem:
        return Problem(self.label, line_of(self.root, path), ".".join(str(part) for part in path), message)


def load_rules(path: Path) -> LoadedRules:
    """Read and validate ``path``; raise :class:`YamlFileError` naming line and field."""
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise YamlFileError([Problem(label, None, "", f"cannot be read: {error}")]) from None
    rules = parse_model(text, RulesFile, label=label)
    loaded = LoadedRules(label, rules, yaml.compose(text, Loader=yaml.SafeLoader))
    problems = _duplicates(loaded, "tag_rules", rules.tag_rules, lambda rule: rule.name, "name")
    problems += _duplicates(loaded, "templates", rules.templates, lambda template: template.name, "name")
    problems += _duplicates(loaded, "templates", rules.templates, lambda template: template.kind, "action")
    if problems:
        raise YamlFileError(problems)
    return loaded


def _duplicates(
    loaded: LoadedRules, section: str, items: Iterable[Any], key: Callable[[Any], object], field: str
) -> list[Problem]:
    seen: dict[object, int] = {}
    problems = []
    for index, item in enumerate(items):
        value = key(item)
        if value in seen:
            what = "name" if field == "name" else "(app, subject_type, action)"
            message = f"the same {what} as {section}.{seen[value]}; each must be unique in the file"
            problems.append(loaded.problem([section, index, field], message))
        seen.setdefault(value, index)
    return problems
