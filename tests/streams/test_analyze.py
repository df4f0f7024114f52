from __future__ import annotations

import io

import orjson

from streams.analyze import analyze_stream
from streams.pipeline.runtime import Runtime


def run(runtime: Runtime, data: bytes, batch_size: int = 3) -> tuple[list[dict], str, object]:
    dst = io.BytesIO()
    err = io.StringIO()
    stats = analyze_stream(io.BytesIO(data), dst, runtime, batch_size=batch_size, errors=err)
    rows = [orjson.loads(line) for line in dst.getvalue().splitlines()]
    return rows, err.getvalue(), stats


def test_scores_in_input_order_and_keeps_fields(small_runtime: Runtime) -> None:
    lines = [
        {"id": 1, "text": "I love it, great service, thank you", "extra": {"k": [1, 2]}},
        {"id": 2, "text": "horrible, pésimo servicio, odio esto"},
        {"id": 3, "text": "toko buka jam sembilan hari senin", "lang": "id"},
        {"id": 4, "text": "terrible, awful, worst service ever, I hate it"},
    ]
    data = b"".join(orjson.dumps(x) + b"\n" for x in lines)
    rows, err, stats = run(small_runtime, data)
    assert [r["id"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["extra"] == {"k": [1, 2]}
    assert [r["sentiment"] for r in rows] == ["positive", "negative", "neutral", "negative"]
    assert rows[0]["lang"] == "en" and rows[1]["lang"] == "es"
    assert rows[2]["lang"] == "id" and rows[2]["lang_confidence"] == 1.0  # collector tag kept
    for r in rows:
        assert set(r["sentiment_scores"]) == {"negative", "neutral", "positive"}
        assert abs(sum(r["sentiment_scores"].values()) - 1) < 1e-3
        assert 0 <= r["lang_confidence"] <= 1
    assert err == "" and stats.scored == 4 and stats.errors == 0


def test_bad_lines_pass_through_with_their_line_number(small_runtime: Runtime) -> None:
    data = (
        b'{"text": "excellent, amazing, the best"}\n'
        b'{"text": "unterminated\n'
        b"\n"
        b"[1, 2]\n"
        b'{"id": "no-text"}\n'
        b'{"text": 42}\n'
        b'{"text": "bad, broken again, so angry"}\n'
    )
    rows, err, stats = run(small_runtime, data, batch_size=2)
    assert len(rows) == 6  # the blank line is skipped, nothing else is lost
    assert rows[0]["sentiment"] == "positive" and rows[5]["sentiment"] == "negative"
    assert rows[1]["line"] == 2 and rows[1]["error"].startswith("not JSON")
    assert rows[1]["raw"] == '{"text": "unterminated'
    assert rows[2] == {"line": 4, "error": "not a JSON object", "raw": [1, 2]}
    assert rows[3] == {"id": "no-text", "line": 5, "error": "missing field: text"}
    assert rows[4]["line"] == 6 and rows[4]["error"] == "text is not a string"
    assert "sentiment" not in rows[3]
    assert err.splitlines() == [
        f"line 2: {rows[1]['error']}",
        "line 4: not a JSON object",
        "line 5: missing field: text",
        "line 6: text is not a string",
    ]
    assert (stats.lines, stats.scored, stats.errors) == (6, 2, 4)
