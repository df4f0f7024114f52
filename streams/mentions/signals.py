"""What a post says of itself: does it ask a question, does it report a problem (pure).

Both are **deterministic keyword rules**, not a model: small per-language lists, easy to read,
to test and to extend, and the same answer every time. They feed the inbox's priority and its
suggested answer (``streams.inbox``), where a miss costs a little rank, never a lost post.

- ``asks_question``: a question mark (``?``, Arabic ``؟``, Spanish ``¿``) anywhere; or the post
  *starts* with a question word of its language (``how``, ``cómo``, ``kenapa``, ``zašto``,
  ``kāpēc``, ``هل``, ``warum``, ``pourquoi``, ``perché`` ...; leading ``@handles`` and ``#tags``
  skipped; not when that first sentence ends in ``!``: "What a day!"); or it holds a question
  phrase anywhere (``does anyone know``, ``alguien sabe``, ``ada yang tahu`` ...).
- ``reports_problem``: a problem phrase of its language anywhere (``not working``,
  ``no funciona``, ``tidak bisa``, ``ne radi``, ``nestrādā``, ``لا يعمل``,
  ``funktioniert nicht``, ``ne marche pas``, ``não funciona``, ``non funziona`` ...).

The English lists are always checked too (``refund``, ``down``, ``error`` turn up in posts of
every language), and a post of an unknown language is checked against every list. Matching is
case-insensitive on whole words (Arabic on substrings: its prefixes such as ``و`` and ``ال``
attach to the word).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

__all__ = ["LANGUAGES", "asks_question", "reports_problem"]

_QUESTION_MARKS = ("?", "؟", "¿", "\uff1f")  # the last one: the full-width question mark (CJK)


def _words(spec: str) -> tuple[str, ...]:
    """The phrases of ``"a | b c | d"``."""
    return tuple(w.strip() for w in spec.split("|") if w.strip())


#: Words that open a question, by language (the post's first word or words).
_QUESTION_STARTS: dict[str, tuple[str, ...]] = {
    "en": _words(
        "how | why | what | when | where | who | which | whom | whose | anyone | "
        "anybody | does | is there | can someone | can anyone | can you | could you"
    ),
    "es": _words(
        "qué | cómo | cuándo | dónde | por qué | cuál | cuáles | quién | quiénes | "
        "cuánto | cuánta | alguien"
    ),
    "pt": _words(
        "o que | quando | onde | por que | porquê | qual | quais | quem | quanto | "
        "alguém | vocês podem"
    ),
    "id": _words(
        "apa | apakah | bagaimana | gimana | kenapa | mengapa | kapan | dimana | "
        "di mana | siapa | berapa | bisakah | kok"
    ),
    "hr": _words(
        "što | šta | zašto | kako | kada | gdje | tko | koji | koja | koliko | da li | "
        "je li | jel | može li | možete li"
    ),
    "lv": _words("kas | kāpēc | kā | kad | kur | kurš | kura | vai | cik | kādēļ"),
    "ar": _words("ماذا | لماذا | كيف | متى | أين | اين | هل | ليش | ليه | شلون | ايش | كم"),
    "de": _words(
        "was | warum | wieso | weshalb | wie | wann | wo | wer | welche | welcher | "
        "welches | gibt es | kann man | könnt ihr | können sie"
    ),
    "fr": _words(
        "pourquoi | comment | quand | où | quel | quelle | quels | quelles | est-ce que | "
        "est ce que | qu'est-ce | combien | pouvez-vous | quelqu'un"
    ),
    "it": _words(
        "cosa | che cosa | perché | perche | come mai | quando | dove | chi | quale | "
        "quali | quanto | qualcuno | potete"
    ),
}

#: Question phrases anywhere in a post.
_QUESTION_PHRASES: dict[str, tuple[str, ...]] = {
    "en": _words(
        "does anyone know | anyone know | how do i | how can i | any idea | please advise"
    ),
    "es": _words("alguien sabe | cómo puedo | como puedo | me pueden ayudar"),
    "pt": _words("alguém sabe | como faço | como posso | podem me ajudar"),
    "id": _words("ada yang tahu | gimana caranya | bagaimana cara | mohon info"),
    "hr": _words("zna li netko | kako mogu | može li netko"),
    "lv": _words("vai kāds zina | kā es varu"),
    "ar": _words("هل يوجد | كيف يمكنني | ممكن مساعدة"),
    "de": _words("weiß jemand | wie kann ich | kann mir jemand"),
    "fr": _words("quelqu'un sait | comment faire | comment puis-je"),
    "it": _words("qualcuno sa | come posso | come faccio"),
}

#: Phrases that report a problem, by language (anywhere in a post).
_PROBLEMS: dict[str, tuple[str, ...]] = {
    "en": _words(
        "not working | doesn't work | doesnt work | does not work | isn't working | "
        "stopped working | won't work | can't log in | cannot log in | can't login | "
        "is down | are down | went down | still down | down again | outage | broken | "
        "refund | error | crashed | crashes | crashing | bug | failed | scam | "
        "charged twice | never arrived | not received | still waiting | no signal"
    ),
    "es": _words(
        "no funciona | no sirve | no me deja | no puedo | está caído | esta caido | "
        "se cayó | roto | reembolso | estafa | falla | fallo | sin servicio | no llegó | "
        "no llega"
    ),
    "pt": _words(
        "não funciona | nao funciona | não consigo | nao consigo | fora do ar | "
        "quebrado | reembolso | erro | golpe | travou | caiu | sem sinal | não chegou"
    ),
    "id": _words(
        "tidak bisa | gak bisa | nggak bisa | ga bisa | gabisa | tidak berfungsi | "
        "tidak jalan | rusak | gangguan | lemot | pengembalian dana | penipuan | "
        "belum sampai | belum diterima"
    ),
    "hr": _words(
        "ne radi | ne funkcionira | ne mogu | pokvaren | pokvareno | greška | greska | "
        "povrat novca | prijevara | smetnje | nije stiglo | nije stigao"
    ),
    "lv": _words(
        "nestrādā | nedarbojas | nevaru | salūzis | salūza | kļūda | atmaksa | atmaksu | "
        "krāpšana | traucējumi | nav pienākusi | nav saņemts"
    ),
    "ar": _words(
        "لا يعمل | لا تعمل | ما يشتغل | مايشتغل | ما تشتغل | معطل | عطل | خلل | مشكلة | "
        "استرداد | استرجاع | احتيال | لا أستطيع | لا استطيع | ما وصل"
    ),
    "de": _words(
        "funktioniert nicht | geht nicht | kaputt | defekt | fehler | störung | ausfall | "
        "erstattung | rückerstattung | betrug | nicht angekommen | kann mich nicht"
    ),
    "fr": _words(
        "ne fonctionne pas | ne marche pas | marche pas | en panne | panne | cassé | "
        "erreur | remboursement | arnaque | impossible de | pas reçu | bug"
    ),
    "it": _words(
        "non funziona | non va | rotto | guasto | errore | rimborso | truffa | "
        "non riesco | disservizio | non è arrivato | non e arrivato"
    ),
}

#: The languages with their own lists.
LANGUAGES = tuple(sorted(_PROBLEMS))
#: Languages whose words take attached prefixes: matched as substrings.
_SUBSTRING_LANGS = frozenset({"ar"})
#: A leading run of @handles, #tags, punctuation and spaces, skipped before question words.
_LEADING = re.compile(r"^(?:[@#]\w+|[^\w@#])*")
#: The first sentence: up to the first ".", "!" or line break.
_FIRST_SENTENCE = re.compile(r"[^.!\n]*[.!]?")


def _langs(lang: str | None) -> Iterable[str]:
    lang = (lang or "").lower().split("-")[0].split("_")[0]
    if lang in _PROBLEMS:
        return (lang, "en") if lang != "en" else ("en",)
    return LANGUAGES


@functools.lru_cache(maxsize=128)
def _pattern(lang: str, kind: str) -> re.Pattern[str]:
    table = {"start": _QUESTION_STARTS, "phrase": _QUESTION_PHRASES, "problem": _PROBLEMS}[kind]
    words = sorted(table.get(lang, ()), key=len, reverse=True)
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+").replace("'", "['\u2019]") for w in words)
    if not body:
        return re.compile(r"(?!x)x")
    if kind == "start":
        return re.compile(rf"^(?:{body})(?!\w)", re.IGNORECASE)
    if lang in _SUBSTRING_LANGS:
        return re.compile(rf"(?:{body})", re.IGNORECASE)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _normal(text: str) -> str:
    return text.replace("\u2019", "'").casefold() if text else ""


def asks_question(text: str, lang: str | None) -> bool:
    """Whether ``text`` (in language ``lang``, ``None`` when unknown) asks a question."""
    if not text:
        return False
    if any(mark in text for mark in _QUESTION_MARKS):
        return True
    body = _normal(text)
    opening = _LEADING.sub("", body, count=1)
    # "What a day!", "¡Qué bonito!": an exclamation that opens with a question word
    first = _FIRST_SENTENCE.match(opening)
    exclaims = first is not None and first.group(0).rstrip().endswith("!")
    return any(
        (not exclaims and _pattern(lang_, "start").search(opening))
        or _pattern(lang_, "phrase").search(body)
        for lang_ in _langs(lang)
    )


def reports_problem(text: str, lang: str | None) -> bool:
    """Whether ``text`` (in language ``lang``, ``None`` when unknown) reports a problem."""
    if not text:
        return False
    body = _normal(text)
    return any(_pattern(lang_, "problem").search(body) for lang_ in _langs(lang))
