"""Structural tests of deploy/, docker-compose.yml and the Dockerfile: they must stay true to what
the code does (metrics, settings, ports, paths), since there is no Docker engine to try them on.
The PromQL itself is evaluated against a live worker by tests/integration/test_prometheus.py,
on exactly the expressions of ``deploy_files.deploy_expressions()``."""

from __future__ import annotations

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
K8S = DEPLOY / "k8s"


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


def test_the_three_dashboards_exist_with_unique_uids() -> None:
    titles = {json.loads(p.read_text())["title"]: p.name for p in DASHBOARDS}
    assert titles == {
        "Brand overview": "brand-overview.json",
        "Crisis monitor": "crisis-monitor.json",
        "Pipeline health": "pipeline-health.json",
    }
    uids = [json.loads(p.read_text())["uid"] for p in DASHBOARDS]
    assert len(set(uids)) == len(uids)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
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


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
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
    (job,) = config["scrape_configs"]
    assert job["job_name"] == deploy_files.WORKER_JOB
    assert job["kubernetes_sd_configs"][0]["namespaces"]["names"] == [_namespace()]
    variant = dict(job)
    del variant["kubernetes_sd_configs"]
    variant["static_configs"] = [{"targets": ["10.0.0.1:6066"]}]
    (tmp_path / "prometheus.yml").write_text(
        yaml.safe_dump({**config, "scrape_configs": [variant]})
    )
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
    assert set(services) == {"kafka", "worker", "replay", "prometheus", "grafana"}
    assert services["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"
    assert services["worker"]["build"] == "."
    assert services["replay"]["image"] == services["worker"]["image"]
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


def test_compose_worker_env_ports_and_broker_agree_with_the_code() -> None:
    services = _yaml(ROOT / "docker-compose.yml")["services"]
    known = setting_env_names()
    assert {"BROKER_URL", "WEB_PORT"} <= known
    for name in ("worker", "replay"):
        env = services[name]["environment"]
        unknown = set(env) - known
        assert not unknown, f"{name}: env vars Settings does not read: {unknown}"
        Settings(**{k.lower().removeprefix("buzzwire_"): v for k, v in env.items()})
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
    for name in ("worker", "replay"):
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
    assert int(dict(instructions)["EXPOSE"]) == Settings.model_fields["web_port"].default
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
    # kubernetes.yml keeps exactly these pods
    (job,) = _yaml(DEPLOY / "prometheus" / "kubernetes.yml")["scrape_configs"]
    keep = {
        r["source_labels"][0]: r["regex"]
        for r in job["relabel_configs"]
        if r.get("action") == "keep"
    }
    labels = pod["metadata"]["labels"]
    assert re.fullmatch(keep["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
                        labels["app.kubernetes.io/name"])  # fmt: skip
    assert re.fullmatch(keep["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], "true")
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
