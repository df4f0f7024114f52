"""The topics file: the shipped taxonomy, and every kind of problem reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.config import Settings
from streams.topics.taxonomy import (
    DEPARTMENTS,
    TopicsFileError,
    default_topics_path,
    load_topics,
    parse_topics_yaml,
)

GOOD = """
topics:
  - id: delivery
    name: Delivery
    department: operations
    examples: ["My parcel is late"]
    keywords: [delivery, piegād*]
  - id: price
    name: Price
    department: marketing
    keywords: [expensive]
"""


def test_the_shipped_taxonomy_has_the_issue_topics_and_departments() -> None:
    taxonomy = load_topics()
    assert {
        "product_quality",
        "delivery",
        "billing_price",
        "customer_service",
        "app_website",
        "advertising",
    } <= set(taxonomy.ids)
    assert set(taxonomy.departments) == set(DEPARTMENTS)
    for topic in taxonomy:
        assert len(topic.examples) >= 10, topic.id
        assert len(topic.keywords) >= 10, topic.id


def test_the_settings_point_at_the_shipped_file_by_default() -> None:
    assert Settings().topics == default_topics_path()
    assert Settings().topics_method == "keywords"
    assert load_topics(Settings().topics).ids == load_topics().ids


def test_a_file_of_your_own(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(GOOD, encoding="utf-8")
    taxonomy = load_topics(path)
    assert taxonomy.ids == ("delivery", "price")
    assert taxonomy.departments == ("operations", "marketing")
    assert taxonomy.departments_of(["price", "delivery"]) == ["operations", "marketing"]
    assert taxonomy.departments_of([]) == []
    assert taxonomy.topics[0].keywords == ("delivery", "piegād*")


def test_every_problem_is_reported_with_its_entry() -> None:
    text = """
topics:
  - id: Delivery
    name: Delivery
    department: operations
    examples: [late]
  - id: price
    name: Price
    examples: [cheap]
  - id: app
    name: App
    department: product_development
    keywords: [app]
  - id: app
    name: App again
    department: product_development
    keywords: [site]
  - id: empty
    name: Empty
    department: operations
  - just a string
  - id: web
    name: Web
    department: product_development
    colour: blue
    keywords: [web]
"""
    with pytest.raises(TopicsFileError) as err:
        parse_topics_yaml(text, "t.yaml")
    problems = err.value.problems
    assert any("topics[0]" in p and "not a valid id" in p for p in problems)
    assert any("topics[1] (id 'price')" in p and "'department'" in p for p in problems)
    assert any("topics[6] (id 'web')" in p and "unknown key 'colour'" in p for p in problems)
    assert any("topics[3] (id 'app')" in p and "duplicate id 'app'" in p for p in problems)
    assert any("topics[4] (id 'empty')" in p and "never match" in p for p in problems)
    assert any("topics[5]" in p and "must be a mapping" in p for p in problems)
    assert str(err.value).startswith("invalid topics file 't.yaml' (6 problems)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("topics: []", "'topics' is empty"),
        ("topic: []", "unknown top-level key 'topic'"),
        ("topics: [", "not valid YAML"),
        ("topics:\n  - id: a\n    name: A\n    department: x\n    examples: ['']\n", "empty"),
    ],
)
def test_broken_files(text: str, expected: str) -> None:
    with pytest.raises(TopicsFileError, match=expected):
        parse_topics_yaml(text)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TopicsFileError, match="file not found"):
        load_topics(tmp_path / "nope.yaml")
