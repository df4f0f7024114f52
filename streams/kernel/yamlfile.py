"""What the YAML files people write for buzzwire share (the brands file, the alert routes file):
reading them as UTF-8 YAML that rejects duplicate keys, and turning pydantic's validation errors
into one-line problems that name the entry, the key and what is wrong."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic_core import ErrorDetails


class Problem(ValueError):
    """One problem with a file as a whole (unreadable, not UTF-8, not YAML)."""


class Problems(ValueError):
    """Problems that stop a file from being read any further."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """The YAML document of the file at ``path``. Raises :class:`Problem`."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise Problem("file not found") from exc
    except IsADirectoryError as exc:
        raise Problem("is a directory, not a file") from exc
    except OSError as exc:
        raise Problem(f"cannot read the file: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Problem(f"not UTF-8 text (invalid byte at offset {exc.start})") from exc
    return parse_yaml(text)


def parse_yaml(text: str) -> Any:
    """A YAML document (safe loading; duplicate keys are an error). Raises :class:`Problem`."""
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "syntax error"
        raise Problem(f"not valid YAML{where}: {what}") from exc
    except yaml.YAMLError as exc:
        raise Problem(f"not valid YAML: {exc}") from exc


class _Loader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys instead of silently keeping the last one."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, Hashable):
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# ---------------------------------------------------------------------------------------------
# validation errors


def type_name(value: object) -> str:
    if value is None:
        return "nothing (null)"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def error_path(loc: Sequence[int | str]) -> str:
    return "".join(
        f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc)
    )


def describe_error(
    err: ErrorDetails,
    keys: Sequence[str],
    special: Callable[[ErrorDetails, str], str | None] | None = None,
) -> str:
    """One line for a pydantic error of an entry whose allowed keys are ``keys``.

    ``special(err, path)`` may describe the kinds of error particular to a file first.
    """
    loc = err["loc"]
    path = error_path(loc)
    if special is not None:
        described = special(err, path)
        if described is not None:
            return described
    kind = err["type"]
    value = err.get("input")
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        hint = suggest(key, keys) or f" (allowed keys: {', '.join(keys)})"
        return f"unknown key {key!r}{hint}"
    if kind == "string_type":
        if value is None:
            return f"{path}: must not be empty"
        hint = (
            " (quote it: YAML reads yes/no/on/off/true/false as booleans)"
            if isinstance(value, bool)
            else ""
        )
        return f"{path}: must be a string, got {type_name(value)} {value!r}{hint}"
    if kind in ("tuple_type", "list_type"):
        return f"{path}: must be a list, got {type_name(value)} {value!r}"
    if kind == "dict_type":
        return f"{path}: must be a mapping, got {type_name(value)} {value!r}"
    if kind == "value_error":
        ctx = err.get("ctx") or {}
        return f"{path}: {ctx.get('error', err['msg'])}"
    return f"{path}: {err['msg']}"


def entry_label(section: str, index: int, entry: object, key: str) -> str:
    """``brands[3] (id 'acme')``: an entry of a list by index and, if it has one, its name."""
    if isinstance(entry, Mapping):
        raw = entry.get(key)
        if isinstance(raw, str) and raw.strip():
            return f"{section}[{index}] ({key} {raw.strip()!r})"
    return f"{section}[{index}]"


def top_level_list(data: object, key: str, item: str) -> tuple[list[Any], list[str]]:
    """The non-empty list of ``item`` entries under the one top-level ``key`` of a document,
    and the problems found on the way (unknown top-level keys). Raises :class:`Problems` when
    there is no such list."""
    if data is None:
        raise Problems([f"the file is empty: expected a mapping with a {key!r} list"])
    if not isinstance(data, Mapping):
        raise Problems(
            [f"the top level must be a mapping with a {key!r} list, got {type_name(data)}"]
        )
    problems: list[str] = []
    for other in data:
        if other != key:
            problems.append(f"unknown top-level key {other!r}{suggest(str(other), [key])}")
    if key not in data:
        problems.append(f"missing top-level key {key!r} (a list of {item} entries)")
        raise Problems(problems)
    entries = data[key]
    if entries is None or (isinstance(entries, list) and not entries):
        raise Problems([*problems, f"{key!r} is empty: define at least one {item}"])
    if not isinstance(entries, list):
        problems.append(f"{key!r} must be a list of {item} entries, got {type_name(entries)}")
        raise Problems(problems)
    return entries, problems
