"""CSV rows in the mention record's shape: dotted headers nest (``author.handle`` ->
``{"author": {"handle": ...}}``), the count columns become integers, empty cells are left out.
Shared by ``buzzwire replay`` and ``buzzwire import``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["INT_COLUMNS", "nest_row"]

#: Columns read as integers (a cell that is not one is kept as text, for validation to refuse).
INT_COLUMNS = frozenset(
    {"author.followers", "engagement.likes", "engagement.shares", "engagement.replies"}
)


def nest_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """The mention object of one CSV row (header -> cell)."""
    out: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None or cell is None or cell == "":
            continue
        value: Any = cell
        if column in INT_COLUMNS:
            try:
                value = int(cell)
            except ValueError:
                value = cell  # left for the pipeline to reject with a clear reason
        target = out
        parts = column.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return out
