"""``chronicles apply FILE.yaml``: tag rules and templates kept as code, applied like a data migration.

Everything in the file is upserted by name in one transaction (with
``--prune``, rules and templates the file no longer lists are deleted in it
too): either the whole file is applied or nothing is. ``--dry-run`` runs the
same code and rolls back, so its report is exactly what a real run would do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import psycopg
from psycopg import AsyncConnection
from rich.console import Console

from chronicles.errors import InputError, RulesBusyError
from chronicles.rules.rulesfile import LoadedRules, RulesFile, load_rules
from chronicles.rules.service import Action, Change, lock_rules, prune_rules, upsert_rule
from chronicles.rules.templates import apply_templates
from servicekit.yamlfile import YamlFileError

STYLES: dict[Action, str] = {"created": "green", "updated": "yellow", "unchanged": "dim", "deleted": "red"}


async def apply_rules(
    conn: AsyncConnection, rules: RulesFile, *, prune: bool = False, backfill: bool = True, dry_run: bool = False
) -> list[Change]:
    """Upsert the file's rules and templates in one transaction; raise InputError (nothing changed)."""
    changes: list[Change] = []
    async with conn.transaction():
        if not dry_run:  # a dry run changes nothing for others to wait on
            await lock_rules(conn)
        for index, definition in enumerate(rules.tag_rules):
            try:
                changes.append(await upsert_rule(conn, definition, backfill_existing=backfill))
            except InputError as error:
                raise error.under("tag_rules", index) from None
        if prune:
            changes += await prune_rules(conn, {definition.name for definition in rules.tag_rules})
        changes += await apply_templates(conn, rules.templates, prune=prune)
        if dry_run:
            raise psycopg.Rollback()
    return changes


async def apply_file(
    database_url: str, path: Path, console: Console, errors: Console, *, prune: bool, backfill: bool, dry_run: bool
) -> int:
    """The command: load, apply, print; 0 when applied, 1 when the file (or the database) refused it."""
    try:
        loaded = load_rules(path)
    except YamlFileError as error:
        return _refused(errors, error)
    async with await AsyncConnection.connect(database_url) as conn:
        try:
            changes = await apply_rules(conn, loaded.rules, prune=prune, backfill=backfill, dry_run=dry_run)
        except InputError as error:
            return _refused(errors, loaded.problems(error))
        except RulesBusyError as error:
            errors.print(f"chronicles: {error}; nothing was changed", style="red", markup=False, highlight=False)
            return 1
    render(console, loaded, changes, dry_run=dry_run)
    return 0


def render(console: Console, loaded: LoadedRules, changes: Sequence[Change], *, dry_run: bool) -> None:
    console.print(f"[bold]{loaded.label}[/]" + (" [yellow](dry run: nothing was changed)[/]" if dry_run else ""))
    for change in changes:
        style = STYLES[change.action]
        line = f"  [{style}]{change.action:<9}[/] {change.what:<8} {change.name}"
        if change.fields:
            line += f"  ({', '.join(change.fields)})"
        if change.backfill_id is not None:
            line += "  backfill would be queued" if dry_run else f"  backfill #{change.backfill_id}"
        console.print(line, highlight=False, soft_wrap=True)
    counts = Counter(change.action for change in changes)
    summary = ", ".join(f"{counts[action]} {action}" for action in STYLES)
    console.print(summary + (" (dry run)" if dry_run else ""), highlight=False)
    if not dry_run and any(change.backfill_id is not None for change in changes):
        hint = "backfills run in `chronicles worker`; follow them with `chronicles backfills --watch`"
        console.print(hint, highlight=False, soft_wrap=True, markup=False)


def _refused(console: Console, error: YamlFileError) -> int:
    for problem in error.problems:
        console.print(str(problem), style="red", markup=False, highlight=False, soft_wrap=True)
    console.print("[red]chronicles: the file was refused; nothing was changed[/]", highlight=False)
    return 1
