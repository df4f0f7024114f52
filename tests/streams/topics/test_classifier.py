"""The configured method: keywords, the e5 head, both, or none; and the departments."""

from __future__ import annotations

import pytest

from streams.topics.classifier import TopicClassifier
from tests.streams.topics.test_head import TAXONOMY, toy_embed


def test_keywords_only_needs_no_embedder() -> None:
    c = TopicClassifier(TAXONOMY, "keywords")
    assert not c.releases_gil and c.head is None
    assert c.classify(["the app is down", "courier parcel late"]) == [["app"], []]


def test_e5_and_the_union_with_keywords() -> None:
    e5 = TopicClassifier(TAXONOMY, "e5", embed=toy_embed, threshold=0.5)
    both = TopicClassifier(TAXONOMY, "e5+keywords", embed=toy_embed, threshold=0.5)
    assert e5.releases_gil and both.releases_gil
    texts = ["app courier parcel", "football"]
    assert e5.classify(texts) == [["delivery"], []]
    assert both.classify(texts) == [["delivery", "app"], []]  # taxonomy order


def test_off_and_empty_batches() -> None:
    assert TopicClassifier(TAXONOMY, "off").classify(["app", "x"]) == [[], []]
    assert TopicClassifier(TAXONOMY, "keywords").classify([]) == []


def test_an_e5_method_without_embedder_or_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="needs an e5 embedder"):
        TopicClassifier(TAXONOMY, "e5")
    with pytest.raises(ValueError, match="unknown topics method"):
        TopicClassifier(TAXONOMY, "bayes")  # type: ignore[arg-type]


def test_departments_of_the_topics() -> None:
    c = TopicClassifier(TAXONOMY, "keywords")
    assert c.departments(["app", "delivery"]) == ["operations", "product_development"]
