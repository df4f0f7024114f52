"""Durations as people write them in settings: ``90s``, ``5m``, ``1h``, ``7d``, ``2w``."""

from __future__ import annotations

import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^(\d+)([smhdw])$")


def parse_duration(text: str) -> int:
    """Seconds in ``text``; raises ValueError with the reason."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 90s, 5m, 1h, 7d")
    return int(match.group(1)) * _UNITS[match.group(2)]


def parse_hopping(text: str) -> list[tuple[str, int, int]]:
    """``"1h:5m,24h:1h"`` -> ``[(name, size, hop), ...]`` in seconds (size:hop; the size must be a
    multiple of the hop; a missing hop is a twelfth of the size). Raises ValueError."""
    specs: list[tuple[str, int, int]] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, hop_text = part.partition(":")
        size = parse_duration(name)
        hop = parse_duration(hop_text) if hop_text else max(1, size // 12)
        if size % hop:
            raise ValueError(f"window {part!r}: the size must be a multiple of the hop")
        specs.append((name.strip(), size, hop))
    if not specs:
        raise ValueError("no window given")
    if len({name for name, _, _ in specs}) != len(specs):
        raise ValueError(f"windows repeat a name: {text!r}")
    return specs
