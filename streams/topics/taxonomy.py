"""The topics file: what people talk about, and the department that owns each topic (pure).

Shape (YAML)::

    topics:
      - id: delivery                  # slug: lowercase letters, digits, '_' and '-'
        name: Delivery and shipping   # what people read
        department: operations        # the department that acts on it (a slug)
        examples:                     # a few posts of the topic, any language (prototypes)
          - "My order still hasn't arrived"
          - "Paketnya belum sampai"
        keywords: [delivery, envío*]  # the keyword method's words and phrases

A keyword matches a whole word (or phrase) case- and accent-insensitively; one ending in ``*``
matches the start of a word (``piegād*``: ``piegāde``, ``piegādāts``).  Arabic keywords match
inside words too (its articles and conjunctions attach to the word).

Every problem found is reported at once in one :class:`TopicsFileError` whose message names the
file, the entry (``topics[3] (id 'delivery')``) and what is wrong.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from streams.kernel.yamlfile import (
    Problem,
    Problems,
    describe_error,
    entry_label,
    parse_yaml,
    read_yaml,
    top_level_list,
    type_name,
)

__all__ = [
    "DEPARTMENTS",
    "Taxonomy",
    "Topic",
    "TopicsFileError",
    "default_topics_path",
    "load_topics",
    "parse_topics",
    "parse_topics_yaml",
]

TOPIC_KEYS = ("id", "name", "department", "examples", "keywords")
#: The departments of the default file (a file may name others).
DEPARTMENTS = (
    "marketing",
    "advertising",
    "customer_service",
    "product_development",
    "operations",
)
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")


def default_topics_path() -> Path:
    """The default taxonomy shipped with the package (``streams/data/topics.yaml``)."""
    return Path(str(resources.files("streams") / "data" / "topics.yaml"))


class TopicsFileError(ValueError):
    """The topics file cannot be used. ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            message = f"invalid topics file '{source}': {self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            message = f"invalid topics file '{source}' ({len(self.problems)} problems):\n{lines}"
        super().__init__(message)


def _check_slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid id (lowercase letters, digits, '_' and '-', "
            "starting with a letter or digit)"
        )
    return value


def _check_texts(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not value.strip():
            raise ValueError("must not hold an empty entry")
    return tuple(v.strip() for v in values)


Slug = Annotated[str, AfterValidator(_check_slug)]
Texts = Annotated[tuple[str, ...], AfterValidator(_check_texts)]


class _TopicSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: Slug
    name: str
    department: Slug
    examples: Texts = ()
    keywords: Texts = ()


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    department: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """The topics of a file, in file order."""

    topics: tuple[Topic, ...]

    def __iter__(self) -> Iterator[Topic]:
        return iter(self.topics)

    def __len__(self) -> int:
        return len(self.topics)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)

    @property
    def departments(self) -> tuple[str, ...]:
        """Every department that owns a topic, in file order, once each."""
        return tuple(dict.fromkeys(t.department for t in self.topics))

    def departments_of(self, topic_ids: Iterable[str]) -> list[str]:
        """The departments owning ``topic_ids``, in taxonomy order, once each."""
        wanted = set(topic_ids)
        return list(dict.fromkeys(t.department for t in self.topics if t.id in wanted))


def parse_topics(data: object, source: str = "<topics>") -> Taxonomy:
    """Validate an already-loaded topics document. Raises :class:`TopicsFileError`."""
    try:
        entries, problems = top_level_list(data, "topics", "topic")
    except Problems as exc:
        raise TopicsFileError(source, exc.problems) from exc
    topics: list[Topic] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        label = entry_label("topics", i, entry, "id")
        if not isinstance(entry, Mapping):
            problems.append(
                f"{label}: must be a mapping with keys {', '.join(TOPIC_KEYS)}, "
                f"got {type_name(entry)} {entry!r}"
            )
            continue
        try:
            spec = _TopicSpec.model_validate(dict(entry))
        except ValidationError as exc:
            problems.extend(f"{label}: {describe_error(err, TOPIC_KEYS)}" for err in exc.errors())
            continue
        if spec.id in seen:
            problems.append(
                f"{label}: duplicate id {spec.id!r} (already used by topics[{seen[spec.id]}])"
            )
            continue
        seen[spec.id] = i
        if not spec.examples and not spec.keywords:
            problems.append(f"{label}: needs 'examples' or 'keywords' (it would never match)")
            continue
        topics.append(Topic(spec.id, spec.name, spec.department, spec.examples, spec.keywords))
    if problems:
        raise TopicsFileError(source, problems)
    return Taxonomy(tuple(topics))


def parse_topics_yaml(text: str, source: str = "<string>") -> Taxonomy:
    """Parse and validate the YAML text of a topics file."""
    try:
        data = parse_yaml(text)
    except Problem as exc:
        raise TopicsFileError(source, [str(exc)]) from exc
    return parse_topics(data, source=source)


def load_topics(path: str | os.PathLike[str] | None = None) -> Taxonomy:
    """Load and validate a topics file (default: the shipped one). Raises
    :class:`TopicsFileError` for any problem."""
    path = default_topics_path() if path is None else path
    source = os.fspath(path)
    try:
        data = read_yaml(path)
    except Problem as exc:
        raise TopicsFileError(source, [str(exc)]) from exc
    return parse_topics(data, source=source)
