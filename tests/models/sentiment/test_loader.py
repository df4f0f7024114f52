"""Choosing and loading a sentiment model (models/sentiment/loader.py), and what each choice
imports: the default install has no torch (``pip install .``; torch and transformers are the
``torch`` extra), so the default e5 model (int8 on ONNX Runtime) and the linear model must load
and score without them, and the torch models must say which extra to install.

The "no torch" runs are subprocesses whose ``sitecustomize`` (first on ``PYTHONPATH``) makes
``import torch`` / ``import transformers`` raise ``ModuleNotFoundError``, as on a lean install.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from models.sentiment.base import LABELS

REPO = Path(__file__).resolve().parents[3]
EXTRA_HINT = "pip install 'buzzwire[torch]'"
# The Dockerfile's check of the built image: two posts through `buzzwire analyze - --out -`.
POSTS = [
    {"text": "@acme my internet is down again, third time this week"},
    {"text": "Me encanta el nuevo plan de Globex, muy buen servicio"},
]
NO_TORCH = textwrap.dedent(
    """
    import sys

    BLOCKED = {"torch", "transformers"}


    class NoTorch:
        '''Installed in sys.meta_path first: torch and transformers cannot be imported.'''

        @staticmethod
        def find_spec(name, path=None, target=None):
            if name.partition(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r} (lean install)", name=name)
            return None


    sys.meta_path.insert(0, NoTorch())
    """
)


def env_for(tmp_path: Path, *, no_torch: bool, **settings: str) -> dict[str, str]:
    """The environment of a subprocess: no BUZZWIRE_* from the caller, ``settings`` instead."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUZZWIRE_")}
    env.update(settings)
    env["HF_HUB_OFFLINE"] = "1"
    path = [str(REPO)]
    if no_torch:
        site = tmp_path / "no-torch"
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(NO_TORCH)
        path.insert(0, str(site))
    env["PYTHONPATH"] = os.pathsep.join([*path, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def buzzwire() -> list[str]:
    """The ``buzzwire`` command of this environment (the console script pip installed)."""
    script = Path(sys.executable).with_name("buzzwire")
    return [str(script)] if script.exists() else [sys.executable, "-m", "streams.cli"]


def analyze(tmp_path: Path, *, no_torch: bool, **settings: str) -> subprocess.CompletedProcess[str]:
    """``buzzwire analyze - --out -`` on ``POSTS``."""
    return subprocess.run(
        [*buzzwire(), "analyze", "-", "--out", "-"],
        input="".join(json.dumps(p) + "\n" for p in POSTS),
        env=env_for(tmp_path, no_torch=no_torch, **settings),
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def python(
    tmp_path: Path, code: str, *, no_torch: bool, **settings: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env_for(tmp_path, no_torch=no_torch, **settings),
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_harness_blocks_torch(tmp_path: Path) -> None:
    done = python(tmp_path, "import transformers", no_torch=True)
    assert done.returncode != 0 and "lean install" in done.stderr
    done = python(tmp_path, "import torch.nn", no_torch=True)
    assert done.returncode != 0 and "lean install" in done.stderr


@pytest.mark.parametrize(
    ("spec", "name"), [("e5", "e5-small-sentiment"), ("linear", "linear-hashed-ngram-lr")]
)
def test_analyze_scores_without_torch(tmp_path: Path, spec: str, name: str) -> None:
    """The Dockerfile's check, on an install without the torch extra."""
    done = analyze(
        tmp_path,
        no_torch=True,
        BUZZWIRE_SENTIMENT_MODEL=spec,
        BUZZWIRE_SENTIMENT_QUANTIZE="int8",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert [r["text"] for r in rows] == [p["text"] for p in POSTS]
    for row in rows:
        assert row["sentiment"] in LABELS and row["lang"], row
        assert set(row["sentiment_scores"]) == set(LABELS), row
    assert f"2 scored, 0 with errors (sentiment model: {name})" in done.stderr


@pytest.mark.parametrize("spec", ["e5", "linear"])
def test_loading_and_scoring_import_no_torch(tmp_path: Path, spec: str) -> None:
    """With torch installed, the default and linear models do not even import it."""
    done = python(
        tmp_path,
        f"""
        import sys
        from models.sentiment.loader import load_linear, load_sentiment_model

        model = load_sentiment_model({spec!r}, threads=1)
        fallback = load_linear()
        assert len(model.predict(["great service", "awful service"])) == 2
        assert len(fallback.predict(["great service"])) == 1
        heavy = sorted({{"torch", "transformers", "onnx"}} & set(sys.modules))
        assert not heavy, heavy
        print(model.name, model.version)
        """,
        no_torch=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("e5-small-sentiment " if spec == "e5" else "linear")


def test_float32_e5_without_torch_names_the_extra(tmp_path: Path) -> None:
    done = analyze(
        tmp_path, no_torch=True, BUZZWIRE_SENTIMENT_MODEL="e5", BUZZWIRE_SENTIMENT_QUANTIZE="none"
    )
    assert done.returncode != 0
    assert "TorchExtraMissing" in done.stderr
    assert "the float32 e5 model (quantize='none') needs torch and transformers" in done.stderr
    assert EXTRA_HINT in done.stderr


def test_torch_models_without_torch_name_the_extra(tmp_path: Path) -> None:
    done = python(
        tmp_path,
        """
        from models.sentiment.loader import load_sentiment_model
        from models.sentiment.torch_extra import TorchExtraMissing

        for spec, quantize, threads in (
            ("e5", "none", None),
            ("e5", "none", 2),
            ("cardiffnlp/twitter-xlm-roberta-base-sentiment", "int8", None),
        ):
            try:
                load_sentiment_model(spec, quantize=quantize, threads=threads)
            except TorchExtraMissing as exc:
                print(exc)
            else:
                raise SystemExit(f"{spec} loaded without torch")
        """,
        no_torch=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 3
    assert all(EXTRA_HINT in line for line in lines)
    assert lines[0].startswith("the float32 e5 model (quantize='none') needs torch")
    assert lines[2].startswith(
        "the Hugging Face model 'cardiffnlp/twitter-xlm-roberta-base-sentiment' needs torch"
    )
