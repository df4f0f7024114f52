"""Tests for streams.alerts.routes: loading the alert routes file and picking routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from streams.alerts.routes import (
    Route,
    RoutesFileError,
    load_routes,
    parse_routes,
    redact_url,
    routes_for,
    severity_rank,
)

EXAMPLE = Path(__file__).resolve().parents[3] / "streams" / "data" / "alert_routes.example.yaml"

SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"
ENV = {"ACME_SLACK_WEBHOOK": SLACK_URL, "BUZZWIRE_WEBHOOK_SECRET": "s3cret-key"}
BRANDS = {"acme", "globex", "initech"}

GOOD = """\
routes:
  - name: pr-team-slack
    brands: [acme, globex]
    kinds: [negative_surge]
    min_severity: major
    format: slack
    url_env: ACME_SLACK_WEBHOOK
  - name: incident-bus
    brands: ["*"]
    format: webhook
    url: http://127.0.0.1:9000/hooks/buzzwire
    secret_env: BUZZWIRE_WEBHOOK_SECRET
    timeout_seconds: 5
    headers: {X-Team: pr, X-Count: 3}
  - name: unsigned
    brands: [initech]
    format: webhook
    url: https://example.org/hook
"""


def write(tmp_path: Path, text: str, name: str = "routes.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def route_entry(**fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": "hook",
        "brands": ["acme"],
        "format": "webhook",
        "url": "http://127.0.0.1:9000/x",
    }
    entry.update(fields)
    return {k: v for k, v in entry.items() if v is not None}


def problems_of(*entries: Any, env: dict[str, str] | None = None, **kw: Any) -> tuple[str, ...]:
    with pytest.raises(RoutesFileError) as info:
        parse_routes(
            {"routes": list(entries)}, source="mem.yaml", env=ENV if env is None else env, **kw
        )
    assert "mem.yaml" in str(info.value)
    return info.value.problems


def one_problem(*entries: Any, **kw: Any) -> str:
    problems = problems_of(*entries, **kw)
    assert len(problems) == 1, problems
    return problems[0]


def alert(brand: str = "acme", kind: str = "negative_surge", severity: str = "major") -> dict:
    return {"id": f"{brand}:t", "brand": brand, "kind": kind, "severity": severity}


# ---------------------------------------------------------------------------------------------
# a good file


def test_load_good_file(tmp_path: Path) -> None:
    routes = load_routes(write(tmp_path, GOOD), known_brands=BRANDS, env=ENV)
    assert [r.name for r in routes] == ["pr-team-slack", "incident-bus", "unsigned"]
    slack, bus, unsigned = routes
    assert slack.format == "slack"
    assert slack.url.get_secret_value() == SLACK_URL
    assert slack.brands == frozenset({"acme", "globex"})
    assert slack.kinds == frozenset({"negative_surge"})
    assert slack.min_severity == "major"
    assert slack.secret is None
    assert slack.timeout_seconds == 10.0
    assert bus.brands is None and bus.kinds is None
    assert bus.min_severity == "warning"
    assert bus.secret is not None and bus.secret.get_secret_value() == "s3cret-key"
    assert bus.timeout_seconds == 5.0
    assert bus.headers == (("X-Team", "pr"), ("X-Count", "3"))
    assert unsigned.secret is None


def test_secrets_never_in_repr(tmp_path: Path) -> None:
    routes = load_routes(write(tmp_path, GOOD), env=ENV)
    text = repr(routes) + str(routes)
    assert "XXXXSECRETXXXX" not in text
    assert "s3cret-key" not in text
    assert "pr-team-slack" in text  # the repr is still useful
    assert routes[0].describe() == {
        "name": "pr-team-slack",
        "format": "slack",
        "url": "https://hooks.slack.com/…",
    }


def test_env_defaults_to_os_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_SLACK_WEBHOOK", "https://hooks.example/from-environ")
    monkeypatch.setenv("BUZZWIRE_WEBHOOK_SECRET", "k")
    routes = load_routes(write(tmp_path, GOOD))
    assert routes[0].url.get_secret_value() == "https://hooks.example/from-environ"


def test_example_file_is_valid() -> None:
    env = {
        "ACME_SLACK_WEBHOOK": SLACK_URL,
        "GLOBEX_SLACK_WEBHOOK": SLACK_URL,
        "BUZZWIRE_WEBHOOK_SECRET": "k",
    }
    routes = load_routes(EXAMPLE, known_brands={"acme", "globex", "initech"}, env=env)
    assert {r.format for r in routes} == {"slack", "webhook"}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T/B/secret", "https://hooks.slack.com/…"),
        ("http://127.0.0.1:9000/hooks?token=x", "http://127.0.0.1:9000/…"),
        ("https://user:pw@example.org/", "https://example.org/"),
        ("https://example.org", "https://example.org/"),
        ("http://[::1]:8080/a", "http://[::1]:8080/…"),
        ("not a url", "<redacted>"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


# ---------------------------------------------------------------------------------------------
# broken files: every problem named with the file, the route and what is wrong


def test_not_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "routes: [\n  - name: x\n")
    with pytest.raises(RoutesFileError) as info:
        load_routes(path, env=ENV)
    message = str(info.value)
    assert str(path) in message
    assert "not valid YAML at line" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RoutesFileError, match="file not found"):
        load_routes(tmp_path / "nope.yaml", env=ENV)


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = "routes:\n  - name: a\n    name: b\n    brands: ['*']\n    format: webhook\n"
    with pytest.raises(RoutesFileError, match="duplicate key 'name'"):
        load_routes(write(tmp_path, text), env=ENV)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, "the file is empty"),
        ([1, 2], "the top level must be a mapping"),
        ({"route": []}, "missing top-level key 'routes'"),
        ({"routes": []}, "'routes' is empty"),
        ({"routes": {"a": 1}}, "'routes' must be a list of route entries, got a mapping"),
    ],
)
def test_top_level_problems(data: Any, expected: str) -> None:
    with pytest.raises(RoutesFileError) as info:
        parse_routes(data, source="mem.yaml", env=ENV)
    assert expected in str(info.value)
    assert "mem.yaml" in str(info.value)


def test_unknown_top_level_key_suggests() -> None:
    with pytest.raises(RoutesFileError) as info:
        parse_routes({"routes": [route_entry()], "routez": 1}, source="mem.yaml", env=ENV)
    assert info.value.problems == ("unknown top-level key 'routez' (did you mean 'routes'?)",)


def test_entry_not_a_mapping() -> None:
    problem = one_problem("just-a-string")
    assert problem.startswith("routes[0]: must be a mapping")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"format": "slak"}, "format: must be one of slack, webhook, got 'slak' (did you mean "),
        ({"format": None}, "missing required key 'format'"),
        ({"brands": None}, "missing required key 'brands'"),
        ({"brands": "acme"}, "brands: must be a list, got a string 'acme'"),
        ({"brands": []}, "brands: must list at least one brand id (or '*')"),
        ({"brands": ["*", "acme"]}, "brands: '*' (every brand) must be the only entry"),
        ({"brands": ["Acme!"]}, "brands[0]: 'Acme!' is not a valid brand id"),
        ({"kinds": []}, "kinds: must not be empty"),
        ({"kinds": ["Negative Surge"]}, "kinds[0]: 'Negative Surge' is not a valid alert kind"),
        ({"min_severity": "high"}, "min_severity: must be one of warning, major, critical"),
        ({"timeout_seconds": 0}, "timeout_seconds: must be more than 0 seconds"),
        ({"timeout_seconds": 1000}, "timeout_seconds: must be at most 300 seconds"),
        ({"timeout_seconds": "soon"}, "timeout_seconds: must be a number of seconds"),
        ({"timeout_seconds": True}, "timeout_seconds: must be a number of seconds"),
        ({"headers": ["X-A"]}, "headers: must be a mapping"),
        ({"headers": {"X-Flag": True}}, "headers.X-Flag: must be a string, got a boolean"),
        ({"headers": {"Bad Header": "x"}}, "headers: 'Bad Header' is not a valid header name"),
        (
            {"headers": {"X-Buzzwire-Signature": "x"}},
            "headers: 'X-Buzzwire-Signature' is set by buzzwire itself",
        ),
        ({"url": "ftp://example.org/x"}, "url: 'ftp://example.org/…' must be an http"),
        ({"url": "http:///nohost"}, "has no host"),
        ({"url": None}, "missing the destination: set 'url_env'"),
        ({"url_env": "ACME_SLACK_WEBHOOK"}, "give either 'url' or 'url_env', not both"),
        (
            {"url": None, "url_env": "NOT_SET_VAR"},
            "url_env: environment variable NOT_SET_VAR is not",
        ),
        ({"url": None, "url_env": "EMPTY_VAR"}, "url_env: environment variable EMPTY_VAR is empty"),
        ({"url": None, "url_env": "BAD_URL_VAR"}, "the value of environment variable BAD_URL_VAR"),
        ({"url": None, "url_env": "1BAD"}, "url_env: '1BAD' is not a valid environment variable"),
        ({"secret_env": "NOT_SET_VAR"}, "secret_env: environment variable NOT_SET_VAR is not set"),
        ({"secret": "inline"}, "'secret': secrets must not be written in the file"),
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"min_severty": "major"}, "unknown key 'min_severty' (did you mean 'min_severity'?)"),
        ({"name": "has space"}, "name: 'has space' is not a valid route name"),
    ],
)
def test_entry_problem_named(fields: dict[str, Any], expected: str) -> None:
    env = {**ENV, "EMPTY_VAR": "  ", "BAD_URL_VAR": "hooks.example/no-scheme"}
    entries = [route_entry(name="first"), route_entry(**{"name": "the-route", **fields})]
    problem = one_problem(*entries, env=env)
    name = fields.get("name", "the-route")
    assert problem.startswith(f"routes[1] (name {name!r}): "), problem
    assert expected in problem, problem


def test_slack_url_must_come_from_env() -> None:
    problem = one_problem(route_entry(format="slack", url=SLACK_URL))
    assert "Slack webhook URL is a secret" in problem
    assert "XXXXSECRETXXXX" not in problem


def test_slack_route_cannot_be_signed() -> None:
    entry = route_entry(format="slack", url=None, url_env="ACME_SLACK_WEBHOOK")
    entry["secret_env"] = "BUZZWIRE_WEBHOOK_SECRET"
    assert "secret_env: only webhook routes are signed" in one_problem(entry)


def test_env_url_value_never_quoted_in_problem() -> None:
    env = {"HOOK": "ftp://hooks.example/TOPSECRETPATH"}
    problem = one_problem(route_entry(url=None, url_env="HOOK"), env=env)
    assert "HOOK" in problem
    assert "TOPSECRETPATH" not in problem


def test_url_credentials_and_an_authorization_header_are_refused_together() -> None:
    """Both would fail every delivery (the HTTP client refuses the request): refused at load."""
    entry = route_entry(
        url="https://bot:PASSW0RD@hooks.example/x", headers={"Authorization": "Bearer T0KEN"}
    )
    problem = one_problem(entry)
    assert "credentials" in problem and "Authorization" in problem
    assert "PASSW0RD" not in problem and "T0KEN" not in problem
    # either one alone is fine
    assert parse_routes({"routes": [route_entry(url="https://bot:pw@hooks.example/x")]}, env=ENV)
    assert parse_routes({"routes": [route_entry(headers={"authorization": "Bearer t"})]}, env=ENV)


def test_unknown_brand_with_suggestion() -> None:
    problem = one_problem(route_entry(brands=["acme", "globx"]), known_brands=BRANDS)
    assert problem == "routes[0] (name 'hook'): brands[1]: unknown brand id 'globx' " + (
        "(did you mean 'globex'?)"
    )


def test_brands_not_checked_without_known_brands() -> None:
    routes = parse_routes({"routes": [route_entry(brands=["whoever"])]}, env=ENV)
    assert routes[0].brands == frozenset({"whoever"})


def test_star_allowed_with_known_brands() -> None:
    routes = parse_routes({"routes": [route_entry(brands=["*"])]}, known_brands=BRANDS, env=ENV)
    assert routes[0].brands is None


def test_duplicate_names() -> None:
    problem = one_problem(route_entry(name="dup"), route_entry(name="ok"), route_entry(name="dup"))
    assert problem == "routes[2] (name 'dup'): duplicate name 'dup' (already used by routes[0])"


def test_every_problem_reported_at_once() -> None:
    problems = problems_of(
        route_entry(name="a", format="fax"),
        route_entry(name="b", secret_env="NOT_SET_VAR"),
        route_entry(name="c"),
    )
    assert len(problems) == 2
    assert problems[0].startswith("routes[0] (name 'a'): format:")
    assert problems[1].startswith("routes[1] (name 'b'): secret_env:")


def test_webhook_without_secret_is_allowed() -> None:
    (route,) = parse_routes({"routes": [route_entry()]}, env={})
    assert route.secret is None


# ---------------------------------------------------------------------------------------------
# routing


def make_route(name: str, **fields: Any) -> Route:
    return Route(name=name, format="webhook", url=SecretStr("http://127.0.0.1:1/x"), **fields)


def test_severity_rank() -> None:
    assert severity_rank("warning") < severity_rank("major") < severity_rank("critical")
    assert severity_rank("bogus") == severity_rank("warning")


def test_routes_for_brand_kind_severity() -> None:
    everyone = make_route("everyone")
    acme = make_route("acme", brands=frozenset({"acme"}))
    surges = make_route("surges", kinds=frozenset({"negative_surge"}))
    critical = make_route("critical", min_severity="critical")
    major_globex = make_route("major-globex", brands=frozenset({"globex"}), min_severity="major")
    routes = [everyone, acme, surges, critical, major_globex]

    def names(a: dict[str, Any]) -> list[str]:
        return [r.name for r in routes_for(routes, a)]

    assert names(alert("acme", "negative_surge", "major")) == ["everyone", "acme", "surges"]
    assert names(alert("acme", "volume_spike", "warning")) == ["everyone", "acme"]
    assert names(alert("globex", "volume_spike", "warning")) == ["everyone"]
    assert names(alert("globex", "volume_spike", "major")) == ["everyone", "major-globex"]
    assert names(alert("globex", "negative_surge", "critical")) == [
        "everyone",
        "surges",
        "critical",
        "major-globex",
    ]
    assert names({"brand": "initech"}) == ["everyone"]  # no kind/severity: only unfiltered
