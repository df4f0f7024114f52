"""Fixtures for tests of the streams package that need loaded models."""

from __future__ import annotations

from collections.abc import Iterator

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
