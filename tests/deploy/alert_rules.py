"""The alert rules ``deploy/prometheus/alerts.yml`` defines, for the tests that load them into a Prometheus."""

from __future__ import annotations

from pathlib import Path

import yaml

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def alert_rules() -> list[str]:
    """The alert names of ``alerts.yml`` (what promtool and a running Prometheus must both find)."""
    groups = yaml.safe_load((RULES / "alerts.yml").read_text())["groups"]
    return [str(rule["alert"]) for group in groups for rule in group["rules"]]
