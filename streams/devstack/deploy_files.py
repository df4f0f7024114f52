"""The observability files in ``deploy/`` and the PromQL they hold.

:func:`deploy_expressions` is *the* list of PromQL expressions used anywhere in ``deploy/``
(every dashboard target, every recording and alerting rule): the end-to-end test
(``tests/integration/test_prometheus.py``) evaluates exactly these, and the structural tests of
``deploy/`` check every panel against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from streams.devstack.grafana import panels

__all__ = [
    "DASHBOARDS_DIR",
    "DATASOURCE_UID",
    "DEPLOY_DIR",
    "PROMETHEUS_CONFIG",
    "WORKER_JOB",
    "Expression",
    "dashboard_expressions",
    "deploy_expressions",
    "rule_expressions",
    "rule_files",
]

#: ``deploy/`` of a source checkout.
DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy"
PROMETHEUS_CONFIG = DEPLOY_DIR / "prometheus" / "prometheus.yml"
DASHBOARDS_DIR = DEPLOY_DIR / "grafana" / "dashboards"
#: uid of the Prometheus datasource provisioned for Grafana; every panel uses it.
DATASOURCE_UID = "buzzwire-prometheus"
#: the scrape job of the workers (alert rules select on it).
WORKER_JOB = "buzzwire"


@dataclass(frozen=True)
class Expression:
    """One PromQL expression of ``deploy/`` and where it is used."""

    expr: str
    source: str  #: file name
    where: str  #: panel title (with refId) or rule name
    kind: str  #: "panel", "record" or "alert"

    @property
    def label(self) -> str:
        return f"{self.source}: {self.where}"


def dashboard_expressions(path: Path) -> list[Expression]:
    dashboard = json.loads(path.read_text())
    out = []
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            if target.get("expr"):
                where = f"{panel.get('title', '?')} [{target.get('refId', '?')}]"
                out.append(Expression(target["expr"], path.name, where, "panel"))
    return out


def rule_files(config_path: Path = PROMETHEUS_CONFIG) -> list[Path]:
    """The rule files a Prometheus config loads (relative names resolve from its folder)."""
    config = yaml.safe_load(config_path.read_text()) or {}
    return [(config_path.parent / name).resolve() for name in config.get("rule_files") or []]


def rule_expressions(path: Path) -> list[Expression]:
    doc = yaml.safe_load(path.read_text()) or {}
    out = []
    for group in doc.get("groups", []):
        for rule in group.get("rules", []):
            kind = "alert" if "alert" in rule else "record"
            name = rule.get("alert") or rule.get("record")
            out.append(Expression(str(rule["expr"]).strip(), path.name, str(name), kind))
    return out


def deploy_expressions(deploy_dir: Path = DEPLOY_DIR) -> list[Expression]:
    """Every PromQL expression of ``deploy/``: all dashboard targets, then all rules of the rule
    files that ``prometheus/prometheus.yml`` loads."""
    out: list[Expression] = []
    for path in sorted((deploy_dir / "grafana" / "dashboards").glob("*.json")):
        out.extend(dashboard_expressions(path))
    for path in rule_files(deploy_dir / "prometheus" / "prometheus.yml"):
        out.extend(rule_expressions(path))
    return out
