"""Keeping a library's method aside when the worker patches it (every patch of the worker:
``streams.pipeline.app``, ``.producer``, ``.seeks``, ``.continuity``)."""

from __future__ import annotations

from typing import Any


def original(cls: type, name: str) -> Any:
    """``cls.name`` as the library defines it, kept aside the first time it is patched (so that
    patching again, as the tests do, never wraps a wrapper)."""
    kept = f"_buzzwire_original_{name}"
    if kept not in cls.__dict__:
        setattr(cls, kept, getattr(cls, name))
    return getattr(cls, kept)
