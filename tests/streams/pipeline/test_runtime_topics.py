"""Every enriched mention carries its topics and the departments that own them."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from prometheus_client import CollectorRegistry

from streams.config import Settings
from streams.mentions.records import Mention
from streams.pipeline.metrics import Metrics
from streams.pipeline.runtime import Runtime, build_runtime, build_topics
from streams.topics.classifier import TopicClassifier
from streams.topics.taxonomy import load_topics
from tests.streams.topics.test_head import TAXONOMY, toy_embed


def mentions(*texts: str) -> list[Mention]:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return [Mention(id=f"m{i}", text=t, created_at=now) for i, t in enumerate(texts)]


async def test_keyword_topics_and_departments_on_every_mention(small_runtime: Runtime) -> None:
    runtime = dataclasses.replace(small_runtime, topics=TopicClassifier(load_topics()))
    out = await runtime.annotate_async(
        mentions(
            "@acme my package never arrived and customer service does not answer",
            "Globex la aplicación no funciona",
            "Just a sunny day at the beach",
        )
    )
    assert [o["topics"] for o in out] == [
        ["delivery", "customer_service"],
        ["app_website"],
        [],
    ]
    assert [o["departments"] for o in out] == [
        ["operations", "customer_service"],
        ["product_development"],
        [],
    ]


async def test_an_e5_method_runs_off_the_event_loop(small_runtime: Runtime) -> None:
    calls: list[int] = []

    def embed(texts: Sequence[str]) -> np.ndarray:
        calls.append(len(texts))
        return toy_embed(texts)

    classifier = TopicClassifier(TAXONOMY, "e5+keywords", embed=embed, threshold=0.5)
    runtime = dataclasses.replace(small_runtime, topics=classifier)
    out = await runtime.annotate_async(mentions("courier parcel late", "the app", "football"))
    assert [o["topics"] for o in out] == [["delivery"], ["app"], []]
    assert [o["departments"] for o in out] == [["operations"], ["product_development"], []]
    assert calls[-1] == 3  # one batch, one encoder pass


async def test_a_runtime_without_topics_writes_empty_lists(small_runtime: Runtime) -> None:
    out = await small_runtime.annotate_async(mentions("my package never arrived"))
    assert out[0]["topics"] == [] and out[0]["departments"] == []


def test_the_worker_loads_the_configured_taxonomy_with_the_linear_model(tmp_path: Any) -> None:
    runtime = build_runtime(Settings(sentiment_model="linear"), Metrics.create(CollectorRegistry()))
    assert runtime.topics is not None
    assert runtime.topics.method == "keywords"
    assert runtime.topics.taxonomy.ids == load_topics().ids
    path = tmp_path / "topics.yaml"
    path.write_text(
        "topics:\n  - id: x\n    name: X\n    department: ops\n    keywords: [zzz]\n",
        encoding="utf-8",
    )
    own = build_topics(Settings(topics=path, topics_method="off"))
    assert own.taxonomy.ids == ("x",) and own.classify(["zzz"]) == [[]]
