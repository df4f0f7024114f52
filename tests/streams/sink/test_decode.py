"""A sink record to rows, or the reason it cannot be stored."""

from __future__ import annotations

import orjson
import pytest

from streams.sink.decode import decode
from streams.store.rows import RowError
from tests.streams.store.factories import alert, brand_benchmark, enriched


def test_each_topic_kind_decodes_to_its_rows() -> None:
    mention = decode("mention", orjson.dumps(enriched("m1")), source="src")
    assert mention.kind == "mention" and mention.source == "src"
    assert decode("alert", orjson.dumps(alert("a:1", 1))).kind == "alert"
    assert decode("benchmark", orjson.dumps(brand_benchmark(1793541600, 3))).kind == "benchmark"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty_message"),
        (b"", "empty_message"),
        (b"\xff\xfe", "not_json"),
        (b"{", "not_json"),
        (b'"a string"', "not_object"),
        (orjson.dumps({"id": "x"}), "invalid_timestamp"),
    ],
)
def test_what_cannot_be_stored_says_why(value: bytes | None, reason: str) -> None:
    with pytest.raises(RowError) as caught:
        decode("mention", value)
    assert caught.value.reason == reason
