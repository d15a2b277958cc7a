"""Metric names that the dashboards and alert rules query, read with a real PromQL parser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import promql_parser
import yaml

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "monitoring" / "grafana" / "dashboards"
ALERTS = ROOT / "monitoring" / "prometheus" / "alerts.yml"
# Grafana's own interval variables, replaced by a duration so the query parses as Prometheus would see it
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h"}


def metric_names(expr: str) -> set[str]:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    names: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


def dashboard_queries() -> dict[str, str]:
    out = {}
    for path in sorted(DASHBOARDS.glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                out[f"{path.name} / {panel['title']} / {target['refId']}"] = target["expr"]
    return out


def rule_queries() -> dict[str, str]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return {f"alerts.yml / {rule['alert']}": rule["expr"] for group in groups for rule in group["rules"]}


def exposition_names(text: str) -> set[str]:
    """Every sample name a query may use from a /metrics page: families (from # TYPE) and their samples."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("_sum", "_count", "_created"),
    }
    names = set()
    for line in text.splitlines():
        match = re.match(r"# TYPE (\S+) (\S+)", line)
        if match:
            family, kind = match.groups()
            base = family.removesuffix("_total")
            names.add(family)
            names.update(base + suffix for suffix in suffixes.get(kind, ()))
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names
