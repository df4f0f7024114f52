"""Synthetic multilingual mentions with known ground truth, for integration tests and benchmarks.

Sentences are written for this purpose (not taken from any data set). A ``{b}`` slot takes a
brand reference: its @handle (tagged), or its name, alias or hashtag (untagged).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from streams.kernel.timestamps import iso_utc

SENTENCES: dict[str, list[str]] = {
    "en": [
        "{b} support has ignored my ticket for a whole week, really disappointed",
        "Honestly the new plan from {b} is cheaper and the coverage is great",
        "Does anyone know if {b} is down right now? Nothing loads since this morning",
        "Switched to {b} last month and I have not looked back since",
    ],
    "es": [
        "El servicio de {b} lleva tres días sin funcionar en mi barrio",
        "Me encanta la nueva aplicación de {b}, es mucho más rápida que antes",
        "¿Alguien más tiene problemas con la factura de {b} este mes?",
    ],
    "id": [
        "Pelayanan {b} hari ini sangat lambat, saya sudah menunggu dua jam",
        "Terima kasih {b}, penerbangan tadi pagi tepat waktu dan nyaman sekali",
        "Kenapa aplikasi {b} selalu error setiap kali saya mau bayar?",
    ],
    "hr": [
        "Internet od {b} opet ne radi već tri dana, stvarno sam ljut",
        "Jako sam zadovoljna s novom ponudom koju je {b} poslao ovaj tjedan",
        "Zna li netko zašto {b} ne odgovara na poruke korisničke podrške?",
    ],
    "lv": [
        "Šodien {b} klientu apkalpošana bija ļoti laipna un ātra",
        "Kāpēc {b} atkal paaugstināja cenas bez jebkāda brīdinājuma?",
        "Man patīk jaunais {b} piedāvājums, iesaku visiem draugiem",
    ],
    "ar": [
        "خدمة {b} سيئة جدا اليوم ولم يرد علي أحد منذ الصباح",
        "شكرا {b} على السرعة في حل مشكلتي، تجربة رائعة",
        "هل يعرف أحد لماذا تطبيق {b} لا يعمل الآن؟",
    ],
    "de": [
        "Der Kundendienst von {b} hat mein Problem heute sofort gelöst",
        "Warum ist die Rechnung von {b} diesen Monat schon wieder höher?",
    ],
    "fr": [
        "Le service client de {b} ne répond plus depuis trois jours",
        "Franchement la nouvelle offre de {b} est vraiment intéressante",
    ],
    "pt": [
        "O atendimento da {b} hoje foi excelente, resolveram tudo rapidamente",
        "Alguém sabe porque a internet da {b} está tão lenta esta semana?",
    ],
    "it": [
        "Il servizio clienti di {b} non risponde da tre giorni, che vergogna",
        "Sono molto contento della nuova offerta di {b}, la consiglio a tutti",
    ],
}

NO_BRAND = {
    "en": ["Such a lovely sunny morning, going for a long walk by the river"],
    "es": ["Hoy hace un día precioso para pasear por la playa con la familia"],
    "id": ["Hari ini cuacanya cerah sekali, cocok untuk jalan-jalan ke taman"],
    "hr": ["Danas je prekrasan sunčan dan, idemo u šetnju uz more"],
    "lv": ["Šodien ir ļoti skaista saulaina diena, dodamies pastaigā"],
    "ar": ["الجو جميل جدا اليوم، سأخرج للتنزه مع عائلتي"],
    "de": ["Heute ist ein wunderschöner Tag für einen Spaziergang im Park"],
    "fr": ["Quelle belle journée ensoleillée pour une promenade au parc"],
    "pt": ["Hoje está um dia lindo para passear no parque com os amigos"],
    "it": ["Oggi è una bellissima giornata di sole, andiamo a fare una passeggiata"],
}

#: Angry posts of an outage / billing / data-leak crisis, in many languages ({b}: brand reference).
CRISIS_SENTENCES: dict[str, list[str]] = {
    "en": [
        "{b} has been down all day, no internet, no phone, nothing. Worst outage ever, absolutely "
        "furious",
        "Cancelling my {b} contract today. Charged twice and support hung up on me. Disgusting",
        "{b} leaked my personal data and nobody is answering. This is a scandal",
    ],
    "es": [
        "{b} lleva todo el día caído, sin internet ni teléfono. Un desastre total, estoy furioso",
        "Me cobraron dos veces y el soporte de {b} me colgó. Vergonzoso, voy a cancelar",
    ],
    "id": [
        "{b} mati seharian, tidak ada internet sama sekali. Pelayanan terburuk, sangat kecewa",
        "Saya ditagih dua kali oleh {b} dan CS tidak membantu. Mengecewakan sekali",
    ],
    "hr": [
        "{b} cijeli dan ne radi, nema interneta ni telefona. Katastrofa, užasno sam ljut",
        "{b} mi je dvaput naplatio račun, a podrška je prekinula poziv. Sramota",
    ],
    "lv": [
        "{b} visu dienu nestrādā, nav ne interneta, ne telefona. Šausmīgi, esmu dusmīgs",
        "{b} man divreiz noņēma naudu un atbalsts nolika klausuli. Kauns",
    ],
    "ar": [
        "{b} معطل طوال اليوم، لا إنترنت ولا هاتف. أسوأ خدمة على الإطلاق، أنا غاضب جدا",
        "خصمت {b} المبلغ مرتين وأغلق الدعم الخط في وجهي. فضيحة",
    ],
    "de": [
        "{b} ist den ganzen Tag ausgefallen, kein Internet, kein Telefon. Eine Katastrophe, ich "
        "bin wütend"
    ],
    "fr": [
        "{b} est en panne toute la journée, ni internet ni téléphone. Une honte, je suis furieux"
    ],
    "pt": ["A {b} está fora do ar o dia todo, sem internet nem telefone. Péssimo, estou furioso"],
    "it": [
        "{b} è fuori servizio da tutto il giorno, niente internet né telefono. Vergognoso, sono "
        "furioso"
    ],
}

#: (brand id, handle, untagged references) — all from the sample brands file.
BRANDS: list[tuple[str, str, list[str]]] = [
    ("acme", "@acme", ["Acme", "Acme Corp", "#acme"]),
    ("globex", "@globex", ["Globex", "Globex Corporation", "#globex"]),
    ("initech", "@initech", ["Initech", "#initech"]),
]


@dataclass(frozen=True)
class SyntheticMention:
    value: dict[str, Any]
    lang: str
    brands: tuple[tuple[str, bool], ...]  # expected (brand id, tagged), sorted by id


def generate(
    n: int, *, seed: int = 7, start_ts: float, step_seconds: float = 0.5, id_prefix: str = "syn"
) -> Iterator[SyntheticMention]:
    """``n`` valid mentions: ~40% tagged, ~35% untagged, ~25% no brand, in 10 languages."""
    rng = random.Random(seed)
    langs = sorted(SENTENCES)
    for i in range(n):
        lang = langs[i % len(langs)]
        roll = rng.random()
        expected: tuple[tuple[str, bool], ...]
        if roll < 0.25:
            text = rng.choice(NO_BRAND[lang])
            expected = ()
        else:
            brand_id, handle, refs = rng.choice(BRANDS)
            tagged = roll < 0.65
            ref = handle if tagged else rng.choice(refs)
            text = rng.choice(SENTENCES[lang]).format(b=ref)
            expected = ((brand_id, tagged),)
        followers = int(rng.paretovariate(1.2) * 50)
        mid = f"{id_prefix}-{i}"
        value = {
            "id": mid,
            "platform": rng.choice(["twitter", "instagram", "facebook", "reddit", "news"]),
            "author": {
                "id": f"u-{rng.randrange(10**6)}",
                "handle": f"@user{rng.randrange(10**6)}",
                "name": "Synthetic User",
                "followers": followers,
            },
            "text": text,
            "created_at": iso_utc(start_ts + i * step_seconds),
            "url": f"https://example.social/p/{mid}",
            "engagement": {
                "likes": rng.randrange(0, 1 + followers // 10),
                "shares": rng.randrange(0, 1 + followers // 50),
                "replies": rng.randrange(0, 5),
            },
        }
        yield SyntheticMention(value, lang, expected)


def bad_messages(now_ts: float, *, max_text_chars: int = 40_000) -> list[tuple[bytes, str]]:
    """Malformed inputs, each unique, with the dead-letter reason the pipeline must give."""
    future = iso_utc(now_ts + 400 * 24 * 3600)
    cases: list[tuple[bytes, str]] = []
    for i in range(10):
        cases += [
            (b'{"id": "bad-json-%d", "text": "unterminated' % i, "not_json"),
            (b'["an", "array", %d]' % i, "not_object"),
            (b'{"id": "bad-notext-%d", "created_at": "2026-01-01T00:00:00Z"}' % i, "missing_field"),
            (b'{"text": "no id %d", "created_at": "2026-01-01T00:00:00Z"}' % i, "missing_field"),
            (b'{"id": "bad-nots-%d", "text": "no time"}' % i, "missing_field"),
            (
                b'{"id": "bad-future-%d", "text": "x", "created_at": "%s"}' % (i, future.encode()),
                "future_timestamp",
            ),
            (b"\xff\xfe\xfa not utf8 %d" % i, "not_utf8"),
            (
                b'{"id": "bad-bin-%d", "text": "\\u0000\\u0001\\u0002", "created_at": 1790000000}'
                % i,
                "binary_text",
            ),
            (
                b'{"id": "bad-followers-%d", "text": "x", "created_at": 1790000000, '
                b'"author": {"followers": -1}}' % i,
                "invalid_field",
            ),
        ]
    huge = (
        b'{"id": "bad-huge", "text": "'
        + b"a" * (max_text_chars + 1)
        + b'", "created_at": 1790000000}'
    )
    cases.append((huge, "text_too_long"))
    return cases


@dataclass(frozen=True)
class CrisisDay:
    """A day of seasonal traffic for some brands, with one injected negative crisis."""

    mentions: list[dict[str, Any]]  # in created_at order
    crisis_brand: str
    onset_ts: float  # first crisis post
    end_ts: float  # last crisis post
    crisis_ids: frozenset[str]


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method, fine for the small rates used here
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1


def _mention(
    rng: random.Random, mid: str, text: str, ts: float, brand_handle: str | None
) -> dict[str, Any]:
    followers = int(rng.paretovariate(1.2) * 50)
    return {
        "id": mid,
        "platform": rng.choice(["twitter", "instagram", "facebook", "reddit"]),
        "author": {"handle": f"@user{rng.randrange(10**6)}", "followers": followers},
        "text": text,
        "created_at": iso_utc(ts),
        "url": f"https://example.social/p/{mid}",
        "engagement": {
            "likes": rng.randrange(0, 1 + followers // 10),
            "shares": rng.randrange(0, 1 + followers // 50),
            "replies": rng.randrange(0, 5),
        },
        "reply_to_handle": brand_handle if rng.random() < 0.1 else None,
    }


def crisis_day(
    *,
    start_ts: float,
    brands: tuple[str, ...] = ("acme", "globex"),
    crisis_brand: str = "acme",
    hours: float = 24.0,
    per_hour: float = 150.0,
    crisis_at_hour: float = 14.0,
    crisis_minutes: float = 60.0,
    crisis_per_hour: float = 450.0,
    dispersion: float = 8.0,
    seed: int = 11,
    id_prefix: str = "day",
) -> CrisisDay:
    """Mentions of ``brands`` over ``hours`` from ``start_ts``.

    Each brand's rate follows a daily cycle (x0.4 at night to x1.6 in the evening) with
    overdispersed noise (gamma-Poisson: variance well above the mean), in every language of
    ``SENTENCES``. From ``crisis_at_hour`` on, for ``crisis_minutes``, ``crisis_brand`` also gets
    ``crisis_per_hour`` angry posts (``CRISIS_SENTENCES``) on top of its normal traffic.
    """
    rng = random.Random(seed)
    refs = {b: (h, r) for b, h, r in BRANDS}
    langs = sorted(SENTENCES)
    minute = 60.0
    out: list[dict[str, Any]] = []
    crisis_ids: set[str] = set()
    onset = start_ts + crisis_at_hour * 3600
    end = onset + crisis_minutes * 60
    first_crisis: float | None = None
    last_crisis = onset
    for m in range(int(hours * 60)):
        t0 = start_ts + m * minute
        day_phase = ((t0 % 86400) / 86400 - 4 / 24) * 2 * math.pi
        cycle = 1 + 0.6 * math.sin(day_phase - math.pi / 2)
        for brand in brands:
            handle, names = refs[brand]
            lam = per_hour / 60 * cycle * rng.gammavariate(dispersion, 1 / dispersion)
            n = _poisson(rng, lam)
            crisis_n = 0
            if brand == crisis_brand and onset <= t0 < end:
                crisis_n = _poisson(rng, crisis_per_hour / 60)
            for j in range(n + crisis_n):
                lang = rng.choice(langs)
                ref = handle if rng.random() < 0.4 else rng.choice(names)
                ts = t0 + rng.random() * minute
                crisis = j >= n
                pool = CRISIS_SENTENCES if crisis else SENTENCES
                text = rng.choice(pool[lang]).format(b=ref)
                mid = f"{id_prefix}-{'crisis-' if crisis else ''}{brand}-{m}-{j}"
                out.append(_mention(rng, mid, text, ts, handle))
                if crisis:
                    crisis_ids.add(mid)
                    first_crisis = ts if first_crisis is None else min(first_crisis, ts)
                    last_crisis = max(last_crisis, ts)
    out.sort(key=lambda v: v["created_at"])
    return CrisisDay(
        mentions=out,
        crisis_brand=crisis_brand,
        onset_ts=first_crisis if first_crisis is not None else onset,
        end_ts=last_crisis,
        crisis_ids=frozenset(crisis_ids),
    )


#: The demo's compressed history: 30 hours of two brands, a negative crisis for Acme at 26 h
#: (after the detector's first day, when it only alerts on the clearest anomalies).
HISTORY_HOURS = 30.0


def demo_history(now: float) -> list[dict[str, Any]]:
    """Past mentions for the demo and ``buzzwire replay --history`` (synthetic, seasonal),
    ending ``now``, with a crisis in them."""
    start = now - HISTORY_HOURS * 3600
    start -= start % 60
    day = crisis_day(
        start_ts=start,
        hours=HISTORY_HOURS,
        per_hour=300.0,
        crisis_at_hour=26.0,
        crisis_minutes=40.0,
        crisis_per_hour=2400.0,
        id_prefix=f"hist{now:.0f}",
    )
    return day.mentions
