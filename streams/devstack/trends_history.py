"""A synthetic multi-week history of mentions for the Trends page: what ``buzzwire demo``
imports before it streams, and what the Trends tests write into a store.

Sentences are written for this purpose (not taken from any data set), in six languages; each
is about one topic of the default taxonomy (``streams/data/topics.yaml``) and clearly negative
or positive, or neutral and about no topic. The patterns are known:

- **days of the week**: weekdays carry 1.3 times the mean volume, weekends 0.55 times;
- **growth**: acme's volume grows by about 45% over a year, globex stays flat, initech shrinks
  by about 30%, so acme's share of voice in their competitor set rises;
- **sentiment**: acme's net sentiment improves over the year (more praise, fewer complaints);
- **a topic surge**: in the last ``surge_days`` days acme gets three times its usual delivery
  complaints (operations' topic), so the latest week's change is news, not noise.

Every day is drawn from a random generator seeded by the seed, the date and the brand only, so
a day's mentions, ids included, are the same in every run: importing the history again skips
what is stored and adds only the days that are new.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from streams.devstack.synthetic import poisson
from streams.kernel.timestamps import iso_utc

__all__ = ["BRAND_RATES", "TOPIC_SENTENCES", "HistoryMention", "enriched_record", "history"]

#: Mentions a day of each brand on an average day at the start of the history, and the yearly
#: growth of that rate (0.45: +45% a year).
BRAND_RATES: dict[str, tuple[float, float]] = {
    "acme": (24.0, 0.45),
    "globex": (18.0, 0.0),
    "initech": (14.0, -0.30),
}
_BRAND_REFS: dict[str, tuple[str, tuple[str, ...]]] = {
    "acme": ("@acme", ("Acme", "Acme Corp", "#acme")),
    "globex": ("@globex", ("Globex", "Globex Corporation", "#globex")),
    "initech": ("@initech", ("Initech", "#initech")),
}
LANGS = ("en", "es", "de", "fr", "id", "pt")
#: how often each language is drawn
_LANG_WEIGHTS = (0.40, 0.18, 0.12, 0.10, 0.12, 0.08)

#: topic -> sentiment -> language -> sentences ({b}: the brand reference)
TOPIC_SENTENCES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "delivery": {
        "negative": {
            "en": (
                "My package from {b} is two weeks late, the delivery is a total mess",
                "{b} lost my parcel and the courier tracking shows nothing, awful",
            ),
            "es": ("Mi pedido de {b} no ha llegado, el envío lleva una semana de retraso",),
            "de": ("Meine Bestellung bei {b} ist immer noch nicht geliefert, furchtbar",),
            "fr": ("Ma commande {b} n'est toujours pas livrée, le colis est perdu, nul",),
            "id": ("Paket dari {b} belum sampai, pengirimannya lama sekali, kecewa",),
            "pt": ("A entrega da {b} atrasou e o pedido ainda não chegou, péssimo",),
        },
        "positive": {
            "en": ("Package from {b} delivered a day early, the courier was lovely",),
            "es": ("El envío de {b} llegó rapidísimo, muy contento con la entrega",),
            "de": ("Lieferung von {b} kam super schnell, toll",),
            "fr": ("Livraison {b} ultra rapide, colis parfait, merci",),
            "id": ("Pengiriman {b} cepat sekali, paketnya sampai dengan aman, mantap",),
            "pt": ("A entrega da {b} foi super rápida, adorei",),
        },
    },
    "billing_price": {
        "negative": {
            "en": ("{b} charged me twice on my bill and still no refund, ridiculous",),
            "es": ("Demasiado caro, {b} me cobró de más en la factura otra vez",),
            "de": ("Die Rechnung von {b} ist schon wieder falsch und viel zu teuer",),
            "fr": ("{b} m'a facturé deux fois, beaucoup trop cher, honteux",),
            "id": ("Tagihan {b} bulan ini naik terus, harganya mahal banget",),
            "pt": ("O preço da {b} é muito caro e cobraram a mais na fatura",),
        },
        "positive": {
            "en": ("Great deal from {b}, the discount made my bill really cheap",),
            "es": ("Buen precio en {b}, el descuento de este mes es genial",),
            "de": ("Super Preis bei {b}, der Rabatt hat sich gelohnt",),
            "fr": ("Très bon prix chez {b}, la remise est top",),
            "id": ("Harga {b} murah, ada diskon besar, senang sekali",),
            "pt": ("Ótimo preço na {b}, o desconto valeu muito a pena",),
        },
    },
    "customer_service": {
        "negative": {
            "en": (
                "{b} customer service is useless, on hold for an hour and nobody answers",
                "Worst support ever from {b}, my ticket has been ignored for a week",
            ),
            "es": ("El servicio al cliente de {b} es pésimo, nadie me atiende",),
            "de": ("Der Kundenservice von {b} ist eine Katastrophe, keiner antwortet",),
            "fr": ("Le service client de {b} ne répond jamais, c'est honteux",),
            "id": ("Pelayanan CS {b} lambat sekali dan tidak membantu, kecewa",),
            "pt": ("O atendimento da {b} foi péssimo, ninguém resolve nada",),
        },
        "positive": {
            "en": ("The {b} support staff were so friendly and helpful, great service",),
            "es": ("La atención al cliente de {b} fue excelente, me ayudaron enseguida",),
            "de": ("Der Kundendienst von {b} hat mein Problem sofort gelöst, danke",),
            "fr": ("Le service client de {b} a été parfait, merci beaucoup",),
            "id": ("Pelayanan {b} ramah dan cepat, terima kasih banyak",),
            "pt": ("O atendimento da {b} foi excelente, resolveram tudo rapidamente",),
        },
    },
    "app_website": {
        "negative": {
            "en": ("The {b} app keeps crashing since the last update, can't even log in",),
            "es": ("La aplicación de {b} no funciona, se cierra sola, un desastre",),
            "de": ("Die App von {b} stürzt ständig ab, die Webseite lädt nicht",),
            "fr": ("L'application {b} plante tout le temps, impossible de me connecter",),
            "id": ("Aplikasi {b} error terus, tidak bisa login, payah",),
            "pt": ("O aplicativo da {b} não abre e o site está fora do ar",),
        },
        "positive": {
            "en": ("Love the new {b} app, so much faster and easier than before",),
            "es": ("Me encanta la nueva aplicación de {b}, es mucho más rápida",),
            "de": ("Die neue App von {b} ist richtig gut und schnell",),
            "fr": ("La nouvelle appli {b} est géniale, rapide et simple",),
            "id": ("Aplikasi baru {b} keren, cepat dan gampang dipakai",),
            "pt": ("Adorei o novo aplicativo da {b}, muito mais rápido",),
        },
    },
    "network_outage": {
        "negative": {
            "en": ("{b} internet is down again, no signal all day, furious",),
            "es": ("Sin internet ni cobertura de {b} desde ayer, estoy harto",),
            "de": ("Seit Stunden kein Netz und kein Internet von {b}, unfassbar",),
            "fr": ("Panne de réseau {b}, plus d'internet depuis ce matin, nul",),
            "id": ("Jaringan {b} gangguan terus, internetnya lemot banget",),
            "pt": ("Sem sinal e sem internet da {b} o dia todo, absurdo",),
        },
        "positive": {
            "en": ("{b} coverage is excellent now, fast internet everywhere I go",),
            "es": ("La cobertura de {b} es excelente, internet rapidísimo",),
            "de": ("Das Netz von {b} ist jetzt super, schnelles Internet überall",),
            "fr": ("Le réseau {b} est excellent, internet très rapide",),
            "id": ("Sinyal {b} bagus sekali, internetnya kencang",),
            "pt": ("O sinal da {b} está ótimo, internet muito rápida",),
        },
    },
    "advertising": {
        "negative": {
            "en": ("Stop showing me this annoying {b} ad on every video",),
            "es": ("El nuevo anuncio de {b} es muy ofensivo, qué vergüenza",),
            "de": ("Die neue Werbung von {b} ist peinlich und nervig",),
            "fr": ("La nouvelle pub {b} est vraiment agaçante",),
            "id": ("Iklan {b} muncul terus, mengganggu sekali",),
            "pt": ("Essa propaganda da {b} é irritante demais",),
        },
        "positive": {
            "en": ("That new {b} commercial is hilarious, best ad campaign this year",),
            "es": ("Me encanta la campaña nueva de {b}, el anuncio es buenísimo",),
            "de": ("Die neue Werbekampagne von {b} ist genial",),
            "fr": ("La nouvelle pub {b} est géniale, belle campagne",),
            "id": ("Iklan baru {b} lucu banget, kreatif sekali",),
            "pt": ("A nova campanha da {b} ficou incrível",),
        },
    },
}
#: posts about no topic, neutral
NEUTRAL_SENTENCES: dict[str, tuple[str, ...]] = {
    "en": ("Just walked past the {b} building downtown", "Anyone else following {b} news?"),
    "es": ("Hoy pasé por delante de la oficina de {b}",),
    "de": ("Heute bin ich am Gebäude von {b} vorbeigelaufen",),
    "fr": ("Je suis passé devant les bureaux de {b} aujourd'hui",),
    "id": ("Tadi lewat depan kantor {b} di pusat kota",),
    "pt": ("Passei hoje em frente ao escritório da {b}",),
}
#: how often each topic is drawn for a mention that has one
_TOPIC_WEIGHTS = {
    "customer_service": 0.26,
    "app_website": 0.20,
    "billing_price": 0.18,
    "delivery": 0.14,
    "network_outage": 0.12,
    "advertising": 0.10,
}


@dataclass(frozen=True)
class HistoryMention:
    """One mention of the history, its raw record and what it is known to be."""

    value: dict[str, Any]  #: the raw record (what ``mentions.raw`` and ``buzzwire import`` take)
    brand: str
    tagged: bool
    lang: str
    sentiment: str  #: negative, neutral or positive
    topic: str | None


def _weekday_factor(day: date) -> float:
    return 0.55 if day.weekday() >= 5 else 1.3


def _negative_share(brand: str, years_in: float) -> float:
    if brand == "acme":
        return max(0.15, 0.42 - 0.18 * years_in)  # improving
    return 0.35


def _poisson(rng: random.Random, lam: float) -> int:
    return poisson(rng, lam, normal_above=50)


def _day(
    day: date, brand: str, *, first: date, surge: bool, seed: int, scale: float
) -> Iterator[HistoryMention]:
    rng = random.Random(f"{seed}:{day.isoformat()}:{brand}")
    base, growth = BRAND_RATES[brand]
    years_in = (day - first).days / 365.25
    lam = scale * base * (1.0 + growth * years_in) * _weekday_factor(day)
    count = _poisson(rng, lam)
    handle, refs = _BRAND_REFS[brand]
    negative = _negative_share(brand, years_in)
    positive = 0.30 if brand != "acme" else 0.25 + 0.15 * years_in
    extra_delivery = _poisson(rng, 2.0 * scale * base * 0.14 * 0.6) if surge else 0
    start = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
    for i in range(count + extra_delivery):
        lang = rng.choices(LANGS, _LANG_WEIGHTS)[0]
        roll = rng.random()
        topic: str | None
        if i >= count:  # the surge: delivery complaints
            sentiment, topic = "negative", "delivery"
        elif roll < negative:
            sentiment = "negative"
            topic = rng.choices(list(_TOPIC_WEIGHTS), list(_TOPIC_WEIGHTS.values()))[0]
        elif roll < negative + positive:
            sentiment = "positive"
            topic = rng.choices(list(_TOPIC_WEIGHTS), list(_TOPIC_WEIGHTS.values()))[0]
        else:
            sentiment, topic = "neutral", None
        tagged = rng.random() < 0.4
        ref = handle if tagged else rng.choice(refs)
        if topic is None:
            text = rng.choice(NEUTRAL_SENTENCES[lang])
        else:
            text = rng.choice(TOPIC_SENTENCES[topic][sentiment][lang])
        # mostly in the day, fewer at night
        hour = min(23.99, max(0.0, rng.gauss(14.0, 4.5)))
        ts = start + hour * 3600
        followers = int(rng.paretovariate(1.2) * 60)
        mid = f"trend-{day:%Y%m%d}-{brand}-{i}"
        value: dict[str, Any] = {
            "id": mid,
            "platform": rng.choice(["twitter", "instagram", "facebook", "reddit", "news"]),
            "author": {
                "id": f"u-{rng.randrange(10**6)}",
                "handle": f"@user{rng.randrange(10**6)}",
                "name": "Synthetic User",
                "followers": followers,
            },
            "text": text.format(b=ref),
            "created_at": iso_utc(ts),
            "url": f"https://example.social/p/{mid}",
            "reply_to_handle": None,
            "reshare_of": None,
            "engagement": {
                "likes": rng.randrange(0, 1 + followers // 10),
                "shares": rng.randrange(0, 1 + followers // 50),
                "replies": rng.randrange(0, 5),
            },
        }
        yield HistoryMention(value, brand, tagged, lang, sentiment, topic)


def history(
    end: datetime,
    *,
    days: int = 460,
    surge_days: int = 10,
    seed: int = 7,
    scale: float = 1.0,
    brands: tuple[str, ...] = tuple(BRAND_RATES),
) -> Iterator[HistoryMention]:
    """The ``days`` whole UTC days before ``end``'s day (that day itself is left to the live
    stream), oldest first; ``scale`` multiplies every rate (0.1: a tenth of the volume).
    460 days: every week of the last quarter has its week a year before."""
    last = end.astimezone(UTC).date() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    for offset in range(days):
        day = first + timedelta(days=offset)
        surge = (last - day).days < surge_days
        for brand in brands:
            yield from _day(
                day, brand, first=first, surge=surge and brand == "acme", seed=seed, scale=scale
            )


def enriched_record(m: HistoryMention) -> dict[str, Any]:
    """``m`` as the pipeline writes it to ``mentions.enriched`` (language, brand, sentiment and
    topics as known), for tests that write a store without running the models."""
    scores = {"negative": 0.1, "neutral": 0.8, "positive": 0.1}
    if m.sentiment == "negative":
        scores = {"negative": 0.92, "neutral": 0.05, "positive": 0.03}
    elif m.sentiment == "positive":
        scores = {"negative": 0.03, "neutral": 0.05, "positive": 0.92}
    return {
        **m.value,
        "lang": m.lang,
        "lang_confidence": 0.97,
        "brands": [{"id": m.brand, "tagged": m.tagged}],
        "sentiment": m.sentiment,
        "sentiment_scores": scores,
        "sentiment_model": "synthetic",
        "topics": [m.topic] if m.topic else [],
    }
