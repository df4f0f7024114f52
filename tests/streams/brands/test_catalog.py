"""Tests for streams.brands.catalog: loading and validating the brands file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from streams.brands.catalog import (
    Brand,
    BrandCatalog,
    BrandsFileError,
    load_brands,
    parse_brands,
    parse_brands_yaml,
)
from streams.brands.matcher import BrandMatch, BrandMatcher

SAMPLE = Path(__file__).resolve().parents[3] / "streams" / "data" / "brands.yaml"

GOOD = """\
brands:
  - id: acme
    name: Acme
    aliases: [Acme Corp]
    handles: ["@acme"]
    hashtags: ["#acme"]
    exclude: [acme looney]
    competitors: [globex]
  - id: globex
    name: Globex
    competitors: [acme]
"""


def write(tmp_path: Path, text: str, name: str = "brands.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(data: Any) -> tuple[str, ...]:
    with pytest.raises(BrandsFileError) as info:
        parse_brands(data, source="mem.yaml")
    assert "mem.yaml" in str(info.value)
    return info.value.problems


def one_problem(data: Any) -> str:
    problems = problems_of(data)
    assert len(problems) == 1, problems
    return problems[0]


def brand(**fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": "acme", "name": "Acme"}
    entry.update(fields)
    return entry


# --- good files ---


def test_sample_file_loads_and_matches() -> None:
    catalog = load_brands(SAMPLE)
    assert len(catalog) >= 8
    assert {"acme", "globex", "zelta", "jadran", "nusantara"} <= set(catalog.ids)
    assert catalog.competitors_of("acme") == ("globex", "initech")
    assert catalog.source == str(SAMPLE)
    matcher = BrandMatcher(catalog)
    assert matcher.match("Zelta piena un @globex") == [
        BrandMatch("zelta", False),
        BrandMatch("globex", True),
    ]
    assert matcher.match("Jadranska obala je lijepa") == []
    assert matcher.match("Wile E. Coyote buys Acme") == []


def test_load_good_file(tmp_path: Path) -> None:
    catalog = load_brands(write(tmp_path, GOOD))
    assert isinstance(catalog, BrandCatalog)
    assert catalog.ids == ("acme", "globex")
    acme = catalog["acme"]
    assert acme.terms == ("Acme", "Acme Corp")
    assert acme.handles == ("@acme",)
    assert acme.exclude == ("acme looney",)
    assert catalog.get("nope") is None
    assert "globex" in catalog and "nope" not in catalog
    assert [b.id for b in catalog] == ["acme", "globex"]
    assert catalog.competitors_of("globex") == ("acme",)
    with pytest.raises(KeyError):
        catalog.competitors_of("nope")


def test_optional_lists_default_empty_and_null_is_empty() -> None:
    catalog = parse_brands({"brands": [{"id": "a", "name": "A", "aliases": None}]})
    b = catalog["a"]
    assert (b.aliases, b.handles, b.hashtags, b.exclude, b.competitors) == ((),) * 5


def test_strings_are_stripped_and_numbers_accepted() -> None:
    catalog = parse_brands({"brands": [{"id": " a1 ", "name": 1984, "aliases": [" Big Brother "]}]})
    assert catalog["a1"].name == "1984"
    assert catalog["a1"].aliases == ("Big Brother",)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_brands(path).ids == ("acme", "globex")


def test_brand_model_is_frozen() -> None:
    b = Brand(id="a", name="A")
    with pytest.raises(ValueError):
        b.name = "B"


# --- file-level problems ---


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(BrandsFileError) as info:
        load_brands(path)
    assert str(path) in str(info.value)
    assert "not found" in str(info.value)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(BrandsFileError, match="directory"):
        load_brands(tmp_path)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, GOOD, "secret.yaml")

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(BrandsFileError) as info:
        load_brands(path)
    assert str(info.value) == (
        f"invalid brands file '{path}': cannot read the file: Permission denied"
    )


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("brands:\n  - id: a\n    name: Zeltā\n".encode("utf-16"))
    with pytest.raises(BrandsFileError, match="not UTF-8") as info:
        load_brands(path)
    assert "latin1.yaml" in str(info.value)


def test_not_yaml_reports_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "brands:\n  - id: acme\n    name: [Acme\n  - id: x\n", "broken.yaml")
    with pytest.raises(BrandsFileError) as info:
        load_brands(path)
    msg = str(info.value)
    assert "broken.yaml" in msg
    assert "not valid YAML" in msg
    assert "line 4, column" in msg


def test_duplicate_yaml_key_is_reported(tmp_path: Path) -> None:
    text = "brands:\n  - id: acme\n    name: Acme\n    aliases: [A]\n    aliases: [B]\n"
    with pytest.raises(BrandsFileError) as info:
        load_brands(write(tmp_path, text, "dup.yaml"))
    msg = str(info.value)
    assert "dup.yaml" in msg and "duplicate key 'aliases'" in msg and "line 5, column 5" in msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("# only a comment\n", "empty"),
        ("- id: acme\n  name: Acme\n", "top level must be a mapping"),
        ("just text\n", "top level must be a mapping"),
        ("brand:\n  - id: acme\n", "missing top-level key 'brands'"),
        ("brands: []\n", "'brands' is empty"),
        ("brands:\n", "'brands' is empty"),
        ("brands: {id: acme}\n", "'brands' must be a list"),
    ],
)
def test_top_level_shape(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(BrandsFileError) as info:
        load_brands(write(tmp_path, text, "shape.yaml"))
    assert "shape.yaml" in str(info.value)
    assert expected in str(info.value)


def test_unknown_top_level_key_with_suggestion() -> None:
    problems = problems_of({"brand": [], "brands": [brand()]})
    assert problems == ("unknown top-level key 'brand' (did you mean 'brands'?)",)


# --- entry-level problems ---


def test_entry_not_a_mapping() -> None:
    msg = one_problem({"brands": [brand(), "globex"]})
    assert msg.startswith("brands[1]: must be a mapping")


def test_missing_id_and_name() -> None:
    problems = problems_of({"brands": [brand(), {"aliases": ["x"]}]})
    assert "brands[1]: missing required key 'id'" in problems
    assert "brands[1]: missing required key 'name'" in problems


def test_missing_name_names_the_entry_by_id() -> None:
    msg = one_problem({"brands": [brand(), {"id": "globex"}]})
    assert msg == "brands[1] (id 'globex'): missing required key 'name'"


def test_error_message_names_file_entry_and_problem(tmp_path: Path) -> None:
    text = (
        GOOD + "  - id: initech\n    name: Initech\n  - id: globex2\n    name: G\n"
        "    handles: [globex]\n"
    )
    path = write(tmp_path, text, "mine.yaml")
    with pytest.raises(BrandsFileError) as info:
        load_brands(path)
    msg = str(info.value)
    assert msg.startswith(f"invalid brands file '{path}':")
    assert "brands[3] (id 'globex2'): handles[0]: handle 'globex' must start with '@'" in msg


@pytest.mark.parametrize("bad_id", ["Acme", "ac me", "acme!", "-acme", "ácme", "ACME"])
def test_bad_id(bad_id: str) -> None:
    msg = one_problem({"brands": [brand(id=bad_id)]})
    assert f"brands[0] (id {bad_id!r}): id: {bad_id!r} is not a valid id" in msg


@pytest.mark.parametrize("good_id", ["acme", "acme-uk", "acme_2", "7eleven"])
def test_good_ids(good_id: str) -> None:
    assert parse_brands({"brands": [brand(id=good_id)]}).ids == (good_id,)


def test_empty_name() -> None:
    msg = one_problem({"brands": [brand(name="  ")]})
    assert msg == "brands[0] (id 'acme'): name: must not be empty"


def test_null_name() -> None:
    msg = one_problem({"brands": [brand(name=None)]})
    assert msg == "brands[0] (id 'acme'): name: must not be empty"


def test_name_without_letters() -> None:
    msg = one_problem({"brands": [brand(aliases=["!!!"])]})
    assert "aliases[0]: '!!!' must contain at least one letter or digit" in msg


def test_duplicate_ids() -> None:
    msg = one_problem({"brands": [brand(), brand(name="Other")]})
    assert msg == "brands[1] (id 'acme'): duplicate id 'acme' (already used by brands[0])"


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("acme", "handle 'acme' must start with '@'"),
        ("@ac me", "handle '@ac me' has invalid characters"),
        ("@acme-uk", "handle '@acme-uk' has invalid characters"),
        ("@", "handle '@' has invalid characters"),
        ("@acme.", "handle '@acme.' has invalid characters"),
        ("@@acme", "handle '@@acme' has invalid characters"),
    ],
)
def test_bad_handles(handle: str, expected: str) -> None:
    msg = one_problem({"brands": [brand(handles=["@ok", handle])]})
    assert msg.startswith("brands[0] (id 'acme'): handles[1]: ")
    assert expected in msg


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("acme", "hashtag 'acme' must start with '#'"),
        ("#ac me", "has invalid characters"),
        ("#acme.fail", "has invalid characters"),
        ("#", "has invalid characters"),
    ],
)
def test_bad_hashtags(tag: str, expected: str) -> None:
    msg = one_problem({"brands": [brand(hashtags=[tag])]})
    assert msg.startswith("brands[0] (id 'acme'): hashtags[0]: ")
    assert expected in msg


def test_good_unicode_handles_and_hashtags() -> None:
    catalog = parse_brands(
        {"brands": [brand(handles=["@acme.uk", "@acme_2"], hashtags=["#ZeltāPiens", "#أكمي"])]}
    )
    assert catalog["acme"].hashtags == ("#ZeltāPiens", "#أكمي")


@pytest.mark.parametrize("field", ["aliases", "exclude"])
def test_empty_alias_or_exclude(field: str) -> None:
    msg = one_problem({"brands": [brand(**{field: ["ok", ""]})]})
    assert msg == f"brands[0] (id 'acme'): {field}[1]: must not be empty"


def test_list_field_given_a_string() -> None:
    msg = one_problem({"brands": [brand(aliases="Acme Corp")]})
    assert msg == "brands[0] (id 'acme'): aliases: must be a list, got a string 'Acme Corp'"


def test_yaml_boolean_gets_a_hint(tmp_path: Path) -> None:
    text = "brands:\n  - id: norway\n    name: Norway\n    aliases: [NO]\n"
    with pytest.raises(BrandsFileError) as info:
        load_brands(write(tmp_path, text))
    assert "aliases[0]: must be a string, got a boolean False" in str(info.value)
    assert "quote it" in str(info.value)


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("alias", "(did you mean 'aliases'?)"),
        ("handle", "(did you mean 'handles'?)"),
        ("excludes", "(did you mean 'exclude'?)"),
        ("colour", "(allowed keys: id, name, aliases"),
    ],
)
def test_unknown_keys_rejected(key: str, hint: str) -> None:
    msg = one_problem({"brands": [brand(**{key: ["x"]})]})
    assert msg == f"brands[0] (id 'acme'): unknown key {key!r} {hint}" or (
        msg.startswith(f"brands[0] (id 'acme'): unknown key {key!r} ") and hint in msg
    )


def test_unknown_competitor_with_suggestion() -> None:
    msg = one_problem({"brands": [brand(competitors=["globx"]), brand(id="globex", name="G")]})
    assert msg == (
        "brands[0] (id 'acme'): competitors[0]: unknown brand id 'globx' (did you mean 'globex'?)"
    )


def test_competitor_pointing_to_a_broken_entry_is_not_also_unknown() -> None:
    problems = problems_of({"brands": [brand(competitors=["globex"]), {"id": "globex"}]})
    assert problems == ("brands[1] (id 'globex'): missing required key 'name'",)


def test_self_competitor() -> None:
    msg = one_problem({"brands": [brand(competitors=["acme"])]})
    assert msg == "brands[0] (id 'acme'): competitors[0]: a brand cannot be its own competitor"


def test_same_handle_on_two_brands_case_insensitive() -> None:
    msg = one_problem(
        {"brands": [brand(handles=["@acme"]), brand(id="globex", name="Globex", handles=["@ACME"])]}
    )
    assert msg == (
        "brands[1] (id 'globex'): handles[0]: handle '@ACME' is also a handle of "
        "brands[0] (id 'acme'); a handle must belong to one brand"
    )


def test_same_hashtag_on_two_brands() -> None:
    msg = one_problem(
        {"brands": [brand(hashtags=["#Zeltā"]), brand(id="z", name="Z", hashtags=["#zelta"])]}
    )
    assert "brands[1] (id 'z'): hashtags[0]: hashtag '#zelta' is ambiguous" in msg
    assert "brands[0] (id 'acme')" in msg


def test_same_name_after_normalisation_on_two_brands() -> None:
    msg = one_problem(
        {"brands": [brand(name="Zeltā Piena"), brand(id="z", name="Z", aliases=["ZELTA-piena"])]}
    )
    assert msg == (
        "brands[1] (id 'z'): aliases[0]: 'ZELTA-piena' is ambiguous: it normalises to "
        "'zelta piena', like name 'Zeltā Piena' of brands[0] (id 'acme')"
    )


def test_same_term_twice_in_one_brand_is_fine() -> None:
    catalog = parse_brands({"brands": [brand(name="Zeltā Piena", aliases=["Zelta Piena"])]})
    assert catalog["acme"].aliases == ("Zelta Piena",)


def test_exclude_that_would_veto_every_mention() -> None:
    msg = one_problem({"brands": [brand(aliases=["Acme Looney Corp"], exclude=["ACME looney"])]})
    assert msg == (
        "brands[0] (id 'acme'): exclude[0]: 'ACME looney' occurs in the brand's own name/alias "
        "'Acme Looney Corp', so every mention would be vetoed"
    )


def test_all_problems_are_collected() -> None:
    data = {
        "brands": [
            brand(alias=["x"], handles=["acme"]),
            {"id": "Bad Id", "name": "B"},
            brand(id="globex", name="Globex", competitors=["nope"]),
            "junk",
        ]
    }
    with pytest.raises(BrandsFileError) as info:
        parse_brands(data, source="many.yaml")
    problems = info.value.problems
    assert len(problems) == 5, problems
    msg = str(info.value)
    assert msg.startswith("invalid brands file 'many.yaml' (5 problems):\n  - brands[0]")
    # in file order
    assert [p[:9] for p in problems] == ["brands[0]"] * 2 + ["brands[1]", "brands[2]", "brands[3]"]
    for fragment in [
        "brands[0] (id 'acme'): unknown key 'alias'",
        "brands[0] (id 'acme'): handles[0]: handle 'acme' must start with '@'",
        "brands[1] (id 'Bad Id'): id: 'Bad Id' is not a valid id",
        "brands[2] (id 'globex'): competitors[0]: unknown brand id 'nope'",
        "brands[3]: must be a mapping",
    ]:
        assert fragment in msg


def test_parse_brands_yaml_source_name() -> None:
    with pytest.raises(BrandsFileError, match=r"^invalid brands file 'inline': "):
        parse_brands_yaml("brands: []", source="inline")
    assert parse_brands_yaml(GOOD).ids == ("acme", "globex")


def test_a_brand_has_a_time_zone_for_its_reports_utc_by_default() -> None:
    catalog = parse_brands_yaml(
        "brands:\n  - id: acme\n    name: Acme\n    timezone: Asia/Kolkata\n"
        "  - id: globex\n    name: Globex\n"
    )
    assert catalog["acme"].timezone == "Asia/Kolkata"
    assert catalog["globex"].timezone == "UTC"
    with pytest.raises(BrandsFileError, match="'Mars/Base' is not a time zone"):
        parse_brands_yaml("brands:\n  - id: acme\n    name: Acme\n    timezone: Mars/Base\n")
