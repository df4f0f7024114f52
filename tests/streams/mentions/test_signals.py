"""Question and problem signals, per language (deterministic keyword rules)."""

from __future__ import annotations

import pytest

from streams.mentions.signals import LANGUAGES, asks_question, reports_problem

QUESTIONS = [
    ("en", "How do I reset my password"),
    ("en", "@acme why is my bill so high"),
    ("en", "does anyone know when the store opens"),
    ("es", "¿Cuándo abren la tienda"),
    ("es", "Cómo cambio mi plan"),
    ("id", "Kenapa paket saya belum dikirim"),
    ("id", "ada yang tahu nomor CS acme"),
    ("hr", "Zašto mi je račun tako visok"),
    ("hr", "Kako mogu promijeniti tarifu"),
    ("lv", "Kāpēc rēķins ir tik liels"),
    ("ar", "هل المتجر مفتوح اليوم"),
    ("ar", "متى يفتح المتجر؟"),
    ("de", "Warum ist meine Rechnung so hoch"),
    ("fr", "Pourquoi ma facture est si élevée"),
    ("pt", "Alguém sabe o horário da loja"),
    ("it", "Perché la bolletta è così alta"),
    (None, "any language with a question mark?"),
]

NOT_QUESTIONS = [
    ("en", "What a great day!"),
    ("en", "Loving the new acme app"),
    ("es", "¡Qué bonito día!"),
    ("id", "Terima kasih acme"),
    ("hr", "Hvala vam puno"),
    ("lv", "Paldies par ātro piegādi"),
    ("ar", "شكرا جزيلا"),
    ("de", "Danke für die schnelle Hilfe"),
    ("fr", "Merci beaucoup"),
    ("pt", "Obrigado pela ajuda"),
    ("it", "Grazie mille"),
    ("en", ""),
]

PROBLEMS = [
    ("en", "my internet is down AGAIN"),
    ("en", "The app doesn't work since the update"),
    ("en", "I want a refund"),
    ("es", "La aplicación no funciona"),
    ("id", "Aplikasinya tidak bisa dibuka"),
    ("hr", "Internet ne radi od jutra"),
    ("lv", "Internets nestrādā jau otro dienu"),
    ("ar", "التطبيق لا يعمل منذ الصباح"),
    ("ar", "والمشكلة مستمرة"),  # a prefix attached: matched inside the word
    ("de", "Die App funktioniert nicht mehr"),
    ("fr", "L'appli ne marche pas"),
    ("pt", "O app não funciona"),
    ("it", "L'app non funziona più"),
    ("es", "pedí un refund hace una semana"),  # English words count in every language
    (None, "Internet ne radi"),  # an unknown language: every list
]

NOT_PROBLEMS = [
    ("en", "Calm down, it was a joke"),
    ("en", "Download the new app"),
    ("es", "Funciona perfecto"),
    ("id", "Bisa banget, mantap"),
    ("hr", "Sve radi odlično"),
    ("lv", "Viss strādā lieliski"),
    ("ar", "يعمل بشكل ممتاز"),
    ("de", "Funktioniert super"),
    ("fr", "Ça marche très bien"),
    ("pt", "Funciona muito bem"),
    ("it", "Funziona benissimo"),
]


@pytest.mark.parametrize(("lang", "text"), QUESTIONS)
def test_questions(lang: str | None, text: str) -> None:
    assert asks_question(text, lang)


@pytest.mark.parametrize(("lang", "text"), NOT_QUESTIONS)
def test_not_questions(lang: str | None, text: str) -> None:
    assert not asks_question(text, lang)


@pytest.mark.parametrize(("lang", "text"), PROBLEMS)
def test_problems(lang: str | None, text: str) -> None:
    assert reports_problem(text, lang)


@pytest.mark.parametrize(("lang", "text"), NOT_PROBLEMS)
def test_not_problems(lang: str | None, text: str) -> None:
    assert not reports_problem(text, lang)


def test_every_language_named_in_the_brief_has_lists() -> None:
    assert set(LANGUAGES) >= {"en", "es", "id", "hr", "lv", "ar", "de", "fr", "pt", "it"}
    for lang in ("en", "es", "id", "hr", "lv", "ar", "de", "fr", "pt", "it"):
        assert any(lang == q for q, _ in QUESTIONS)
        assert any(lang == p for p, _ in PROBLEMS)


def test_region_tags_and_case() -> None:
    assert reports_problem("NO FUNCIONA", "es-MX")
    assert asks_question("KAKO mogu", "hr_HR")
