"""Structural tests of deploy/, docker-compose.yml and the Dockerfile: they must stay true to what
the code does (metrics, settings, ports, paths), since there is no Docker engine to try them on.
The PromQL itself is evaluated against a live worker by tests/integration/test_prometheus.py,
on exactly the expressions of ``deploy_files.deploy_expressions()``."""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from faust.sensors.prometheus import FaustMetrics
from prometheus_client import CollectorRegistry

from streams.config import Settings
from streams.devstack import deploy_files, grafana, prometheus_server, promql
from streams.devstack.localkafka import KAFKA_VERSION
from streams.pipeline.metrics import Metrics

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DASHBOARDS = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
#: dashboards on the store's PostgreSQL datasource: their SQL is checked and run against a real
#: server by tests/deploy/test_trends_dashboard.py; every other one is on Prometheus
SQL_DASHBOARDS = [DEPLOY / "grafana" / "dashboards" / "trends.json"]
PROMETHEUS_DASHBOARDS = [p for p in DASHBOARDS if p not in SQL_DASHBOARDS]
K8S = DEPLOY / "k8s"
POSTGRES_DATASOURCE = DEPLOY / "grafana" / "provisioning" / "datasources" / "postgres.yml"
#: the scrape job of the sinks (the rules' job="buzzwire" means workers only)
SINK_JOB = "buzzwire-sink"
#: compose services that run the buzzwire image (its entrypoint is `buzzwire`)
BUZZWIRE_SERVICES = ("worker", "replay", "migrate", "sink", "web")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        msg = "promtool not found: `apt-get install prometheus` (scripts/bootstrap.sh does it)"
        if _in_ci():
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _yaml_all(path: Path) -> list[Any]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


# --------------------------------------------------------------------------- what exists


def _interpolate(value: Any, env: dict[str, str] | None = None) -> str:
    """``value`` as Docker Compose interpolates it: ``${VAR:-default}``, ``${VAR-default}``,
    ``${VAR}`` and ``$VAR`` from ``env`` (else the default, else empty); ``$$`` is a dollar."""
    env = env or {}

    def one(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, default = m.group(1) or m.group(3), m.group(2) or ""
        return env.get(name) or default

    return re.sub(r"\$\$|\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)", one, str(value))


def _buzzwire_command(args: list[str]) -> argparse.Namespace:
    """``buzzwire ARGS`` as the real parser reads them (it exits on a bad command)."""
    from streams.cli import build_parser

    return build_parser().parse_args(args)


def setting_env_names() -> set[str]:
    """Every environment variable that Settings reads (Faust's two included)."""
    names = set()
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        if alias is None:
            names.add(f"BUZZWIRE_{name}".upper())
        else:
            choices = getattr(alias, "choices", [alias])
            names.update(str(c) for c in choices if str(c).isupper())
    return names


def exported_metrics() -> dict[str, set[str]]:
    """Sample name -> label names, of everything a worker's /metrics can serve (buzzwire's
    metrics and Faust's sensors), plus Prometheus's own ``up`` and the recording rules."""
    registry = CollectorRegistry()
    Metrics.create(registry)
    FaustMetrics.create(registry, "faust")
    suffixes = {
        "counter": ["_total", "_created"],
        "gauge": [""],
        "histogram": ["_bucket", "_sum", "_count", "_created"],
        "info": ["_info"],
        "summary": ["", "_sum", "_count", "_created"],
    }
    out: dict[str, set[str]] = {}
    for collector in list(registry._collector_to_names):  # every registered metric
        labels = set(getattr(collector, "_labelnames", ()))
        for family in collector.describe():
            for suffix in suffixes[family.type]:
                extra = {"le"} if suffix == "_bucket" else set()
                out[family.name + suffix] = labels | extra
    out["up"] = set()
    for path in deploy_files.rule_files():
        for group in _yaml(path)["groups"]:
            for rule in group["rules"]:
                if "record" in rule:
                    grouped = re.match(r"\s*\w+\s+by\s*\(([^)]*)\)", rule["expr"])
                    assert grouped, f"recording rule {rule['record']}: aggregate `by (...)`"
                    out[rule["record"]] = {x.strip() for x in grouped.group(1).split(",")}
    target_labels = {"job", "instance"}
    return {name: labels | target_labels for name, labels in out.items()}


# --------------------------------------------------------------------------- PromQL and Grafana


def test_selectors_finds_every_vector_selector_and_nothing_else() -> None:
    expr = (
        'sum by (brand, kind) (increase(buzzwire_alerts_total{brand=~"(a|b)",x="}"}[24h]))'
        " / on (brand) group_left scalar(sum(rate(up[5m]))) > bool 0.5"
        ' and topk(10, max without (le) (foo:bar:rate5m)) unless {__name__="baz"} offset 5m'
        " or histogram_quantile(0.99, sum by (le) (rate(h_bucket[$x]))) > 1e3"
    )
    assert promql.selectors(expr) == [
        'buzzwire_alerts_total{brand=~"(a|b)",x="}"}',
        "up",
        "foo:bar:rate5m",
        '{__name__="baz"}',
        "h_bucket",
    ]
    assert promql.selectors("absent(up{job='buzzwire'} == 1)") == ["up{job='buzzwire'}"]
    assert promql.selectors("vector(1) + 2 * 3") == []


def test_substitute_writes_values_the_way_grafana_does() -> None:
    values = {"brand": ["acme", "a.b"], "window": "24h", "__rate_interval": "1m"}
    assert (
        grafana.substitute('x{brand=~"$brand",window="${window}"}[$__rate_interval]', values)
        == 'x{brand=~"(acme|a\\.b)",window="24h"}[1m]'
    )
    assert grafana.substitute("[[window]] ${brand:regex}", values) == "24h (acme|a\\.b)"
    assert grafana.substitute('x{b=~"$brand"}', {"brand": ["acme"]}) == 'x{b=~"acme"}'
    with pytest.raises(KeyError, match=r"\$window"):
        grafana.substitute('x{w="$window"}', {})


def test_expand_evaluates_every_option_of_the_custom_variables_used() -> None:
    got = grafana.expand(
        'm{b=~"$brand",w="$window"}[$__rate_interval]',
        {"brand": ["x", "y"], "__rate_interval": "10s"},
        {"window": ["1h", "24h"], "unused": ["a", "b"]},
    )
    assert got == ['m{b=~"(x|y)",w="1h"}[10s]', 'm{b=~"(x|y)",w="24h"}[10s]']
    assert grafana.expand("up", {}, {"window": ["1h", "24h"]}) == ["up"]


def test_legend_format() -> None:
    labels = {"__name__": "m", "brand": "acme", "kind": "volume_spike"}
    assert grafana.legend("{{brand}} {{ kind }} {{nope}}", labels) == "acme volume_spike "
    assert grafana.legend(None, labels) == 'm{brand="acme",kind="volume_spike"}'


def test_local_config_keeps_the_worker_job_and_its_rules() -> None:
    config = prometheus_server.local_config(["127.0.0.1:1234"], scrape_interval="1s")
    (job,) = config["scrape_configs"]
    assert job["job_name"] == deploy_files.WORKER_JOB == "buzzwire"
    assert job["static_configs"] == [{"targets": ["127.0.0.1:1234"]}]
    assert not [k for k in job if k.endswith("_sd_configs")]
    assert config["global"] == {"scrape_interval": "1s", "evaluation_interval": "1s"}
    assert [Path(p) for p in config["rule_files"]] == [DEPLOY / "prometheus" / "rules.yml"]


# --------------------------------------------------------------------------- dashboards


def test_the_four_dashboards_exist_with_unique_uids() -> None:
    titles = {json.loads(p.read_text())["title"]: p.name for p in DASHBOARDS}
    assert titles == {
        "Brand overview": "brand-overview.json",
        "Crisis monitor": "crisis-monitor.json",
        "Pipeline health": "pipeline-health.json",
        "Trends": "trends.json",
    }
    uids = [json.loads(p.read_text())["uid"] for p in DASHBOARDS]
    assert len(set(uids)) == len(uids)


@pytest.mark.parametrize("path", PROMETHEUS_DASHBOARDS, ids=lambda p: p.name)
def test_every_panel_queries_the_provisioned_prometheus(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    evaluated = {(e.source, e.expr) for e in deploy_files.deploy_expressions()}
    ids = []
    for panel in grafana.panels(dashboard):
        title = panel.get("title")
        ids.append(panel["id"])
        assert panel["datasource"] == {"type": "prometheus", "uid": deploy_files.DATASOURCE_UID}
        targets = panel.get("targets") or []
        assert targets, f"{title}: no query"
        for target in targets:
            assert target.get("expr"), f"{title}: target {target.get('refId')} without expr"
            assert target.get("datasource", panel["datasource"]) == panel["datasource"]
            assert (path.name, target["expr"]) in evaluated, f"{title}: not evaluated by e2e"
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24, title
    assert len(set(ids)) == len(ids)
    for var in dashboard.get("templating", {}).get("list", []):
        if var["type"] == "query":
            assert var["datasource"]["uid"] == deploy_files.DATASOURCE_UID


@pytest.mark.parametrize("path", PROMETHEUS_DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_variables_are_defined_and_substitutable(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    defined = set(grafana.custom_options(dashboard)) | set(grafana.query_variables(dashboard))
    builtin = {"__rate_interval", "__interval", "__range"}
    values: dict[str, str | list[str]] = {name: ["x", "y"] for name in defined} | {
        name: "5m" for name in builtin
    }
    for panel in grafana.panels(dashboard):
        texts = [panel.get("title", "")] + [t["expr"] for t in panel["targets"]]
        for text in texts:
            assert grafana.variables_in(text) <= defined | builtin, text
            assert "$" not in grafana.substitute(text, values)


def test_every_expression_selects_exported_metrics_with_their_labels() -> None:
    """Static twin of the e2e test: each selector names a metric the worker exports (or a
    recording rule, or ``up``), and each label it matches on is one of that metric's."""
    exported = exported_metrics()
    problems = []
    for e in deploy_files.deploy_expressions():
        text = grafana.substitute(
            e.expr,
            {v: "x" for v in grafana.variables_in(e.expr)},
        )
        for sel in promql.selectors(text):
            name = sel.split("{", 1)[0]
            if name not in exported:
                problems.append(f"{e.label}: {name} is not exported")
                continue
            matchers = sel[len(name) :].strip("{}")
            for label in re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers):
                if label not in exported[name]:
                    problems.append(f"{e.label}: {name} has no label {label}")
    assert not problems, "\n".join(problems)


def test_grafana_provisioning_matches_the_dashboards_and_prometheus() -> None:
    (source,) = _yaml(DEPLOY / "grafana/provisioning/datasources/prometheus.yml")["datasources"]
    assert source["uid"] == deploy_files.DATASOURCE_UID and source["type"] == "prometheus"
    config = _yaml(deploy_files.PROMETHEUS_CONFIG)
    assert source["jsonData"]["timeInterval"] == config["global"]["scrape_interval"]
    (provider,) = _yaml(DEPLOY / "grafana/provisioning/dashboards/buzzwire.yml")["providers"]
    compose = _yaml(ROOT / "docker-compose.yml")
    mounts = dict(_bind_mounts(compose["services"]["grafana"]))
    assert mounts[provider["options"]["path"]] == DEPLOY / "grafana" / "dashboards"
    assert mounts["/etc/grafana/provisioning"] == DEPLOY / "grafana" / "provisioning"
    host, port = re.fullmatch(r"http://([\w-]+):(\d+)", source["url"]).groups()  # type: ignore[union-attr]
    assert host in compose["services"] and f"{port}:{port}" in compose["services"][host]["ports"]


#: a value Grafana takes from its environment when it provisions: $__env{X}, ${X} or $X
_GRAFANA_ENV = re.compile(r"\$__env\{(\w+)\}|\$\{(\w+)\}|\$(\w+)")


def _grafana_env_refs(value: Any) -> list[str]:
    return [next(g for g in m.groups() if g) for m in _GRAFANA_ENV.finditer(str(value))]


def test_grafana_postgres_datasource_takes_everything_from_the_environment() -> None:
    """deploy/grafana/provisioning/datasources/postgres.yml: the store for Grafana, uid
    buzzwire-postgres, Grafana's PostgreSQL type as its provisioning docs write it; host, port,
    user, database and password are environment variables, never literals."""
    (source,) = _yaml(POSTGRES_DATASOURCE)["datasources"]
    assert source["uid"] == "buzzwire-postgres" != deploy_files.DATASOURCE_UID
    assert source["type"] in ("postgres", "grafana-postgresql-datasource")
    assert source["access"] == "proxy" and not source.get("isDefault")
    # the password is a secure field, and only ever an environment variable
    assert "password" not in source and "password" not in source.get("jsonData", {})
    password = source["secureJsonData"]["password"]
    assert _GRAFANA_ENV.fullmatch(password), "the datasource password must come from the env"
    assert "database" not in source  # deprecated there: jsonData.database
    for value in (source["user"], source["jsonData"]["database"], source["jsonData"]["sslmode"]):
        assert _GRAFANA_ENV.fullmatch(value), value
    host, port = source["url"].split(":")
    assert _GRAFANA_ENV.fullmatch(host) and _GRAFANA_ENV.fullmatch(port), source["url"]
    used = {
        ref
        for value in (
            source["url"],
            source["user"],
            password,
            *source["jsonData"].values(),
        )
        for ref in _grafana_env_refs(value)
    }
    assert not {name for name in used if name.startswith("GF_")}

    # compose gives Grafana exactly those variables, pointing at its postgres service
    services = _yaml(ROOT / "docker-compose.yml")["services"]
    env = services["grafana"]["environment"]
    assert used <= set(env), f"grafana lacks {used - set(env)}"
    postgres = services["postgres"]["environment"]
    (host_var,), (port_var,) = _grafana_env_refs(host), _grafana_env_refs(port)
    assert env[host_var] in services and "postgres" in services[env[host_var]]["image"]
    assert int(env[port_var]) == 5432
    assert env[_grafana_env_refs(source["user"])[0]] == postgres["POSTGRES_USER"]
    assert env[_grafana_env_refs(source["jsonData"]["database"])[0]] == postgres["POSTGRES_DB"]
    assert env[_grafana_env_refs(password)[0]] == postgres["POSTGRES_PASSWORD"]
    assert env[_grafana_env_refs(source["jsonData"]["sslmode"])[0]] in (
        "disable", "require", "verify-ca", "verify-full"
    )  # fmt: skip
    # the datasources folder is mounted with the rest of provisioning
    mounts = dict(_bind_mounts(services["grafana"]))
    assert (
        mounts["/etc/grafana/provisioning"] / "datasources" / POSTGRES_DATASOURCE.name
    ).is_file()


# --------------------------------------------------------------------------- Prometheus


def test_prometheus_config_scrapes_the_worker_port_and_loads_the_rules() -> None:
    config = _yaml(deploy_files.PROMETHEUS_CONFIG)
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == deploy_files.WORKER_JOB]
    assert job["metrics_path"] == "/metrics"
    (sd,) = job["dns_sd_configs"]
    assert sd["port"] == Settings.model_fields["web_port"].default == 6066
    assert sd["names"] == ["worker"]
    assert [p.name for p in deploy_files.rule_files()] == ["rules.yml"]
    assert all(p.is_file() for p in deploy_files.rule_files())


def test_prometheus_config_scrapes_the_sinks_as_their_own_job() -> None:
    config = _yaml(deploy_files.PROMETHEUS_CONFIG)
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert config["scrape_configs"][0]["job_name"] == deploy_files.WORKER_JOB
    job = jobs[SINK_JOB]
    assert job["metrics_path"] == "/metrics"
    (sd,) = job["dns_sd_configs"]
    assert sd["port"] == Settings.model_fields["sink_web_port"].default == 6067
    assert sd["names"] == ["sink"]
    assert "sink" in _yaml(ROOT / "docker-compose.yml")["services"]


def test_promtool_checks_the_config_and_the_rules(promtool: str) -> None:
    for args in (
        ["check", "config", str(deploy_files.PROMETHEUS_CONFIG)],
        ["check", "rules", *map(str, deploy_files.rule_files())],
        ["test", "rules", str(DEPLOY / "prometheus" / "rules.test.yml")],
    ):
        proc = subprocess.run([promtool, *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, f"promtool {' '.join(args)}:\n{proc.stdout}{proc.stderr}"
        assert "SUCCESS" in proc.stdout + proc.stderr


def test_rule_unit_tests_cover_every_alert() -> None:
    tests = _yaml(DEPLOY / "prometheus" / "rules.test.yml")
    tested = {t["alertname"] for case in tests["tests"] for t in case.get("alert_rule_test", [])}
    alerts = {e.where for e in deploy_files.deploy_expressions() if e.kind == "alert"}
    assert alerts and tested == alerts


def test_kubernetes_prometheus_config(promtool: str, tmp_path: Path) -> None:
    """deploy/prometheus/kubernetes.yml: same job and rules; valid once its Kubernetes service
    discovery (which Debian's build of Prometheus leaves out) is swapped for static targets."""
    config = _yaml(DEPLOY / "prometheus" / "kubernetes.yml")
    assert config["rule_files"] == _yaml(deploy_files.PROMETHEUS_CONFIG)["rule_files"]
    jobs = config["scrape_configs"]
    assert (
        [j["job_name"] for j in jobs]
        == [j["job_name"] for j in _yaml(deploy_files.PROMETHEUS_CONFIG)["scrape_configs"]][:2]
        == [deploy_files.WORKER_JOB, SINK_JOB]
    )
    variants = []
    for job in jobs:
        assert job["kubernetes_sd_configs"][0]["namespaces"]["names"] == [_namespace()]
        variant = dict(job)
        del variant["kubernetes_sd_configs"]
        variant["static_configs"] = [{"targets": ["10.0.0.1:6066"]}]
        variants.append(variant)
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump({**config, "scrape_configs": variants}))
    shutil.copy(DEPLOY / "prometheus" / "rules.yml", tmp_path / "rules.yml")
    proc = subprocess.run(
        [promtool, "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --------------------------------------------------------------------------- compose


def _bind_mounts(service: dict[str, Any]) -> list[tuple[str, Path]]:
    out = []
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("."):
            out.append((target, (ROOT / source).resolve()))
    return out


def test_compose_services_images_and_mounted_paths() -> None:
    compose = _yaml(ROOT / "docker-compose.yml")
    services = compose["services"]
    assert set(services) == {
        *("kafka", "worker", "replay", "prometheus", "grafana"),
        *("postgres", "migrate", "sink", "web"),
    }
    assert services["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"
    assert services["postgres"]["image"] == "postgres:16"
    assert services["worker"]["build"] == "."
    for name in BUZZWIRE_SERVICES:
        assert services[name]["image"] == services["worker"]["image"], name
        if name != "worker":
            assert "build" not in services[name], f"{name}: one build, the worker's"
    for name, service in services.items():
        for target, source in _bind_mounts(service):
            assert source.exists(), f"{name}: {source} (mounted at {target}) does not exist"
            assert source.is_relative_to(DEPLOY), f"{name}: mounts {source}, not from deploy/"
        for volume in service.get("volumes", []):
            if not volume.startswith("."):
                assert volume.split(":")[0] in compose["volumes"]
    prom = services["prometheus"]
    mounts = dict(_bind_mounts(prom))
    assert mounts["/etc/prometheus"] == DEPLOY / "prometheus"
    assert "--config.file=/etc/prometheus/prometheus.yml" in prom["command"]
    home = services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    grafana_mounts = dict(_bind_mounts(services["grafana"]))
    assert (grafana_mounts[str(Path(home).parent)] / Path(home).name).is_file()


def _settings(env: dict[str, Any]) -> Settings:
    """The Settings that a container with environment ``env`` (as written in a compose file or
    a manifest: interpolated with its defaults) builds; raises if a value is invalid."""
    values: dict[str, Any] = {}
    for name, value in env.items():
        values[name.lower().removeprefix("buzzwire_")] = _interpolate(value)
    return Settings(**values)


def test_every_buzzwire_variable_in_compose_is_a_setting() -> None:
    """Whatever the service, a BUZZWIRE_* variable is one the code reads, not a typo."""
    known = setting_env_names()
    for name, service in _yaml(ROOT / "docker-compose.yml")["services"].items():
        env = service.get("environment") or {}
        assert isinstance(env, dict), f"{name}: environment as a mapping"
        unknown = {k for k in env if k.startswith("BUZZWIRE_") and k not in known}
        assert not unknown, f"{name}: {unknown} are not settings"


def test_compose_store_services() -> None:
    """postgres (official image, named volume, pg_isready, password from the environment),
    migrate once it is healthy, the sink once migrate has succeeded, both on a URL that names the
    postgres service with its user, password and database; the worker needs none of it."""
    compose = _yaml(ROOT / "docker-compose.yml")
    services = compose["services"]
    postgres = services["postgres"]
    env = postgres["environment"]
    assert {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"} <= set(env)
    # the password is the user's (environment or .env), never a literal in this file
    password = env["POSTGRES_PASSWORD"]
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD(:?-[\w-]*)?\}", password), password
    assert _interpolate(password, {"POSTGRES_PASSWORD": "s3cret"}) == "s3cret"
    (volume,) = postgres["volumes"]
    name, target = volume.split(":")[:2]
    assert name in compose["volumes"] and target == "/var/lib/postgresql/data"
    assert "ports" not in postgres, "the database stays inside the compose network"
    check = " ".join(postgres["healthcheck"]["test"])
    assert "pg_isready" in check and env["POSTGRES_USER"] in check and env["POSTGRES_DB"] in check

    migrate, sink = services["migrate"], services["sink"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert migrate["restart"] == "no"
    assert sink["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert sink["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    urls = {migrate["environment"]["BUZZWIRE_DATABASE_URL"]}
    urls.add(sink["environment"]["BUZZWIRE_DATABASE_URL"])
    (url,) = urls
    secret = "s3cret-123"
    got = urlsplit(_interpolate(url, {"POSTGRES_PASSWORD": secret}))
    assert got.scheme in ("postgresql", "postgres")
    assert got.hostname == "postgres" and got.hostname in services
    assert got.port == 5432
    assert got.username == env["POSTGRES_USER"] and got.path == "/" + env["POSTGRES_DB"]
    assert got.password == secret, "the URL takes the same POSTGRES_PASSWORD as the server"
    assert _settings(sink["environment"]).database_url is not None

    # the sink's /metrics and /ready port is the setting's, published and health-checked
    port = _settings(sink["environment"]).sink_web_port
    assert port == Settings.model_fields["sink_web_port"].default
    assert [str(p) for p in sink["ports"]] == [str(port)]
    assert f"http://127.0.0.1:{port}/ready" in " ".join(sink["healthcheck"]["test"])

    # the worker keeps working without a database
    worker = services["worker"]
    assert "BUZZWIRE_DATABASE_URL" not in worker["environment"]
    assert {"postgres", "migrate"}.isdisjoint(worker.get("depends_on") or {})


def test_compose_migrate_and_sink_run_buzzwire_commands() -> None:
    from streams.cli import _cmd_db, _cmd_sink

    services = _yaml(ROOT / "docker-compose.yml")["services"]
    for name in ("migrate", "sink"):
        assert "entrypoint" not in services[name]  # the Dockerfile's: buzzwire
    migrate = _buzzwire_command(services["migrate"]["command"])
    assert migrate.func is _cmd_db and migrate.db_action == "upgrade"
    assert _buzzwire_command(services["sink"]["command"]).func is _cmd_sink


def _web_paths() -> set[str]:
    """The paths of the routes ``buzzwire web``'s app defines itself (``/ready``, ``/healthz``),
    its app built as ``run_web`` builds it (the engine connects to nothing until a request)."""
    from streams.web.app import create_app

    app = create_app(Settings(database_url="postgresql://u:p@127.0.0.1:1/db"), webhooks=False)
    return {getattr(route, "path", "") for route in app.routes}


def test_compose_web_serves_the_inbox_on_the_ui_port() -> None:
    """web runs `buzzwire web` once migrate has succeeded, on the URL of the sink, bound to
    every address of its container on BUZZWIRE_UI_PORT's default, published as such and
    health-checked on /ready; the comment's first-user command is one the CLI takes."""
    from streams.cli import _cmd_users, _cmd_web

    text = (ROOT / "docker-compose.yml").read_text()
    services = _yaml(ROOT / "docker-compose.yml")["services"]
    web = services["web"]
    assert "entrypoint" not in web and "build" not in web
    assert _buzzwire_command(web["command"]).func is _cmd_web
    assert web["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    env = web["environment"]
    assert env["BUZZWIRE_DATABASE_URL"] == services["sink"]["environment"]["BUZZWIRE_DATABASE_URL"]
    settings = _settings(env)
    assert settings.database_url is not None
    assert settings.ui_bind == "0.0.0.0", "127.0.0.1 is out of reach from outside the container"
    port = settings.ui_port
    assert port == Settings.model_fields["ui_port"].default == 8080
    assert [str(p) for p in web["ports"]] == [f"{port}:{port}"]
    check = " ".join(web["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/ready" in check
    assert {"/ready", "/healthz"} <= _web_paths()
    # how to make the first user: an admin, with the image's entrypoint
    (first_user,) = re.findall(r"#\s+docker compose run --rm web (users add .+)", text)
    args = _buzzwire_command(first_user.split())
    assert args.func is _cmd_users and args.users_action == "add"
    assert args.role == "admin" and args.all_brands


def test_compose_worker_env_ports_and_broker_agree_with_the_code() -> None:
    services = _yaml(ROOT / "docker-compose.yml")["services"]
    known = setting_env_names()
    assert {"BROKER_URL", "WEB_PORT"} <= known
    for name in BUZZWIRE_SERVICES:
        env = services[name]["environment"]
        unknown = set(env) - known
        assert not unknown, f"{name}: env vars Settings does not read: {unknown}"
        _settings(env)
    worker = services["worker"]
    port = int(worker["environment"]["WEB_PORT"])
    assert [str(p) for p in worker["ports"]] == [str(port)]
    assert f"http://127.0.0.1:{port}/ready" in " ".join(worker["healthcheck"]["test"])
    (sd,) = _yaml(deploy_files.PROMETHEUS_CONFIG)["scrape_configs"][0]["dns_sd_configs"]
    assert (sd["names"], sd["port"]) == (["worker"], port)
    # BROKER_URL points at the broker's in-network advertised listener
    kafka = services["kafka"]["environment"]
    advertised = dict(
        reversed(part.split("://")) for part in kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")
    )
    for name in ("worker", "replay", "sink"):
        broker = services[name]["environment"]["BROKER_URL"].removeprefix("kafka://")
        assert advertised.get(broker) == kafka["KAFKA_INTER_BROKER_LISTENER_NAME"], broker
    assert services["replay"]["depends_on"]["worker"]["condition"] == "service_healthy"
    assert worker["depends_on"]["kafka"]["condition"] == "service_healthy"
    cluster_id = kafka["CLUSTER_ID"]
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16, "a Kafka cluster id"
    # the worker creates its topics with BUZZWIRE_TOPIC_PARTITIONS; the broker default agrees
    assert int(kafka["KAFKA_NUM_PARTITIONS"]) == int(
        worker["environment"]["BUZZWIRE_TOPIC_PARTITIONS"]
    )


def test_compose_replay_is_a_buzzwire_command_the_cli_accepts() -> None:
    """The replay service runs the image's ``buzzwire`` entrypoint with arguments the real
    parser takes: the history with its crisis, then the bundled sample live."""
    from streams.cli import _cmd_replay, build_parser

    replay = _yaml(ROOT / "docker-compose.yml")["services"]["replay"]
    assert "entrypoint" not in replay  # the Dockerfile's: buzzwire
    assert ("ENTRYPOINT", '["buzzwire"]') in _dockerfile()
    args = build_parser().parse_args(replay["command"])
    assert args.func is _cmd_replay
    assert args.history and args.live and args.file is None
    assert args.rate == 5.0


# --------------------------------------------------------------------------- Dockerfile


def _dockerfile() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            out.append((instruction.upper(), rest.strip()))
    return out


def test_dockerfile_copies_what_exists_and_runs_the_buzzwire_command() -> None:
    instructions = _dockerfile()
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for instruction, rest in instructions:
        if instruction == "COPY" and not rest.startswith("--from"):
            *sources, _ = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert source not in ignored, f"{source} is in .dockerignore"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    entry = json.loads(dict(instructions)["ENTRYPOINT"])
    assert entry == ["buzzwire"] and "buzzwire" in pyproject["project"]["scripts"]
    assert json.loads(dict(instructions)["CMD"]) == ["worker"]
    exposed = {int(port) for port in dict(instructions)["EXPOSE"].split()}
    assert exposed == {
        Settings.model_fields["web_port"].default,
        Settings.model_fields["sink_web_port"].default,
        Settings.model_fields["ui_port"].default,
    }
    env = dict(re.findall(r"(\w+)=(\S+)", dict(instructions)["ENV"].split("PATH=", 1)[1]))
    assert set(env) - {"PYTHONUNBUFFERED", "HF_HUB_OFFLINE"} <= setting_env_names()
    assert env["HF_HUB_OFFLINE"] == "1"
    # the base image's Python satisfies requires-python
    bases = [rest.split()[0] for instruction, rest in instructions if instruction == "FROM"]
    minimum = pyproject["project"]["requires-python"].removeprefix(">=")
    for base in bases:
        version = re.match(r"python:(\d+\.\d+)", base).group(1)  # type: ignore[union-attr]
        assert tuple(map(int, version.split("."))) >= tuple(map(int, minimum.split(".")))
    # the build proves the default models are inside: it scores posts offline
    runs = [rest for instruction, rest in instructions if instruction == "RUN"]
    assert any("buzzwire analyze" in rest for rest in runs)


def _package_files() -> list[str]:
    """The files of streams/ and models/ that the repository holds (git's list where there is
    one, else a walk without bytecode)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--", "streams", "models"],
            cwd=ROOT, capture_output=True, text=True, check=True, timeout=30,
        ).stdout  # fmt: skip
        files = [line for line in out.splitlines() if line]
    except (OSError, subprocess.SubprocessError):
        files = []
    if not files:
        files = [
            p.relative_to(ROOT).as_posix()
            for top in ("streams", "models")
            for p in (ROOT / top).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        ]
    return files


def test_the_installed_package_carries_every_shipped_file(tmp_path: Path) -> None:
    """``pip install .`` (the Dockerfile's install) must carry the models and data files, not
    only the code: a missing ``encoder-int8.onnx`` made every worker re-export the int8 model at
    start.  Builds the real wheel from the files the Dockerfile copies."""
    import zipfile

    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for top in ("streams", "models"):
        shutil.copytree(ROOT / top, src / top, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "wheel"), str(src)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "wheel").glob("buzzwire-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    expected = set(_package_files())
    assert any(f.endswith(".onnx") for f in expected)  # the int8 e5 model is tracked
    assert expected - inside == set()


# --------------------------------------------------------------------------- Kubernetes


def _k8s() -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in _yaml_all(path):
            out[(doc["kind"], doc["metadata"].get("name", ""))] = doc
    return out


def _namespace() -> str:
    return str(_yaml(K8S / "namespace.yaml")["metadata"]["name"])


def test_kustomization_lists_every_manifest() -> None:
    kustomization = _yaml(K8S / "kustomization.yaml")
    manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == manifests
    assert kustomization["namespace"] == _namespace()
    for (kind, name), doc in _k8s().items():
        if kind != "Namespace":
            assert doc["metadata"]["namespace"] == _namespace(), (kind, name)


def _scraped_by(pod: dict[str, Any]) -> list[str]:
    """The jobs of deploy/prometheus/kubernetes.yml whose `keep` rules keep this pod template,
    as Prometheus's pod discovery labels it (__meta_kubernetes_pod_label_*, ..._annotation_*)."""
    meta: dict[str, str] = {}
    for kind, key in (("label", "labels"), ("annotation", "annotations")):
        for name, value in (pod["metadata"].get(key) or {}).items():
            meta[f"__meta_kubernetes_pod_{kind}_" + re.sub(r"[^a-zA-Z0-9_]", "_", name)] = value
    jobs = []
    for job in _yaml(DEPLOY / "prometheus" / "kubernetes.yml")["scrape_configs"]:
        kept = True
        for rule in job.get("relabel_configs", []):
            if rule.get("action") in ("keep", "drop"):
                value = rule.get("separator", ";").join(
                    meta.get(src, "") for src in rule["source_labels"]
                )
                match = re.fullmatch(rule.get("regex", "(.*)"), value) is not None
                kept = kept and match == (rule["action"] == "keep")
        if kept:
            jobs.append(job["job_name"])
    return jobs


def test_scraped_by_follows_the_keep_rules() -> None:
    pod = {"metadata": {"labels": {"app.kubernetes.io/name": "buzzwire"}, "annotations": {}}}
    assert _scraped_by(pod) == []  # no prometheus.io/scrape
    pod["metadata"]["annotations"]["prometheus.io/scrape"] = "true"
    assert _scraped_by(pod) == []  # no component
    for component, job in (("worker", deploy_files.WORKER_JOB), ("sink", SINK_JOB)):
        pod["metadata"]["labels"]["app.kubernetes.io/component"] = component
        assert _scraped_by(pod) == [job]


def test_worker_deployment_probes_port_and_scrape_annotations() -> None:
    docs = _k8s()
    config = docs[("ConfigMap", "buzzwire-config")]["data"]
    assert set(config) <= setting_env_names()
    Settings(**{k.lower().removeprefix("buzzwire_"): v for k, v in config.items()})
    port = int(config["WEB_PORT"])
    deployment = docs[("Deployment", "buzzwire-worker")]
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"web": port}
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "web"}
    assert container["livenessProbe"]["httpGet"]["path"] == "/metrics"
    assert container["envFrom"] == [{"configMapRef": {"name": "buzzwire-config"}}]
    assert container["image"] == _yaml(ROOT / "docker-compose.yml")["services"]["worker"]["image"]
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert int(annotations["prometheus.io/port"]) == port
    assert annotations["prometheus.io/path"] == "/metrics"
    # kubernetes.yml keeps these pods in the workers' job, and only there
    assert _scraped_by(pod) == [deploy_files.WORKER_JOB]
    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    for kind in ("Service", "PodDisruptionBudget"):
        doc = docs[(kind, "buzzwire-worker")]
        selector = doc["spec"]["selector"]
        assert selector.get("matchLabels", selector).items() <= labels.items(), kind
    assert docs[("Service", "buzzwire-worker")]["spec"]["ports"][0]["targetPort"] == "web"


def test_workers_scale_up_to_the_partition_count() -> None:
    docs = _k8s()
    partitions = int(docs[("ConfigMap", "buzzwire-config")]["data"]["BUZZWIRE_TOPIC_PARTITIONS"])
    deployment = docs[("Deployment", "buzzwire-worker")]
    hpa = docs[("HorizontalPodAutoscaler", "buzzwire-worker")]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "buzzwire-worker",
    }
    assert hpa["spec"]["maxReplicas"] == partitions
    assert 1 <= hpa["spec"]["minReplicas"] <= deployment["spec"]["replicas"] <= partitions


def _pod_templates() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        key: doc["spec"]["template"]
        for key, doc in _k8s().items()
        if key[0] in ("Deployment", "StatefulSet", "DaemonSet", "Job")
    }


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod["spec"].get("initContainers", []), *pod["spec"]["containers"]]


def test_every_variable_in_the_manifests_is_a_setting() -> None:
    """The ConfigMap's keys and every container's env are settings the code reads; whatever
    comes from a Secret or ConfigMap names one that the manifests create."""
    docs = _k8s()
    known = setting_env_names()
    config = docs[("ConfigMap", "buzzwire-config")]["data"]
    assert set(config) <= known
    _settings(config)
    for (kind, name), pod in _pod_templates().items():
        for container in _containers(pod):
            where = f"{kind} {name}, container {container['name']}"
            env = {e["name"]: e for e in container.get("env", [])}
            assert set(env) <= known, f"{where}: {set(env) - known} are not settings"
            for var in env.values():
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref is not None:
                    secret = docs.get(("Secret", ref["name"]))
                    assert secret is not None, f"{where}: no Secret {ref['name']}"
                    assert ref["key"] in {**secret.get("data", {}), **secret.get("stringData", {})}
            for source in container.get("envFrom", []):
                assert ("ConfigMap", source["configMapRef"]["name"]) in docs, where


def test_the_database_secret_is_an_example_with_a_placeholder() -> None:
    """database-secret.yaml holds a valid BUZZWIRE_DATABASE_URL shape whose password is a
    placeholder, under the key CloudNativePG's <cluster>-app Secret uses (uri)."""
    secret = _k8s()[("Secret", "buzzwire-database")]
    assert "data" not in secret  # stringData: readable, nothing base64-hidden
    (key,) = secret["stringData"]
    assert key == "uri"
    url = secret["stringData"][key]
    parts = urlsplit(url)
    assert parts.password == "CHANGE-ME", "an example: a placeholder, never a real password"
    settings = Settings(database_url=url)
    assert settings.database_url is not None
    assert parts.password not in str(settings.database_url)  # a SecretStr, masked


def test_sink_deployment_probes_port_secret_and_scrape_annotations() -> None:
    """The sink runs `buzzwire sink` with the workers' image and ConfigMap, the database URL
    from the Secret, /ready as its readiness probe on the BUZZWIRE_SINK_WEB_PORT of the ConfigMap,
    scraped by kubernetes.yml's buzzwire-sink job; it waits for the migration first."""
    from streams.cli import _cmd_db, _cmd_sink

    docs = _k8s()
    config = docs[("ConfigMap", "buzzwire-config")]["data"]
    port = _settings(config).sink_web_port
    assert port == Settings.model_fields["sink_web_port"].default
    deployment = docs[("Deployment", "buzzwire-sink")]
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert labels["app.kubernetes.io/component"] == "sink"
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    worker_labels = docs[("Deployment", "buzzwire-worker")]["spec"]["template"]["metadata"]
    for kind in ("Service", "PodDisruptionBudget"):  # the workers' own do not take sinks in
        selector = docs[(kind, "buzzwire-worker")]["spec"]["selector"]
        selector = selector.get("matchLabels", selector)
        assert not selector.items() <= labels.items(), kind
        assert selector.items() <= worker_labels["labels"].items(), kind

    (container,) = pod["spec"]["containers"]
    image = _yaml(ROOT / "docker-compose.yml")["services"]["worker"]["image"]
    assert container["image"] == image
    assert "command" not in container  # the image's entrypoint: buzzwire
    assert _buzzwire_command(container["args"]).func is _cmd_sink
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"web": port}
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "web"}
    assert container["livenessProbe"]["httpGet"]["path"] == "/metrics"
    assert container["envFrom"] == [{"configMapRef": {"name": "buzzwire-config"}}]
    database = {"secretKeyRef": {"name": "buzzwire-database", "key": "uri"}}
    assert container["env"] == [{"name": "BUZZWIRE_DATABASE_URL", "valueFrom": database}]
    resources = container["resources"]
    assert _bytes(resources["requests"]["memory"]) <= _bytes(resources["limits"]["memory"])
    assert "cpu" in resources["requests"]

    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert int(annotations["prometheus.io/port"]) == port
    assert annotations["prometheus.io/path"] == "/metrics"
    assert _scraped_by(pod) == [SINK_JOB]

    # the init container waits until `buzzwire db status` says the schema is current
    (init,) = pod["spec"]["initContainers"]
    assert init["image"] == image
    script = init["command"][-1]
    (status,) = re.findall(r"\bbuzzwire ([\w ]+?)\s*;", script)
    args = _buzzwire_command(status.split())
    assert args.func is _cmd_db and args.db_action == "status"
    assert init["env"] == container["env"]


def test_migration_job_runs_db_upgrade() -> None:
    from streams.cli import _cmd_db

    docs = _k8s()
    job = docs[("Job", "buzzwire-db-upgrade")]
    pod = job["spec"]["template"]
    assert pod["spec"]["restartPolicy"] in ("OnFailure", "Never")
    assert job["spec"]["backoffLimit"] >= 1  # the database may still be coming up
    assert not _scraped_by(pod)
    (container,) = pod["spec"]["containers"]
    assert container["image"] == _yaml(ROOT / "docker-compose.yml")["services"]["worker"]["image"]
    assert "command" not in container
    args = _buzzwire_command(container["args"])
    assert args.func is _cmd_db and args.db_action == "upgrade"
    sink = docs[("Deployment", "buzzwire-sink")]["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == sink["env"]  # the same database


def test_web_deployment_service_probes_and_secret() -> None:
    """The web app runs `buzzwire web` with the workers' image, the database URL of the sink
    (from the Secret), on all addresses at BUZZWIRE_UI_PORT's default with Secure cookies
    (behind TLS); readiness on /ready, liveness on /healthz (both served by the app); a Service
    on the same port that takes only web pods; no Prometheus job takes them (no /metrics)."""
    from streams.cli import _cmd_db, _cmd_web

    docs = _k8s()
    deployment = docs[("Deployment", "buzzwire-web")]
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert labels["app.kubernetes.io/component"] == "web"
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert deployment["spec"]["replicas"] >= 1
    for key in (("Service", "buzzwire-worker"), ("PodDisruptionBudget", "buzzwire-worker")):
        selector = docs[key]["spec"]["selector"]
        assert not selector.get("matchLabels", selector).items() <= labels.items(), key

    (container,) = pod["spec"]["containers"]
    image = _yaml(ROOT / "docker-compose.yml")["services"]["worker"]["image"]
    assert container["image"] == image
    assert "command" not in container  # the image's entrypoint: buzzwire
    assert _buzzwire_command(container["args"]).func is _cmd_web
    assert container["envFrom"] == [{"configMapRef": {"name": "buzzwire-config"}}]
    env = {e["name"]: e for e in container["env"]}
    sink = docs[("Deployment", "buzzwire-sink")]["spec"]["template"]["spec"]["containers"][0]
    (database,) = [e for e in sink["env"] if e["name"] == "BUZZWIRE_DATABASE_URL"]
    assert env["BUZZWIRE_DATABASE_URL"] == database
    config = docs[("ConfigMap", "buzzwire-config")]["data"]
    plain = {name: e["value"] for name, e in env.items() if "value" in e}
    settings = _settings({**config, **plain})
    assert settings.ui_bind == "0.0.0.0"
    assert settings.ui_secure_cookies, "served behind TLS: Secure cookies"
    port = settings.ui_port
    assert port == Settings.model_fields["ui_port"].default
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"http": port}
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert {"/ready", "/healthz"} <= _web_paths()
    resources = container["resources"]
    assert _bytes(resources["requests"]["memory"]) <= _bytes(resources["limits"]["memory"])
    assert "cpu" in resources["requests"]
    assert _scraped_by(pod) == []

    (init,) = pod["spec"]["initContainers"]
    assert init["image"] == image
    (status,) = re.findall(r"\bbuzzwire ([\w ]+?)\s*;", init["command"][-1])
    args = _buzzwire_command(status.split())
    assert args.func is _cmd_db and args.db_action == "status"
    assert init["env"] == [env["BUZZWIRE_DATABASE_URL"]]

    service = docs[("Service", "buzzwire-web")]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "web"
    (service_port,) = service["spec"]["ports"]
    assert service_port["port"] == port and service_port["targetPort"] == "http"


def _bytes(quantity: str) -> int:
    """A Kubernetes memory quantity (128Mi, 1Gi, 500M) in bytes."""
    number, unit = re.fullmatch(r"(\d+)([KMGT]i?)?", quantity).groups()  # type: ignore[union-attr]
    powers = {"K": 1, "M": 2, "G": 3, "T": 4}
    if not unit:
        return int(number)
    base = 1024 if unit.endswith("i") else 1000
    return int(number) * base ** powers[unit[0]]
