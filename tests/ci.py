"""Skip or fail when a test lacks something: a developer without ``../shared`` (the data sets)
or without the ``torch`` extra gets a skip; in CI (``CI=true``), or when the missing thing is
a file git tracks, it is a failure, never a silent skip."""

from __future__ import annotations

import importlib
import os
import subprocess
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]
#: The data sets and other large files that live next to the repository, not in it.
SHARED = REPO / ".." / "shared"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def is_tracked(path: Path) -> bool:
    """Whether git tracks ``path`` in this repository (False where git cannot tell)."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "--", str(path)],
            cwd=REPO, capture_output=True, timeout=30, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def missing(reason: str, *, tracked: bool = False) -> NoReturn:
    """Fail in CI or for a tracked file, else skip (also at module level)."""
    if tracked or in_ci():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_file(path: Path, what: str) -> Path:
    """``path``, or a skip (a developer without it) / failure (CI, or a tracked file)."""
    if not path.exists():
        tracked = is_tracked(path)
        note = " (tracked by git: it must exist)" if tracked else ""
        missing(f"{what} not found: {path}{note}", tracked=tracked)
    return path


def require_module(name: str) -> ModuleType:
    """``importlib.import_module(name)``, or a skip outside CI / failure in CI when it does not
    import (the ``torch`` extra: ``pip install -e '.[dev,torch]'``, as scripts/bootstrap.sh)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing(f"needs {name} (pip install -e '.[dev,torch]'): {exc}")
