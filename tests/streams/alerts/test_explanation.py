"""An alert's explanation in words: the lines, in Slack and in the webhook body."""

from __future__ import annotations

import json
from typing import Any

import orjson

from streams.alerts.explanation import explanation_lines
from streams.alerts.slack import slack_payload
from streams.alerts.webhook import encode_alert
from tests.streams.alerts.support import ALERT, make_alert

CRISIS: dict[str, Any] = {
    "coordinated": False,
    "terms": [
        {"term": "outage", "kind": "term", "lang": "en", "count": 31.2, "z": 9.1},
        {"term": "#acmedown", "kind": "hashtag", "lang": None, "count": 20.0, "z": 7.0},
        {"term": "caído", "kind": "term", "lang": "es", "count": 8.0, "z": 4.2},
    ],
    "terms_by_language": {"en": ["outage"], "es": ["caído"]},
    "first_post": {
        "id": "tw-1",
        "url": "https://x/1",
        "text": "my internet is down <!channel> again\nthird time",
        "author": "@ana",
        "created_at": "2026-11-01T14:00:07.000Z",
    },
    "top_posts": ["tw-9"],
    "sentiment": {
        "negative_share": {"before": 0.21, "now": 0.72},
        "net": {"before": 0.1, "now": -0.6},
    },
    "languages": {"en": 30, "es": 12, "id": 6, "hr": 1},
    "platforms": {"x": 30, "reddit": 4},
    "duplicates": {"share": 0.02, "copies": 1, "clusters": []},
    "authors": {"capped": 4, "cap": 3},
    "organic": {"mentions": 45, "negative": 33, "share": 0.92},
}

CAMPAIGN: dict[str, Any] = {
    **CRISIS,
    "coordinated": True,
    "terms": [],
    "duplicates": {
        "share": 0.62,
        "copies": 148,
        "clusters": [
            {
                "id": 7,
                "copies": 148,
                "size": 149,
                "text": "the ceo lied to all of us & more",
                "author": "@bot1",
                "url": "https://x/7",
            }
        ],
    },
    "authors": {"capped": 0, "cap": 3},
}


def test_lines_of_an_organic_crisis() -> None:
    assert explanation_lines(CRISIS) == [
        'Rising: "outage" (en), #acmedown, "caído" (es)',
        "Sentiment: 72% negative (usually 21%)",
        'First post: @ana, 14:00 UTC: "my internet is down <!channel> again third time"',
        "Near-duplicate copies: 2% of the posts",
        "Where: en 30 · es 12 · id 6 — on x 30 · reddit 4",
        "Capped: 4 posts beyond 3 per author",
    ]


def test_lines_of_a_coordinated_campaign_lead_with_it() -> None:
    lines = explanation_lines(CAMPAIGN)
    assert lines[0] == (
        "Coordinated campaign: 62% of the posts are copies of one text (148 copies); "
        "not counted as an organic crisis"
    )
    assert 'Copied text: "the ceo lied to all of us & more" (149 posts)' in lines
    assert not any(line.startswith("Rising") or line.startswith("Capped") for line in lines)


def test_lines_tolerate_junk_and_absence() -> None:
    assert explanation_lines(None) == []
    assert explanation_lines("why") == []
    assert explanation_lines({}) == []
    junk = {
        "terms": "x",
        "sentiment": [],
        "duplicates": {"clusters": [1, None]},
        "first_post": {"text": 5},
        "languages": {"en": "many"},
        "coordinated": "yes",
    }
    assert explanation_lines(junk) == ['First post: "5"']
    long = {"first_post": {"text": "a" * 500}}
    assert len(explanation_lines(long)[0]) < 140


def test_slack_shows_why_escaped_with_a_link_to_the_first_post() -> None:
    payload = slack_payload(make_alert(explanation=CRISIS))
    blocks = payload["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "context"]
    why = blocks[2]["text"]["text"].split("\n")
    assert why[0] == "*Why*"
    assert why[1] == '• Rising: "outage" (en), #acmedown, "caído" (es)'
    assert why[3] == (
        '• First post: @ana, 14:00 UTC: "my internet is down &lt;!channel&gt; again third time"'
        " (<https://x/1|open>)"
    )
    assert "<!channel>" not in json.dumps(payload, ensure_ascii=False)
    assert payload["text"].endswith('. Rising: "outage" (en), #acmedown, "caído" (es)')


def test_slack_names_a_coordinated_campaign() -> None:
    payload = slack_payload(make_alert(kind="coordinated", explanation=CAMPAIGN))
    assert "coordinated campaign" in payload["blocks"][0]["text"]["text"]
    assert "Coordinated campaign: 62%" in payload["text"]
    assert "&amp; more" in payload["blocks"][2]["text"]["text"]


def test_slack_without_explanation_is_unchanged() -> None:
    assert "Why" not in json.dumps(slack_payload(ALERT))
    assert slack_payload(make_alert(explanation=None)) == slack_payload(ALERT)


def test_webhook_body_carries_the_summary() -> None:
    body = orjson.loads(encode_alert(make_alert(explanation=CRISIS)))
    assert body["explanation"]["terms"] == CRISIS["terms"]
    assert body["explanation"]["summary"] == explanation_lines(CRISIS)
    # without an explanation the body is the alert as it was
    assert encode_alert(ALERT) == orjson.dumps(ALERT)
