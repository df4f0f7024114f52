"""Slack messages for alerts: their shape, escaping, truncation and sample posts."""

from __future__ import annotations

import json
from typing import Any

from streams.alerts.slack import slack_escape, slack_payload
from tests.streams.alerts.support import (
    ALERT,
    make_alert,
)


def all_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_slack_payload_shape() -> None:
    payload = slack_payload(ALERT)
    assert payload["text"] == (
        ":rotating_light: Acme — negative surge (major): "
        "42 negative mentions in 1 min vs 6.1 expected"
    )
    blocks = payload["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "context"]
    assert blocks[0]["text"] == {
        "type": "plain_text",
        "text": ":rotating_light: Acme — negative surge (major)",
        "emoji": True,
    }
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert fields == [
        "*Observed*\n42 negative mentions in 1 min",
        "*Expected*\n6.1",
        "*Negative share*\n81% (usually 18%)",
        "*Volume*\n52 mentions (usually 31)",
        "*Languages*\nen 30 · es 12 · ar 5 · +1 more",
    ]
    samples = blocks[2]["text"]["text"].split("\n")
    assert samples[0] == "*Sample posts*"
    assert samples[1].startswith("• <https://x/1|@ana> (1,234 followers, en): ")
    assert len(samples) == 4
    context = blocks[3]["elements"][0]["text"]
    assert "acme:2026-11-01T12:03:00Z" in context
    assert "2026-11-01 12:03 to 12:04 UTC" in context


def test_slack_escapes_control_characters() -> None:
    payload = slack_payload(ALERT)
    line = payload["blocks"][2]["text"]["text"].split("\n")[1]
    assert line.endswith(": Acme &amp; co &lt;!channel&gt; never again &gt; worst")
    assert "<!channel>" not in all_text(payload)
    assert slack_escape("a & b < c > d &amp;") == "a &amp; b &lt; c &gt; d &amp;amp;"


def test_slack_escapes_brand_and_links() -> None:
    alert = make_alert(
        brand_name="AT&T <Ops>",
        samples=[
            {"url": "https://x/?a=1&b=2|3", "text": "hi", "author": "<@U123>"},
            {"url": "javascript:alert(1)", "text": "no link", "author": "@eve"},
        ],
    )
    payload = slack_payload(alert)
    assert payload["text"].startswith(":rotating_light: AT&amp;T &lt;Ops&gt; — ")
    assert payload["blocks"][0]["text"]["text"].startswith(":rotating_light: AT&T <Ops> — ")
    lines = payload["blocks"][2]["text"]["text"].split("\n")
    assert lines[1] == "• <https://x/?a=1&amp;b=2%7C3|&lt;@U123&gt;>: hi"
    assert lines[2] == "• @eve: no link"


def test_slack_keeps_any_script_and_truncates_by_characters() -> None:
    arabic = "خدمة أكمي سيئة جدا 😡"
    long_text = "Очень плохо " * 50
    alert = make_alert(
        samples=[
            {"url": "https://x/1", "text": arabic, "author": "@salim"},
            {"url": "https://x/2", "text": "最悪のサービス", "author": "@yuki"},
            {"url": "https://x/3", "text": long_text, "author": "@ivan"},
        ]
    )
    lines = slack_payload(alert, sample_chars=100)["blocks"][2]["text"]["text"].split("\n")
    assert lines[1].endswith(": " + arabic)
    assert lines[2].endswith(": 最悪のサービス")
    cut = lines[3].split(": ", 1)[1]
    assert cut.endswith("…")
    assert len(cut) <= 100
    assert long_text.startswith(cut[:-1])


def test_slack_truncation_keeps_combining_marks_with_their_base() -> None:
    text = "e\u0301" * 150  # "é" as e + combining acute
    alert = make_alert(samples=[{"url": "https://x/1", "text": text, "author": "@a"}])
    cut = slack_payload(alert, sample_chars=101)["blocks"][2]["text"]["text"].split(": ", 1)[1]
    assert cut.endswith("\u0301…")
    assert len(cut) <= 101


def test_slack_sample_count() -> None:
    samples = [{"url": f"https://x/{i}", "text": f"post {i}", "author": "@a"} for i in range(9)]
    alert = make_alert(samples=samples)

    def count(**kw: Any) -> int:
        blocks = slack_payload(alert, **kw)["blocks"]
        return sum(
            b["text"]["text"].count("\n• ")
            for b in blocks
            if b["type"] == "section" and "text" in b
        )

    assert count() == 3
    assert count(max_samples=5) == 5
    assert count(max_samples=50) == 5
    assert [b["type"] for b in slack_payload(alert, max_samples=0)["blocks"]] == [
        "header",
        "section",
        "context",
    ]


def test_slack_updated_and_resolved_are_distinct() -> None:
    updated = slack_payload(make_alert(event="updated", sequence=3, severity="critical"))
    assert updated["text"].startswith(":sos: Update: Acme — negative surge (critical): ")
    assert "update #2" in updated["blocks"][-1]["elements"][0]["text"]
    reopened = slack_payload(make_alert(event="reopened", sequence=4))
    assert reopened["text"].startswith(":rotating_light: Reopened: Acme — negative surge")

    resolved_at = "2026-11-01T12:15:00Z"
    resolved = slack_payload(
        make_alert(event="resolved", status="resolved", resolved_at=resolved_at, observed=5)
    )
    assert resolved["text"] == (
        ":white_check_mark: Resolved: Acme — negative surge (was major), "
        "back to normal after 12 min"
    )
    blocks = resolved["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "context"]
    assert blocks[0]["text"]["text"] == ":white_check_mark: Resolved: Acme — negative surge"
    assert "Sample posts" not in all_text(resolved)
    assert "resolved 2026-11-01 12:15 UTC" in blocks[1]["text"]["text"]


def test_slack_payload_tolerates_missing_fields() -> None:
    payload = slack_payload({})
    assert payload["text"]
    assert payload["blocks"][0]["type"] == "header"
    payload = slack_payload({"event": "resolved", "window": "bad", "samples": "bad"})
    assert "Resolved" in payload["text"]
