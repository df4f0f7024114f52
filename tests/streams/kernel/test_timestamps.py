"""Event times as collectors send them, and the one form buzzwire writes."""

from __future__ import annotations

import pytest

from streams.kernel.timestamps import iso_utc, parse_timestamp

T = 1_790_000_000.0  # 2026-09-21T...Z


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (T, T),
        (int(T), T),
        (T * 1000, T),  # epoch milliseconds
        (str(int(T)), T),
        (iso_utc(T), T),
        (iso_utc(T).replace("Z", "+00:00"), T),
        (iso_utc(T).replace("Z", "").replace("T", " "), T),  # naive: UTC
        ("  " + iso_utc(T) + "\n", T),  # surrounding whitespace
    ],
)
def test_epochs_and_iso_dates(value: object, expected: float) -> None:
    assert parse_timestamp(value) == pytest.approx(expected)


def test_a_date_is_never_read_as_milliseconds() -> None:
    # the year 6000 is past the epoch-milliseconds threshold (1e11 s), but a date is a date
    assert parse_timestamp("6000-01-01T00:00:00Z") > 1e11
    assert iso_utc(parse_timestamp("6000-01-01T00:00:00Z")).startswith("6000-01-01")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (iso_utc(T) + "\x00", "control characters"),
        ("2026-11-01\x01T12:00:00Z", "control characters"),
        ("", "empty"),
        ("yesterday", "neither ISO 8601 nor an epoch number"),
        ("nan", "not a finite number"),
        (float("inf"), "not a finite number"),
        (True, "boolean"),
        ([1], "type list"),
    ],
)
def test_refusals_say_what_is_wrong(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_timestamp(value, "created_at")
