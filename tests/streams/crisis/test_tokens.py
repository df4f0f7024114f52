"""Multilingual tokens for explanations and near-duplicates."""

from __future__ import annotations

from streams.crisis import tokens


def test_hashtags_handles_and_terms_are_told_apart() -> None:
    assert tokens.terms("@Acme my INTERNET is down again #AcmeDown https://t.co/x 2024") == [
        "@acme",
        "internet",
        "down",
        "again",
        "#acmedown",
    ]


def test_arabic_presentation_forms_and_diacritics_meet_plain_spelling() -> None:
    # presentation forms (as some clients send them) and harakat normalise to plain letters
    assert tokens.terms("ﻃﻔﻼً #ﺳﻮﺭﻳﺎً") == tokens.terms("طفلا #سوريا")
    assert "في" not in tokens.terms("الخدمة في acme سيئة")


def test_combining_marks_stay_inside_their_word() -> None:
    # Devanagari vowel signs are combining marks: \w alone would split the word at them
    assert tokens.terms("इंटरनेट फिर से बंद है") == ["इंटरनेट", "फिर", "बंद"]


def test_latin_scripts_keep_their_letters_and_drop_their_stopwords() -> None:
    assert tokens.terms("Internet od Acme opet ne radi, užasno!") == [
        "internet",
        "acme",
        "opet",
        "radi",
        "užasno",
    ]
    assert tokens.terms("Šodien klientu apkalpošana bija ļoti laipna") == [
        "šodien",
        "klientu",
        "apkalpošana",
        "ļoti",
        "laipna",
    ]
    assert tokens.terms("Internet mati lagi, @Acme_ID parah banget yang") == [
        "internet",
        "mati",
        "@acme_id",
        "parah",
        "banget",
    ]
    assert tokens.terms("¿Alguien más tiene problemas con la factura?") == [
        "alguien",
        "tiene",
        "problemas",
        "factura",
    ]


def test_apostrophes_and_dots_join_a_word() -> None:
    assert tokens.terms("l'amour don\u2019t U.S.A.") == ["l'amour", "don\u2019t", "u.s.a"]


def test_dup_words_ignore_hashtags_handles_numbers_and_emoji() -> None:
    a = tokens.dup_words(tokens.words("@acme the service is terrible 😡 #boycott 2024"))
    b = tokens.dup_words(tokens.words("the service is TERRIBLE @acme_help #scam"))
    assert a == b == {"the", "service", "is", "terrible"}
