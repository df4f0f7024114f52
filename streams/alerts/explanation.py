"""An alert's ``explanation`` as a few lines a person reads in ten seconds (pure).

The explanation is the dict the crisis side puts in an alert (its fields are in
docs/crisis-detection.md#explanations): here it is read defensively (any field may be missing
or of the wrong type: an alert from an older worker has none) and turned into plain-text lines,
most telling first:

    Coordinated campaign: 62% of the posts are copies of one text (148 copies)
    Rising: "outage" (en), #acmedown, "caído" (es)
    Sentiment: 72% negative (usually 21%)
    First post: @ana, 14:00 UTC: "my internet is down again…"
    Copied text: "the ceo lied to all of us…" (149 posts)
    Where: en 30 · es 12 · id 6 — on x 30 · reddit 4
    Capped: 12 posts beyond 3 per author

Slack escapes and links them (``streams.alerts.slack``); the webhook body carries them as
``explanation.summary`` (``streams.alerts.webhook.encode_alert``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from streams.alerts.text import one_line, truncate

__all__ = ["explanation_lines", "first_post"]


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _seq(value: object) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, str | bytes) else ()


def _num(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _pct(value: object) -> str | None:
    v = _num(value)
    return None if v is None else f"{v * 100:.0f}%"


def _counts(value: object, n: int = 3) -> str:
    counted = [(str(k), v) for k, v in _map(value).items() if _num(v) is not None]
    counted.sort(key=lambda kv: (-kv[1], kv[0]))
    return " · ".join(f"{k} {v:,.0f}" for k, v in counted[:n])


def _quote(text: object, chars: int) -> str:
    return f'"{truncate(one_line(str(text)), chars)}"'


def _term(item: Mapping[str, Any]) -> str | None:
    term = item.get("term")
    if not isinstance(term, str) or not term:
        return None
    kind = item.get("kind")
    shown = term if kind in ("hashtag", "handle") or term[:1] in "#@" else f'"{term}"'
    lang = item.get("lang")
    return f"{shown} ({lang})" if isinstance(lang, str) and lang and shown[:1] == '"' else shown


def _time(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return f"{parsed.astimezone(UTC):%H:%M} UTC"


def first_post(explanation: Mapping[str, Any]) -> Mapping[str, Any]:
    """The explanation's first post (empty when it has none)."""
    return _map(explanation.get("first_post"))


def explanation_lines(explanation: object, *, terms: int = 4, quote_chars: int = 120) -> list[str]:
    """Plain-text lines of an explanation (none for anything that is not one)."""
    ex = _map(explanation)
    if not ex:
        return []
    lines: list[str] = []
    dup = _map(ex.get("duplicates"))
    share = _num(dup.get("share"))
    copies = _num(dup.get("copies")) or 0.0
    clusters = [c for c in _seq(dup.get("clusters")) if isinstance(c, Mapping)]
    if ex.get("coordinated") is True:
        texts = "one text" if len(clusters) <= 1 else f"{len(clusters)} texts"
        lines.append(
            f"Coordinated campaign: {_pct(share) or '?'} of the posts are copies of {texts} "
            f"({copies:,.0f} copies); not counted as an organic crisis"
        )
    rising = [t for t in (_term(_map(i)) for i in _seq(ex.get("terms"))[:terms]) if t]
    if rising:
        lines.append("Rising: " + ", ".join(rising))
    negative = _map(_map(ex.get("sentiment")).get("negative_share"))
    now, before = _pct(negative.get("now")), _pct(negative.get("before"))
    if now is not None:
        lines.append(f"Sentiment: {now} negative" + (f" (usually {before})" if before else ""))
    post = first_post(ex)
    if post.get("text"):
        who = [str(post["author"])] if post.get("author") else []
        when = _time(post.get("created_at"))
        if when:
            who.append(when)
        lines.append(
            f"First post: {', '.join(who) + ': ' if who else ''}{_quote(post['text'], quote_chars)}"
        )
    if clusters and (ex.get("coordinated") is True or (share or 0.0) >= 0.1):
        top = clusters[0]
        size = _num(top.get("size"))
        if top.get("text"):
            lines.append(
                f"Copied text: {_quote(top['text'], quote_chars)}"
                + (f" ({size:,.0f} posts)" if size else "")
            )
    elif share is not None and share > 0 and ex.get("coordinated") is not True:
        lines.append(f"Near-duplicate copies: {_pct(share)} of the posts")
    where = _counts(ex.get("languages"))
    platforms = _counts(ex.get("platforms"))
    if where or platforms:
        lines.append(
            "Where: " + " — on ".join(part for part in (where, platforms) if part)
            if where
            else f"On: {platforms}"
        )
    authors = _map(ex.get("authors"))
    capped, cap = _num(authors.get("capped")), _num(authors.get("cap"))
    if capped:
        lines.append(f"Capped: {capped:,.0f} posts beyond {cap or 0:,.0f} per author")
    return lines
