"""The demo's live view: the alerts panel says why an alert fired."""

from __future__ import annotations

from typing import Any

import orjson
from rich.console import Console

from streams.devstack.demo import Summary, _alerts_panel


def _alert(**extra: Any) -> dict[str, Any]:
    return {
        "window": {"start": "2026-11-01T14:00:00.000Z"},
        "brand": "acme",
        "kind": "negative_surge",
        "severity": "major",
        "event": "opened",
        "observed": 34.0,
        "expected": 2.2,
        "score": 0.71,
        "samples": [{"text": "Acme support ignored me", "lang": "en"}],
        **extra,
    }


def _render(summary: Summary) -> str:
    console = Console(record=True, width=200)
    console.print(_alerts_panel(summary))
    return console.export_text()


def test_the_alerts_panel_shows_the_explanation_or_else_the_top_post() -> None:
    summary = Summary()
    why = {
        "coordinated": False,
        "terms": [{"term": "outage", "lang": "en", "z": 9.1}],
        "sentiment": {"negative_share": {"before": 0.2, "now": 0.7}},
    }
    summary.add_alert(orjson.dumps(_alert(explanation=why)))
    text = _render(summary)
    assert '"outage"' in text and "70% negative" in text
    assert "Acme support ignored me" not in text

    plain = Summary()
    plain.add_alert(orjson.dumps(_alert()))
    assert "[en] Acme support ignored me" in _render(plain)
