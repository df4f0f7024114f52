"""Slack incoming-webhook messages for alerts: what a human reads in the channel.

:func:`slack_payload` turns an alert into a ``text`` fallback plus Block Kit ``blocks``;
every user-supplied string goes through :func:`slack_escape`, so a post can neither ping a
channel nor forge a link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from streams.alerts.explanation import explanation_lines, first_post
from streams.alerts.text import one_line, truncate

__all__ = ["slack_escape", "slack_payload"]


def slack_escape(text: str) -> str:
    """Escape Slack's control characters (``&``, ``<``, ``>``); everything else is kept."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _num(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value) if value is not None else "?"
    if isinstance(value, int):
        return f"{value:,}"
    if value != value or value in (float("inf"), float("-inf")):  # NaN / inf
        return str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1 or value == 0:
        text = f"{value:.1f}"
        return text[:-2] if text.endswith(".0") else text
    return f"{value:.2f}"


def _pct(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "?"
    return f"{value * 100:.0f}%"


def _duration(seconds: object) -> str:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        return "?"
    s = float(seconds)
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if s >= size:
            amount = s / size
            text = f"{amount:.0f}" if amount.is_integer() or amount >= 10 else f"{amount:.1f}"
            return f"{text} {unit}"
    return f"{s:.0f} s"


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _time_label(value: object) -> str:
    parsed = _parse_time(value)
    if parsed is None:
        return slack_escape(str(value)) if value else "?"
    return f"{parsed:%Y-%m-%d %H:%M} UTC"


def _window_label(window: Mapping[str, Any]) -> str:
    start, end = _parse_time(window.get("start")), _parse_time(window.get("end"))
    if start is None or end is None:
        return "?"
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M} to {end:%H:%M} UTC"
    return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"


def _slack_link(url: object, label: str) -> str:
    """``<url|label>`` for an http(s) URL (``label`` already escaped), else just ``label``."""
    if not isinstance(url, str) or len(url) > 1000 or any(c.isspace() for c in url):
        return label
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        return label
    if scheme not in ("http", "https"):
        return label
    return f"<{slack_escape(url).replace('|', '%7C')}|{label}>"


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


_SEVERITY_EMOJI = {"warning": ":warning:", "major": ":rotating_light:", "critical": ":sos:"}
_KIND_LABEL = {"coordinated": "coordinated campaign"}


def _why(alert: Mapping[str, Any]) -> list[str]:
    """The explanation's lines, Slack-escaped; the first post's author links to the post."""
    explanation = _mapping(alert.get("explanation"))
    lines = []
    for line in explanation_lines(explanation):
        text = slack_escape(line)
        if line.startswith("First post: "):
            link = _slack_link(first_post(explanation).get("url"), "open")
            if link != "open":
                text += f" ({link})"
        lines.append(text)
    return lines


def slack_payload(
    alert: Mapping[str, Any], *, max_samples: int = 3, sample_chars: int = 200
) -> dict[str, Any]:
    """The Slack incoming-webhook message for an alert: a ``text`` fallback plus ``blocks``.

    ``opened``/``updated`` show observed vs expected, negative share, volume, top languages,
    the alert's ``explanation`` when it has one (why: a coordinated campaign, the rising
    terms, the sentiment shift, the first post, the copied text, where, capped authors; its
    first line also ends the fallback text) and up to ``max_samples`` (at most 5) sample
    posts as links, their text truncated to ``sample_chars`` characters; ``resolved`` is a
    short "back to normal" message. All user-supplied text is Slack-escaped (``&``, ``<``,
    ``>``), so a post cannot ping ``<!channel>`` or forge links; any script is kept as is.
    """
    event = str(alert.get("event") or "opened")
    brand_plain = one_line(str(alert.get("brand_name") or alert.get("brand") or "unknown brand"))
    brand = slack_escape(brand_plain)
    kind_raw = str(alert.get("kind") or "alert")
    kind_plain = one_line(_KIND_LABEL.get(kind_raw, kind_raw.replace("_", " ")))
    kind = slack_escape(kind_plain)
    severity_plain = one_line(str(alert.get("severity") or "warning"))
    severity = slack_escape(severity_plain)
    signal = slack_escape(str(alert.get("signal") or "mentions").replace("_", " "))
    window = _mapping(alert.get("window"))
    span = _duration(window.get("seconds"))
    observed, expected = _num(alert.get("observed")), _num(alert.get("expected"))
    alert_id = slack_escape(str(alert.get("id") or "?"))

    if event == "resolved":
        opened_at = _parse_time(alert.get("opened_at"))
        resolved_at = _parse_time(alert.get("resolved_at") or alert.get("updated_at"))
        lasted = (
            _duration((resolved_at - opened_at).total_seconds())
            if opened_at is not None and resolved_at is not None
            else "?"
        )
        text = (
            f":white_check_mark: Resolved: {brand} — {kind} (was {severity}), "
            f"back to normal after {lasted}"
        )
        body = (
            f"Back to normal after *{lasted}* (opened {_time_label(alert.get('opened_at'))}, "
            f"resolved {_time_label(alert.get('resolved_at') or alert.get('updated_at'))}). "
            f"Severity was *{severity}*."
        )
        if alert.get("observed") is not None:
            body += f"\nLast window: {observed} {signal} in {span} vs {expected} expected."
        header = f":white_check_mark: Resolved: {brand_plain} — {kind_plain}"
        blocks: list[dict[str, Any]] = [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": truncate(header, 150), "emoji": True},
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": truncate(body, 3000)}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Alert `{alert_id}`"}]},
        ]
        return {"text": truncate(text, 3000), "blocks": blocks}

    emoji = _SEVERITY_EMOJI.get(severity_plain, ":rotating_light:")
    prefix = {"updated": "Update: ", "reopened": "Reopened: "}.get(event, "")
    text = (
        f"{emoji} {prefix}{brand} — {kind} ({severity}): {observed} {signal} in {span} "
        f"vs {expected} expected"
    )
    why = _why(alert)
    if why:
        text += f". {why[0]}"
    header = f"{emoji} {prefix}{brand_plain} — {kind_plain} ({severity_plain})"

    fields = [
        {"type": "mrkdwn", "text": f"*Observed*\n{observed} {signal} in {span}"},
        {"type": "mrkdwn", "text": f"*Expected*\n{expected}"},
    ]
    share = _mapping(alert.get("negative_share"))
    if share:
        fields.append(
            {
                "type": "mrkdwn",
                "text": f"*Negative share*\n{_pct(share.get('observed'))} "
                f"(usually {_pct(share.get('expected'))})",
            }
        )
    volume = _mapping(alert.get("volume"))
    if volume:
        fields.append(
            {
                "type": "mrkdwn",
                "text": f"*Volume*\n{_num(volume.get('observed'))} mentions "
                f"(usually {_num(volume.get('expected'))})",
            }
        )
    languages = _mapping(alert.get("languages"))
    counted = [
        (str(k), v)
        for k, v in languages.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    if counted:
        counted.sort(key=lambda kv: (-kv[1], kv[0]))
        top = " · ".join(f"{slack_escape(k)} {_num(v)}" for k, v in counted[:3])
        if len(counted) > 3:
            top += f" · +{len(counted) - 3} more"
        fields.append({"type": "mrkdwn", "text": f"*Languages*\n{truncate(top, 1900)}"})

    blocks = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": truncate(header, 150), "emoji": True},
        },
        {"type": "section", "fields": fields},
    ]

    if why:
        section = "*Why*"
        for line in why:  # whole lines only, as for the samples
            if len(section) + 3 + len(line) <= 3000:
                section += "\n• " + line
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": section}})

    samples = alert.get("samples")
    lines: list[str] = []
    if isinstance(samples, Sequence) and not isinstance(samples, str):
        for sample in list(samples)[: max(0, min(max_samples, 5))]:
            if not isinstance(sample, Mapping):
                continue
            author = slack_escape(truncate(one_line(str(sample.get("author") or "post")), 80))
            meta = []
            followers = sample.get("followers")
            if isinstance(followers, int) and not isinstance(followers, bool):
                meta.append(f"{followers:,} followers")
            if sample.get("lang"):
                meta.append(slack_escape(str(sample["lang"])))
            post = slack_escape(truncate(one_line(str(sample.get("text") or "")), sample_chars))
            about = f" ({', '.join(meta)})" if meta else ""
            lines.append(f"• {_slack_link(sample.get('url'), author)}{about}: {post}")
    section = "*Sample posts*"
    for line in lines:  # whole lines only: a section holds at most 3000 characters
        if len(section) + 1 + len(line) <= 3000:
            section += "\n" + line
    if section != "*Sample posts*":
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": section}})

    context = [f"Alert `{alert_id}`"]
    if _window_label(window) != "?":
        context.append(f"window {_window_label(window)}")
    score = alert.get("score")
    if isinstance(score, int | float) and not isinstance(score, bool):
        context.append(f"score {score:.2f}")
    if event == "updated" and isinstance(alert.get("sequence"), int):
        context.append(f"update #{alert['sequence'] - 1}")
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]}
    )
    return {"text": truncate(text, 3000), "blocks": blocks}
