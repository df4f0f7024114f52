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
from streams.brands.matcher import BrandMatcher
from streams.config import Settings
from streams.mentions.logic import Limits
from streams.pipeline.metrics import Metrics
from streams.pipeline.runtime import Runtime

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


class RecordingProducer:
    """Records what agents produce under Faust's ``test_context()``, which has no broker.

    ``watch`` names the topics of interest and returns a dict that fills as the agents send:
    ``name -> [(key, JSON value)]``, or ``(key, JSON value, partition)`` with partitions.
    """

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._captured: dict[str, list[tuple[Any, ...]]] = {}
        self._with_partition = False

    def watch(
        self, topics: dict[str, faust.TopicT], *, with_partition: bool = False
    ) -> dict[str, list[tuple[Any, ...]]]:
        self._names = {topic.get_topic_name(): name for name, topic in topics.items()}
        self._captured = {name: [] for name in topics}
        self._with_partition = with_partition
        return self._captured

    async def send(
        self, topic: str, key: bytes | None, value: bytes, partition: int | None
    ) -> asyncio.Future[None]:
        name = self._names.get(topic)
        if name is not None:
            data = orjson.loads(value)
            sent = (key, data, partition) if self._with_partition else (key, data)
            self._captured[name].append(sent)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


@pytest.fixture
def recording_producer() -> Iterator[RecordingProducer]:
    """Agents send to a ``RecordingProducer`` for the test's duration."""
    from streams.pipeline.producer import using_transport

    recorder = RecordingProducer()
    with using_transport(recorder.send):
        yield recorder


def fresh_tables(monkeypatch: pytest.MonkeyPatch, tables: Iterable[faust.Table]) -> None:
    """Empty ``tables`` and swallow their changelog writes (no broker under test_context())."""
    for table in tables:
        monkeypatch.setattr(table, "send_changelog", MagicMock())
        table.data.clear()
