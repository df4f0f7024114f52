"""The e5 head, fitted on the taxonomy's examples; here with a toy embedding whose geometry is
known (one axis per word), so what the head learns can be checked."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from streams.topics.head import TopicHead
from streams.topics.taxonomy import parse_topics_yaml

WORDS = ("parcel", "late", "courier", "price", "expensive", "cheap", "app", "crash", "football")

TAXONOMY = parse_topics_yaml(
    """
topics:
  - id: delivery
    name: Delivery
    department: operations
    examples: [parcel late, courier late, parcel courier]
  - id: price
    name: Price
    department: marketing
    examples: [price expensive, cheap price, expensive cheap]
  - id: app
    name: App
    department: product_development
    keywords: [app]
"""
)


def toy_embed(texts: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(texts), len(WORDS) + 1))
    for i, text in enumerate(texts):
        for word in text.split():
            out[i, WORDS.index(word) if word in WORDS else len(WORDS)] += 1.0
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_zero_one_or_several_topics() -> None:
    head = TopicHead.fit(TAXONOMY, toy_embed, background=["football match", "football"])
    assert head.topic_ids == ("delivery", "price", "app")
    got = head.topics(toy_embed(["courier parcel", "expensive price", "football", "parcel price"]))
    assert got[0] == ["delivery"]
    assert got[1] == ["price"]
    assert got[2] == []
    assert set(got[3]) == {"delivery", "price"}


def test_a_topic_without_examples_is_never_given_by_the_head() -> None:
    head = TopicHead.fit(TAXONOMY, toy_embed, background=["football"])
    probs = head.probabilities(toy_embed(["app crash", "app"]))
    assert probs.shape == (2, 3)
    assert np.all(probs[:, 2] == 0.0)
    assert head.topics(toy_embed(["app crash"]), threshold=0.0) != [["app"]]


def test_the_threshold_decides() -> None:
    head = TopicHead.fit(TAXONOMY, toy_embed, background=["football"])
    probs = head.probabilities(toy_embed(["late"]))[0]
    assert head.topics(toy_embed(["late"]), threshold=float(probs[0]) + 1e-6) == [[]]
    assert "delivery" in head.topics(toy_embed(["late"]), threshold=float(probs[0]))[0]


def test_fitting_is_deterministic() -> None:
    a = TopicHead.fit(TAXONOMY, toy_embed)
    b = TopicHead.fit(TAXONOMY, toy_embed)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)
    assert a.probabilities(toy_embed(["parcel"])) == pytest.approx(
        b.probabilities(toy_embed(["parcel"]))
    )
