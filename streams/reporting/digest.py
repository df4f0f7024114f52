"""The scheduled digest (docs/trends.md#the-digest): each brand's, or each of its departments',
headline rates and most important statements for the latest complete period, to Slack or to a
webhook signed exactly as the alert webhooks are (``streams.alerts.webhook``).

The digests file (``buzzwire digest --routes FILE``)::

    digests:
      - name: acme-weekly              # unique
        brands: [acme]                 # or ["*"]
        departments: [operations]      # optional: one digest per department; default: the brand's
        period: week                   # week (default), month or quarter
        format: webhook                # slack | webhook
        url: http://127.0.0.1:9000/hooks/digest   # or url_env (always for Slack)
        secret_env: BUZZWIRE_DIGEST_SECRET        # HMAC key from the environment
        timeout_seconds: 10            # optional
        headers: {X-Team: ops}         # optional

URLs, secrets and headers are checked by the alert routes' own validation. A webhook delivery
is a ``POST`` of the digest as compact JSON with ``X-Buzzwire-Event: digest``,
``X-Buzzwire-Alert-Id`` holding the digest's id (route, brand, department, period),
``X-Buzzwire-Delivery`` (derived from that id, so a re-run of the same digest carries the same
value and receivers de-duplicate on it) and ``X-Buzzwire-Signature: sha256=<hex HMAC-SHA256 of
the body>`` when the entry has a secret.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from streams.alerts.routes import Route, RoutesFileError, parse_routes
from streams.alerts.slack import slack_escape
from streams.alerts.text import one_line, truncate
from streams.alerts.webhook import base_headers, encode_alert, webhook_headers
from streams.kernel.yamlfile import Problem, read_yaml
from streams.trends.periods import REPORT_PERIODS, ReportPeriod
from streams.trends.render import LABELS, format_change, format_value

__all__ = [
    "DigestRoute",
    "delivery_id",
    "digest_payload",
    "load_digest_routes",
    "send",
    "slack_digest",
]

_DIGEST_KEYS = ("departments", "period")


@dataclass(frozen=True)
class DigestRoute:
    route: Route
    period: ReportPeriod = "week"
    departments: tuple[str, ...] | None = None

    def wants(self, brand: str) -> bool:
        return self.route.brands is None or brand in self.route.brands


def load_digest_routes(
    path: str, known_brands: set[str], env: Mapping[str, str] | None = None
) -> list[DigestRoute]:
    """The entries of a digests file; raises :class:`RoutesFileError` naming every problem."""
    try:
        data = read_yaml(path)
    except Problem as exc:
        raise RoutesFileError(path, [str(exc)]) from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("digests"), list):
        raise RoutesFileError(path, ["the file must hold a list under 'digests:'"])
    entries = data["digests"]
    problems: list[str] = []
    extras: list[tuple[ReportPeriod, tuple[str, ...] | None]] = []
    plain: list[Any] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            problems.append(f"digests[{i}]: must be a mapping")
            continue
        period = entry.get("period", "week")
        if period not in REPORT_PERIODS[:3]:
            problems.append(f"digests[{i}]: period must be week, month or quarter")
        departments = entry.get("departments")
        if departments is not None and (
            not isinstance(departments, list) or not all(isinstance(d, str) for d in departments)
        ):
            problems.append(f"digests[{i}]: departments must be a list of department ids")
            departments = None
        extras.append(
            (period if period in REPORT_PERIODS else "week", tuple(departments or ()) or None)
        )
        plain.append({k: v for k, v in entry.items() if k not in _DIGEST_KEYS})
    try:
        routes = parse_routes({"routes": plain}, source=path, known_brands=known_brands, env=env)
    except RoutesFileError as exc:
        problems.extend(p.replace("routes[", "digests[") for p in exc.problems)
        routes = []
    if problems:
        raise RoutesFileError(path, problems)
    return [
        DigestRoute(route, period, departments)
        for route, (period, departments) in zip(routes, extras, strict=True)
    ]


def digest_id(route: DigestRoute, brand: str, department: str | None, label: str) -> str:
    return f"{route.route.name}:{brand}:{department or '*'}:{label}"


def delivery_id(digest: str) -> str:
    """The same for every delivery of the same digest (receivers de-duplicate on it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"buzzwire-digest:{digest}"))


def digest_payload(
    report: Mapping[str, Any], route: DigestRoute, department: str | None
) -> dict[str, Any]:
    """The digest of one brand (``department`` None) or one of its departments."""
    base = {
        "type": "digest",
        "id": digest_id(route, report["brand"], department, report["span"]["label"]),
        "brand": report["brand"],
        "name": report["name"],
        "department": department,
        "period": report["period"],
        "timezone": report["timezone"],
        "span": report["span"],
        "previous": report["previous"],
        "year_ago": report["year_ago"],
    }
    if department is None:
        own = next(
            (s["brand"] for s in report["share_of_voice"] if s["set"] == report["brand"]), None
        )
        measures = [*report["measures"], *([{**own, "name": "share_of_voice"}] if own else [])]
        return {**base, "measures": measures, "statements": report["statements"]}
    dept = next((d for d in report["departments"] if d["department"] == department), None)
    if dept is None:
        return {**base, "topics": [], "measures": [], "statements": {}}
    return {
        **base,
        "topics": dept["topics"],
        "measures": dept["measures"],
        "statements": dept["statements"],
    }


def slack_digest(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A Slack message of the digest: the headline rates and the statements (escaped)."""
    who = slack_escape(payload["name"])
    if payload["department"]:
        who += f" / {slack_escape(payload['department'])}"
    title = f"{who}: {payload['span']['label']} ({payload['span']['first_day']} to "
    title += f"{payload['span']['last_day']})"
    lines = [f"*{title}*"]
    for m in payload["measures"]:
        label = LABELS.get(m["name"], m["name"])
        lines.append(
            f"• {label}: *{format_value(m)}* (n={m['n']:,}; "
            f"{format_change(m, 'previous')} vs {payload['previous']['label']}, "
            f"{format_change(m, 'year_ago')} vs {payload['year_ago']['label']})"
        )
    for kind in ("negative", "positive"):
        for s in payload["statements"].get(kind, [])[:3]:
            text = slack_escape(truncate(one_line(s["text"]), 280))
            lines.append(f"> {text}\n_{kind}, reach {s['reach']:,}, {s['platform']}_")
    lines.append("_* beyond noise at its sample size; (noise) not_")
    text = "\n".join(lines)
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}],
    }


async def send(
    session: aiohttp.ClientSession,
    route: DigestRoute,
    payload: Mapping[str, Any],
    *,
    attempts: int = 3,
) -> None:
    """POST one digest on ``route`` (retried with a short backoff); raises on failure."""
    r = route.route
    if r.format == "slack":
        body = orjson.dumps(slack_digest(payload))
        headers = base_headers(r)
    else:
        body = encode_alert(payload)
        headers = webhook_headers(
            r,
            body,
            event="digest",
            alert_id=payload["id"],
            delivery_id=delivery_id(payload["id"]),
        )
    timeout = aiohttp.ClientTimeout(total=r.timeout_seconds)
    last: Exception | None = None
    for attempt in range(attempts):
        try:
            async with session.post(
                r.url.get_secret_value(), data=body, headers=headers, timeout=timeout
            ) as response:
                if response.status < 300:
                    return
                last = RuntimeError(f"HTTP {response.status}")
                if response.status < 500 and response.status != 429:
                    break
        except (aiohttp.ClientError, TimeoutError) as exc:
            last = exc
        if attempt + 1 < attempts:
            await asyncio.sleep(0.5 * 2**attempt)
    raise RuntimeError(f"digest {payload['id']} to {r.redacted_url}: {last}")
