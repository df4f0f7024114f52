"""The keyword method: whole words, prefixes, phrases, accents, Arabic."""

from __future__ import annotations

from streams.topics.keywords import KeywordClassifier, fold
from streams.topics.taxonomy import load_topics, parse_topics_yaml

TAXONOMY = parse_topics_yaml(
    """
topics:
  - id: delivery
    name: Delivery
    department: operations
    keywords: [delivery, piegād*, envío, التوصيل]
  - id: ads
    name: Ads
    department: advertising
    keywords: [ad, tv spot]
  - id: service
    name: Service
    department: customer_service
    keywords: [customer service, kundenservice]
"""
)


def test_whole_words_prefixes_and_phrases() -> None:
    k = KeywordClassifier(TAXONOMY)
    assert k.topics("Delivery was late") == ["delivery"]
    assert k.topics("deliveryman") == []  # a whole word, no '*'
    assert k.topics("Paka piegādāta vakar") == ["delivery"]  # 'piegād*' is a prefix
    assert k.topics("I saw the ad on TV") == ["ads"]
    assert k.topics("please add me, admin") == []  # 'ad' is not 'add' nor 'admin'
    assert k.topics("that TV  spot again") == ["ads"]  # a phrase, any spacing
    assert k.topics("the tv spots") == []  # the phrase's last word is whole
    assert k.topics("Customer-Service never answers") == ["service"]


def test_case_and_accents_fold_and_the_order_is_the_taxonomys() -> None:
    k = KeywordClassifier(TAXONOMY)
    assert k.topics("ENVIO gratis, Kundenservice super, new AD") == ["delivery", "ads", "service"]
    assert fold("Qualité ÉNVÍO") == "qualite envio"


def test_arabic_matches_inside_words() -> None:
    k = KeywordClassifier(TAXONOMY)
    assert k.topics("والتوصيل متأخر جدا") == ["delivery"]


def test_the_shipped_keywords_in_several_languages() -> None:
    k = KeywordClassifier(load_topics())
    assert k.classify(
        [
            "My package never arrived and the courier lied",
            "La aplicación no funciona desde ayer",
            "Harganya mahal banget",
            "Der Kundenservice ist eine Katastrophe",
            "Just a sunny day at the beach",
        ]
    ) == [["delivery"], ["app_website"], ["billing_price"], ["customer_service"], []]
