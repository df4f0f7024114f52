"""Fixtures for tests of the streams package that need loaded models."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from typing import Any
from unittest.mock import MagicMock

import faust
import orjson
import pytest
from prometheus_client import CollectorRegistry

from models.langid import LanguageDetector
from models.sentiment.linear import LinearSentiment
from streams.brands.catalog import load_brands
from streams.brands.logic import BrandMatcher
from streams.config import Settings
from streams.mentions.logic import Limits
from streams.metrics import Metrics
from streams.runtime import Runtime

POSITIVE = [
    "I love it, great service, thank you",
    "excellent, amazing, the best",
    "me encanta, excelente servicio, gracias",
    "sangat bagus, terima kasih, puas sekali",
    "odlično, hvala, super usluga",
]
NEGATIVE = [
    "terrible, awful, worst service ever, I hate it",
    "bad, broken again, so angry",
    "horrible, pésimo servicio, odio esto",
    "buruk sekali, kecewa, jelek",
    "užasno, loše, ne radi opet",
]
NEUTRAL = [
    "the store opens at nine on monday",
    "the meeting is on tuesday at the office",
    "la tienda abre a las nueve el lunes",
    "toko buka jam sembilan hari senin",
    "trgovina se otvara u devet ujutro",
]


@pytest.fixture(scope="session")
def small_linear_model() -> LinearSentiment:
    """A real linear model fitted on a tiny hand-written set (the shipped one is tested apart)."""
    texts = POSITIVE + NEGATIVE + NEUTRAL
    labels = ["positive"] * 5 + ["negative"] * 5 + ["neutral"] * 5
    return LinearSentiment.fit(texts * 4, labels * 4)


@pytest.fixture(scope="session")
def small_runtime(small_linear_model: LinearSentiment) -> Iterator[Runtime]:
    settings = Settings()
    catalog = load_brands(settings.brands)
    yield Runtime(
        settings=settings,
        metrics=Metrics.create(CollectorRegistry()),
        catalog=catalog,
        matcher=BrandMatcher(catalog),
        detector=LanguageDetector(),
        sentiment=small_linear_model,
        fallback=None,
        limits=Limits(),
    )


def capture_sends(
    monkeypatch: pytest.MonkeyPatch,
    topics: dict[str, faust.TopicT],
    tables: Iterable[faust.Table] = (),
    *,
    with_partition: bool = False,
) -> dict[str, list[tuple[Any, ...]]]:
    """Captures what agents produce (there is no broker under test_context()).

    ``topics`` names the topics of interest; each captured send is ``(key, JSON value)``, or
    ``(key, JSON value, partition)``. The tables' changelog writes are swallowed and their data
    cleared.
    """
    from streams.app import app

    by_name = {topic.get_topic_name(): name for name, topic in topics.items()}
    captured: dict[str, list[tuple[Any, ...]]] = {name: [] for name in topics}

    async def fake_send(
        topic: str, key: bytes | None, value: bytes, partition: Any, ts: Any, headers: Any
    ) -> asyncio.Future[None]:
        sent = (
            (key, orjson.loads(value), partition) if with_partition else (key, orjson.loads(value))
        )
        captured[by_name[topic]].append(sent)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    monkeypatch.setattr(app.producer, "send", fake_send)
    for table in tables:
        monkeypatch.setattr(table, "send_changelog", MagicMock())
        table.data.clear()
    return captured
