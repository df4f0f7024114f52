"""The alert routes file: where each brand's crisis alerts are delivered.

Shape (YAML)::

    routes:
      - name: pr-team-slack            # unique; used in logs, metrics and dead letters
        brands: [acme, globex]         # brand ids, or ["*"] for every brand
        kinds: [negative_surge]        # optional; default: every kind
        min_severity: warning          # optional: warning < major < critical; default warning
        format: slack                  # slack | webhook
        url_env: ACME_SLACK_WEBHOOK    # Slack URLs are secrets: always read from the environment
      - name: incident-bus
        brands: ["*"]
        format: webhook
        url: http://127.0.0.1:9000/hooks/buzzwire   # inline is fine for a generic webhook
        secret_env: BUZZWIRE_WEBHOOK_SECRET         # HMAC key, from the environment only
        timeout_seconds: 5             # optional (default 10)
        headers: {X-Team: pr}          # optional extra request headers

Every problem found is reported at once in one :class:`RoutesFileError` whose message names
the file, the entry (``routes[1] (name 'incident-bus')``) and what is wrong. URLs and secrets
are held as :class:`pydantic.SecretStr`: they never show in a ``repr``, a log line or an error
message (URLs are shown redacted to ``scheme://host/…``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
)
from pydantic_core import ErrorDetails

from streams.alerts.redaction import redact_url
from streams.kernel.yamlfile import (
    Problem,
    Problems,
    describe_error,
    entry_label,
    parse_yaml,
    read_yaml,
    suggest,
    top_level_list,
    type_name,
)

__all__ = [
    "FORMATS",
    "ROUTE_KEYS",
    "SEVERITIES",
    "Route",
    "RoutesFileError",
    "load_routes",
    "parse_routes",
    "parse_routes_yaml",
    "redact_url",
    "routes_for",
    "severity_rank",
]

SEVERITIES = ("warning", "major", "critical")
FORMATS = ("slack", "webhook")
ROUTE_KEYS = (
    "name",
    "brands",
    "kinds",
    "min_severity",
    "format",
    "url",
    "url_env",
    "secret_env",
    "timeout_seconds",
    "headers",
)
DEFAULT_TIMEOUT_SECONDS = 10.0
MAX_TIMEOUT_SECONDS = 300.0
#: headers set by the deliverer itself; a route may not override them
RESERVED_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "host",
        "x-buzzwire-signature",
        "x-buzzwire-event",
        "x-buzzwire-alert-id",
        "x-buzzwire-delivery",
    }
)

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token


class RoutesFileError(ValueError):
    """The routes file cannot be used. ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            message = f"invalid alert routes file '{source}': {self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            message = (
                f"invalid alert routes file '{source}' ({len(self.problems)} problems):\n{lines}"
            )
        super().__init__(message)


def severity_rank(severity: object) -> int:
    """0 for warning, 1 for major, 2 for critical; an unknown severity ranks as warning."""
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        return 0


@dataclass(frozen=True)
class Route:
    """One validated delivery route. ``brands``/``kinds`` of ``None`` mean "every"."""

    name: str
    format: Literal["slack", "webhook"]
    url: SecretStr = field(repr=False)
    brands: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    min_severity: str = "warning"
    secret: SecretStr | None = field(default=None, repr=False)
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    url_env: str | None = None
    secret_env: str | None = None

    @property
    def redacted_url(self) -> str:
        return redact_url(self.url.get_secret_value())

    def describe(self) -> dict[str, str]:
        """What a log line or a dead letter may show of the route (no secrets)."""
        return {"name": self.name, "format": self.format, "url": self.redacted_url}

    def matches(self, alert: Mapping[str, Any]) -> bool:
        """Whether the alert's brand, kind and severity are routed here."""
        if self.brands is not None and alert.get("brand") not in self.brands:
            return False
        if self.kinds is not None and alert.get("kind") not in self.kinds:
            return False
        return severity_rank(alert.get("severity")) >= severity_rank(self.min_severity)


def routes_for(routes: Sequence[Route], alert: Mapping[str, Any]) -> list[Route]:
    """The routes (in file order) that match the alert's brand, kind and severity."""
    return [r for r in routes if r.matches(alert)]


# ---------------------------------------------------------------------------------------------
# raw entry validation (their ValueError text becomes the problem description)


def _check_name(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    if not _NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid route name: use letters, digits, '_', '.' and '-', "
            "starting with a letter or digit"
        )
    return value


def _check_brand(value: str) -> str:
    if value == "*":
        return value
    if not value:
        raise ValueError("must not be empty")
    if not _SLUG.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid brand id (or use '*' for every brand)")
    return value


def _check_kind(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    if not _SLUG.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid alert kind (e.g. negative_surge)")
    return value


def _check_env_name(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    if not _ENV_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid environment variable name")
    return value


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"must be a number of seconds, got a boolean {value!r}")
    return value


def _none_is_empty_map(value: Any) -> Any:
    return {} if value is None else value


RouteName = Annotated[str, AfterValidator(_check_name)]
BrandRef = Annotated[str, AfterValidator(_check_brand)]
Kind = Annotated[str, AfterValidator(_check_kind)]
EnvName = Annotated[str, AfterValidator(_check_env_name)]
Seconds = Annotated[float, BeforeValidator(_no_bool), Field(gt=0, le=MAX_TIMEOUT_SECONDS)]


class _RouteSpec(BaseModel):
    """One entry of the routes file as written (before the environment is consulted)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, coerce_numbers_to_str=True
    )

    name: RouteName
    brands: tuple[BrandRef, ...]
    kinds: tuple[Kind, ...] | None = None
    min_severity: Literal["warning", "major", "critical"] = "warning"
    format: Literal["slack", "webhook"]
    url: str | None = None
    url_env: EnvName | None = None
    secret_env: EnvName | None = None
    timeout_seconds: Seconds = DEFAULT_TIMEOUT_SECONDS
    headers: Annotated[dict[str, str], BeforeValidator(_none_is_empty_map)] = Field(
        default_factory=dict
    )


# ---------------------------------------------------------------------------------------------
# parsing


def _special(err: ErrorDetails, path: str) -> str | None:
    """The errors particular to a routes file (secrets, choices, seconds)."""
    loc = err["loc"]
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        if len(loc) == 1 and key in ("secret", "hmac_secret", "webhook_secret"):
            return (
                f"{key!r}: secrets must not be written in the file: put the HMAC key in an "
                "environment variable and name it with 'secret_env'"
            )
    if kind == "literal_error":
        choices = SEVERITIES if loc[0] == "min_severity" else FORMATS
        shown = repr(value) if isinstance(value, str) else f"{type_name(value)} {value!r}"
        hint = suggest(value, choices) if isinstance(value, str) else ""
        return f"{path}: must be one of {', '.join(choices)}, got {shown}{hint}"
    if kind in ("float_parsing", "float_type"):
        return f"{path}: must be a number of seconds, got {type_name(value)} {value!r}"
    if kind == "greater_than":
        return f"{path}: must be more than 0 seconds, got {value!r}"
    if kind == "less_than_equal":
        return f"{path}: must be at most {MAX_TIMEOUT_SECONDS:g} seconds, got {value!r}"
    return None


def _describe(err: ErrorDetails) -> str:
    return describe_error(err, ROUTE_KEYS, _special)


def _label(index: int, entry: object) -> str:
    return entry_label("routes", index, entry, "name")


def _url_problem(url: str) -> str | None:
    """Why ``url`` is not a usable http(s) URL (without quoting it), or ``None``."""
    if any(c.isspace() for c in url):
        return "contains whitespace"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "must be an http:// or https:// URL"
    if not host:
        return "has no host"
    return None


def _from_env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    return value.strip()


def _resolve(
    label: str,
    spec: _RouteSpec,
    known_brands: set[str] | frozenset[str] | None,
    env: Mapping[str, str],
    problems: list[str],
) -> Route | None:
    """Cross-field checks and the environment; appends problems, returns the route if valid."""
    before = len(problems)

    # brands
    if not spec.brands:
        problems.append(f"{label}: brands: must list at least one brand id (or '*')")
    elif "*" in spec.brands and len(spec.brands) > 1:
        problems.append(f"{label}: brands: '*' (every brand) must be the only entry")
    elif known_brands is not None:
        for k, brand in enumerate(spec.brands):
            if brand != "*" and brand not in known_brands:
                problems.append(
                    f"{label}: brands[{k}]: unknown brand id {brand!r}"
                    f"{suggest(brand, sorted(known_brands))}"
                )
    if spec.kinds is not None and not spec.kinds:
        problems.append(f"{label}: kinds: must not be empty (leave it out for every kind)")

    # url
    url: str | None = None
    if spec.url is not None and spec.url_env is not None:
        problems.append(f"{label}: give either 'url' or 'url_env', not both")
    elif spec.url is not None:
        if spec.format == "slack":
            problems.append(
                f"{label}: url: a Slack webhook URL is a secret: put it in an environment "
                "variable and name it with 'url_env' instead"
            )
        elif not spec.url:
            problems.append(f"{label}: url: must not be empty")
        else:
            why = _url_problem(spec.url)
            if why:
                problems.append(f"{label}: url: {redact_url(spec.url)!r} {why}")
            else:
                url = spec.url
    elif spec.url_env is not None:
        value = _from_env(env, spec.url_env)
        if value is None:
            problems.append(f"{label}: url_env: environment variable {spec.url_env} is not set")
        elif not value:
            problems.append(f"{label}: url_env: environment variable {spec.url_env} is empty")
        else:
            why = _url_problem(value)
            if why:
                problems.append(
                    f"{label}: url_env: the value of environment variable {spec.url_env} {why}"
                )
            else:
                url = value
    else:
        problems.append(
            f"{label}: missing the destination: set 'url_env' (the name of an environment "
            "variable holding the URL)" + (" or 'url'" if spec.format == "webhook" else "")
        )

    # secret
    secret: str | None = None
    if spec.secret_env is not None:
        if spec.format != "webhook":
            problems.append(
                f"{label}: secret_env: only webhook routes are signed (format is {spec.format!r})"
            )
        else:
            value = _from_env(env, spec.secret_env)
            if value is None:
                problems.append(
                    f"{label}: secret_env: environment variable {spec.secret_env} is not set"
                )
            elif not value:
                problems.append(
                    f"{label}: secret_env: environment variable {spec.secret_env} is empty"
                )
            else:
                secret = value

    # headers
    headers: list[tuple[str, str]] = []
    for key, value in spec.headers.items():
        if not _HEADER_NAME.fullmatch(key):
            problems.append(f"{label}: headers: {key!r} is not a valid header name")
        elif key.lower() in RESERVED_HEADERS:
            problems.append(
                f"{label}: headers: {key!r} is set by buzzwire itself and cannot be overridden"
            )
        elif any(c in value for c in "\r\n\0"):
            problems.append(f"{label}: headers.{key}: the value must be a single line")
        else:
            headers.append((key, value))

    if url is not None and any(key.lower() == "authorization" for key, _ in headers):
        try:
            has_userinfo = urlsplit(url).username is not None
        except ValueError:
            has_userinfo = False
        if has_userinfo:
            # aiohttp refuses a request with both (every delivery would fail)
            problems.append(
                f"{label}: the URL carries credentials (user:password@) and headers set "
                "'Authorization' too: keep one of them"
            )

    if len(problems) > before or url is None:
        return None
    return Route(
        name=spec.name,
        format=spec.format,
        url=SecretStr(url),
        brands=None if spec.brands == ("*",) else frozenset(spec.brands),
        kinds=None if spec.kinds is None else frozenset(spec.kinds),
        min_severity=spec.min_severity,
        secret=SecretStr(secret) if secret is not None else None,
        timeout_seconds=float(spec.timeout_seconds),
        headers=tuple(headers),
        url_env=spec.url_env,
        secret_env=spec.secret_env,
    )


def parse_routes(
    data: object,
    source: str = "<routes>",
    known_brands: set[str] | frozenset[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> list[Route]:
    """Validate already-loaded routes data (the YAML document) into routes, in file order.

    ``known_brands``, when given, is the set of valid brand ids. ``env`` (default
    ``os.environ``) supplies the variables named by ``url_env`` and ``secret_env``. Raises
    :class:`RoutesFileError` listing every problem found.
    """
    env = os.environ if env is None else env
    try:
        entries, problems = top_level_list(data, "routes", "route")
    except Problems as exc:
        raise RoutesFileError(source, exc.problems) from exc

    routes: list[Route] = []
    names: dict[str, int] = {}
    for i, entry in enumerate(entries):
        label = _label(i, entry)
        if not isinstance(entry, Mapping):
            problems.append(
                f"{label}: must be a mapping with keys {', '.join(ROUTE_KEYS)}, "
                f"got {type_name(entry)} {entry!r}"
            )
            continue
        try:
            spec = _RouteSpec.model_validate(dict(entry))
        except ValidationError as exc:
            problems.extend(f"{label}: {_describe(err)}" for err in exc.errors())
            continue
        if spec.name in names:
            first = names[spec.name]
            problems.append(
                f"{label}: duplicate name {spec.name!r} (already used by routes[{first}])"
            )
        else:
            names[spec.name] = i
        route = _resolve(label, spec, known_brands, env, problems)
        if route is not None:
            routes.append(route)
    if problems:
        raise RoutesFileError(source, problems)
    return routes


def parse_routes_yaml(
    text: str,
    source: str = "<string>",
    known_brands: set[str] | frozenset[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> list[Route]:
    """Parse and validate the YAML text of a routes file."""
    try:
        data = parse_yaml(text)
    except Problem as exc:
        raise RoutesFileError(source, [str(exc)]) from exc
    return parse_routes(data, source=source, known_brands=known_brands, env=env)


def load_routes(
    path: str | os.PathLike[str],
    known_brands: set[str] | frozenset[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> list[Route]:
    """Load and validate a routes file. Raises :class:`RoutesFileError` for any problem.

    ``env`` defaults to ``os.environ`` (read at call time).
    """
    source = os.fspath(path)
    try:
        data = read_yaml(path)
    except Problem as exc:
        raise RoutesFileError(source, [str(exc)]) from exc
    return parse_routes(data, source=source, known_brands=known_brands, env=env)
