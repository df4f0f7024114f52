"""The brands file: pydantic models, loading and validation.

Shape (YAML)::

    brands:
      - id: acme                      # slug: lowercase letters, digits, '_' and '-'
        name: Acme                    # display name, also matched in text
        aliases: [Acme Corp, أكمي]     # other names (multi-word ok)
        handles: ["@acme"]            # the brand's own accounts; tagging one => tagged
        hashtags: ["#acme"]           # hashtags that name the brand (not a tag)
        exclude: [acme looney]        # phrases that veto name/alias/hashtag matches
        competitors: [globex]         # other brand ids
        timezone: Europe/Riga         # IANA time zone of its reports' periods (default UTC)

Every problem found is reported at once in one :class:`BrandsFileError` whose message names
the file, the entry (``brands[3] (id 'globex')``) and what is wrong.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import ErrorDetails

from streams.brands.matcher import (
    fold,
    is_word_char,
    normalize,
    normalize_handle,
    normalize_hashtag,
    token_end,
)
from streams.kernel.yamlfile import (
    Problem,
    Problems,
    describe_error,
    entry_label,
    parse_yaml,
    read_yaml,
    suggest,
    top_level_list,
    type_name,
)

__all__ = [
    "Brand",
    "BrandCatalog",
    "BrandsFileError",
    "load_brands",
    "parse_brands",
    "parse_brands_yaml",
]

BRAND_KEYS = (
    "id",
    "name",
    "aliases",
    "handles",
    "hashtags",
    "exclude",
    "competitors",
    "timezone",
)
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")


class BrandsFileError(ValueError):
    """The brands file cannot be used. ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            message = f"invalid brands file '{source}': {self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            message = f"invalid brands file '{source}' ({len(self.problems)} problems):\n{lines}"
        super().__init__(message)


# ---------------------------------------------------------------------------------------------
# field validators (their ValueError text becomes the problem description)


def _check_slug(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    if not _SLUG.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lowercase letters, digits, '_' and '-', "
            "starting with a letter or digit"
        )
    return value


def _check_term(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    if not any(is_word_char(c) for c in normalize(value)):
        raise ValueError(f"{value!r} must contain at least one letter or digit")
    return value


def _check_tag(value: str, sigil: str, *, what: str, allow_dots: bool, allowed: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    if not value.startswith(sigil):
        raise ValueError(f"{what} {value!r} must start with '{sigil}'")
    folded = fold(value)
    if len(folded) < 2 or token_end(folded, 1, allow_dots=allow_dots) != len(folded):
        raise ValueError(f"{what} {value!r} has invalid characters: after '{sigil}' use {allowed}")
    return value


def _check_handle(value: str) -> str:
    return _check_tag(
        value,
        "@",
        what="handle",
        allow_dots=True,
        allowed="letters, digits, '_' (and '.' between them)",
    )


def _check_hashtag(value: str) -> str:
    return _check_tag(
        value, "#", what="hashtag", allow_dots=False, allowed="letters, digits and '_'"
    )


Slug = Annotated[str, AfterValidator(_check_slug)]
Term = Annotated[str, AfterValidator(_check_term)]
Handle = Annotated[str, AfterValidator(_check_handle)]
Hashtag = Annotated[str, AfterValidator(_check_hashtag)]


class Brand(BaseModel):
    """One entry of the brands file."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, coerce_numbers_to_str=True
    )

    id: Slug
    name: Term
    aliases: tuple[Term, ...] = ()
    handles: tuple[Handle, ...] = ()
    hashtags: tuple[Hashtag, ...] = ()
    exclude: tuple[Term, ...] = ()
    competitors: tuple[Slug, ...] = ()
    #: The IANA time zone of the brand's reports: its days, weeks, months, quarters and years.
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone: use an IANA name such as Europe/Riga or UTC"
            ) from None
        return value

    @field_validator("aliases", "handles", "hashtags", "exclude", "competitors", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return () if value is None else value

    @property
    def terms(self) -> tuple[str, ...]:
        """The name followed by the aliases."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class BrandCatalog:
    """The validated brands, in file order, with lookup by id."""

    brands: tuple[Brand, ...]
    source: str = "<memory>"
    _by_id: dict[str, Brand] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "brands", tuple(self.brands))
        object.__setattr__(self, "_by_id", {b.id: b for b in self.brands})

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(b.id for b in self.brands)

    def get(self, brand_id: str) -> Brand | None:
        return self._by_id.get(brand_id)

    def __getitem__(self, brand_id: str) -> Brand:
        return self._by_id[brand_id]

    def __contains__(self, brand_id: object) -> bool:
        return brand_id in self._by_id

    def __len__(self) -> int:
        return len(self.brands)

    def __iter__(self) -> Iterator[Brand]:
        return iter(self.brands)

    def competitors_of(self, brand_id: str) -> tuple[str, ...]:
        """Competitor ids of ``brand_id`` (``KeyError`` if unknown)."""
        return self._by_id[brand_id].competitors


# ---------------------------------------------------------------------------------------------
# parsing


def _describe(err: ErrorDetails) -> str:
    return describe_error(err, BRAND_KEYS)


def _label(index: int, entry: object) -> str:
    return entry_label("brands", index, entry, "id")


def _owner(index: int, brand: Brand) -> str:
    return f"brands[{index}] (id {brand.id!r})"


def _entry_index(problem: str) -> int:
    m = re.match(r"brands\[(\d+)\]", problem)
    return int(m.group(1)) if m else -1


def parse_brands(data: object, source: str = "<brands>") -> BrandCatalog:
    """Validate already-loaded brands data (the YAML document) into a :class:`BrandCatalog`.

    Raises :class:`BrandsFileError` listing every problem found, in file order. Cross-brand
    checks (duplicate ids, shared handles/names/hashtags) only compare entries that are
    themselves valid; competitor ids are checked against every entry's id.
    """
    try:
        entries, problems = top_level_list(data, "brands", "brand")
    except Problems as exc:
        raise BrandsFileError(source, exc.problems) from exc

    known_ids = {
        str(e["id"]).strip()
        for e in entries
        if isinstance(e, Mapping) and isinstance(e.get("id"), str | int) and e["id"] is not True
    }
    parsed: list[tuple[int, Brand]] = []
    for i, entry in enumerate(entries):
        label = _label(i, entry)
        if not isinstance(entry, Mapping):
            problems.append(
                f"{label}: must be a mapping with keys {', '.join(BRAND_KEYS)}, "
                f"got {type_name(entry)} {entry!r}"
            )
            continue
        try:
            parsed.append((i, Brand.model_validate(dict(entry))))
        except ValidationError as exc:
            problems.extend(f"{label}: {_describe(err)}" for err in exc.errors())

    ids: dict[str, int] = {}
    handles: dict[str, tuple[int, Brand, str]] = {}
    hashtags: dict[str, tuple[int, Brand, str]] = {}
    terms: dict[str, tuple[int, Brand, str, str]] = {}
    for i, brand in parsed:
        label = _owner(i, brand)
        if brand.id in ids:
            problems.append(
                f"{label}: duplicate id {brand.id!r} (already used by brands[{ids[brand.id]}])"
            )
        else:
            ids[brand.id] = i

        for k, comp in enumerate(brand.competitors):
            if comp == brand.id:
                problems.append(f"{label}: competitors[{k}]: a brand cannot be its own competitor")
            elif comp not in known_ids:
                problems.append(
                    f"{label}: competitors[{k}]: unknown brand id {comp!r}"
                    f"{suggest(comp, sorted(known_ids))}"
                )

        own_terms = {normalize(t): t for t in brand.terms}
        for k, ex in enumerate(brand.exclude):
            nex = normalize(ex)
            for nterm, term in own_terms.items():
                if f" {nex} " in f" {nterm} ":
                    problems.append(
                        f"{label}: exclude[{k}]: {ex!r} occurs in the brand's own name/alias "
                        f"{term!r}, so every mention would be vetoed"
                    )
                    break

        for k, h in enumerate(brand.handles):
            key = normalize_handle(h)
            other = handles.get(key)
            if other is not None and other[1] is not brand:
                problems.append(
                    f"{label}: handles[{k}]: handle {h!r} is also a handle of "
                    f"{_owner(other[0], other[1])}; a handle must belong to one brand"
                )
            elif other is None:
                handles[key] = (i, brand, h)

        for k, t in enumerate(brand.hashtags):
            key = normalize_hashtag(t)
            other = hashtags.get(key)
            if other is not None and other[1] is not brand:
                problems.append(
                    f"{label}: hashtags[{k}]: hashtag {t!r} is ambiguous: it is also hashtag "
                    f"{other[2]!r} of {_owner(other[0], other[1])}"
                )
            elif other is None:
                hashtags[key] = (i, brand, t)

        for k, term in enumerate(brand.terms):
            where = "name" if k == 0 else f"aliases[{k - 1}]"
            key = normalize(term)
            other_t = terms.get(key)
            if other_t is not None and other_t[1] is not brand:
                problems.append(
                    f"{label}: {where}: {term!r} is ambiguous: it normalises to {key!r}, like "
                    f"{other_t[3]} {other_t[2]!r} of {_owner(other_t[0], other_t[1])}"
                )
            elif other_t is None:
                terms[key] = (i, brand, term, "name" if k == 0 else "alias")

    if problems:
        # entry problems in file order (cross-brand ones were found after all entries)
        raise BrandsFileError(source, sorted(problems, key=_entry_index))
    return BrandCatalog(tuple(b for _, b in parsed), source=source)


def parse_brands_yaml(text: str, source: str = "<string>") -> BrandCatalog:
    """Parse and validate the YAML text of a brands file."""
    try:
        data = parse_yaml(text)
    except Problem as exc:
        raise BrandsFileError(source, [str(exc)]) from exc
    return parse_brands(data, source=source)


def load_brands(path: str | os.PathLike[str]) -> BrandCatalog:
    """Load and validate a brands file. Raises :class:`BrandsFileError` for any problem."""
    source = os.fspath(path)
    try:
        data = read_yaml(path)
    except Problem as exc:
        raise BrandsFileError(source, [str(exc)]) from exc
    return parse_brands(data, source=source)
