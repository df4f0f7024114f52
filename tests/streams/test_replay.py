from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import orjson

from streams.replay import count_messages, iter_messages, key_and_value, write_csv


def test_jsonl_lines_are_sent_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_bytes(b'{"id": "a", "text": "x", "created_at": 1}\n\n{"id": broken\n')
    values = list(iter_messages(path))
    assert values == [b'{"id": "a", "text": "x", "created_at": 1}', b'{"id": broken']
    assert count_messages(path) == 2


def test_key_is_the_mention_id_and_broken_lines_have_none() -> None:
    key, value = key_and_value(b'{"id": "tw-9", "text": "hi"}', live=False, now=0)
    assert key == b"tw-9" and value == b'{"id": "tw-9", "text": "hi"}'
    assert key_and_value(b'{"id": broken', live=False, now=0) == (None, b'{"id": broken')
    assert key_and_value(b"[1]", live=False, now=0) == (None, b"[1]")


def test_live_moves_plausible_timestamps_to_now_only() -> None:
    now = 1_790_000_000.0
    _, value = key_and_value(
        b'{"id": "a", "created_at": "2026-01-01T00:00:00Z"}', live=True, now=now
    )
    moved = datetime.fromisoformat(orjson.loads(value)["created_at"])
    assert moved == datetime.fromtimestamp(now, tz=UTC)
    raw = b'{"id": "a", "created_at": "2100-01-01T00:00:00Z"}'
    assert key_and_value(raw, live=True, now=now)[1] == raw


def test_csv_round_trip_nests_dotted_columns(tmp_path: Path) -> None:
    rows = [
        {
            "id": "r1",
            "text": "Acme, hola",
            "created_at": "2026-11-01T00:00:00Z",
            "author": {"handle": "@ana", "followers": 12},
            "engagement": {"likes": 2, "shares": 0, "replies": 1},
        },
        {"id": "r2", "text": "sin marca", "created_at": "2026-11-01T00:00:01Z"},
    ]
    buf = io.StringIO()
    write_csv(rows, buf)
    path = tmp_path / "m.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    decoded = [orjson.loads(v) for v in iter_messages(path)]
    assert decoded == rows
    assert count_messages(path) == 2
