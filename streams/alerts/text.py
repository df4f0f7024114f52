"""Text shaping for messages people read: whitespace folded to one line, and truncation by
characters that never splits a grapheme's marks from their base.

Used for Slack messages and for the snippets of receiver answers in dead letters.
"""

from __future__ import annotations

import unicodedata

__all__ = ["one_line", "truncate"]

_JOINERS = frozenset("\u200d\ufe0e\ufe0f")


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters (code points, not bytes), ending in "…" when cut; never
    separates a combining mark, variation selector or zero-width joiner from its base."""
    if len(text) <= limit:
        return text
    cut = max(limit - 1, 0)
    while cut > 0 and (
        unicodedata.combining(text[cut]) or text[cut] in _JOINERS or text[cut - 1] == "\u200d"
    ):
        cut -= 1
    return text[:cut].rstrip() + "…"


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) folded into one space."""
    return " ".join(text.split())
