"""Where the shipped sentiment models live (package data under ``models/sentiment/weights``)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SHIPPED_E5", "SHIPPED_LINEAR", "WEIGHTS"]

WEIGHTS = Path(__file__).resolve().parent / "weights"
#: The fine-tuned e5 model trained by ``python -m models.sentiment.train_e5`` (the default).
SHIPPED_E5 = WEIGHTS / "e5"
#: The linear model trained by ``python -m models.sentiment.train_linear`` (the fallback).
SHIPPED_LINEAR = WEIGHTS / "linear"
