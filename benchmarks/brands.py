# ruff: noqa: RUF001  (multilingual text on purpose: Cyrillic, Greek, fullwidth, kana)
"""Benchmark of the brand matcher on a synthetic multilingual catalog.

Builds ``--brands`` brands (default 500) with about ten aliases each in several scripts
(Latin with diacritics, Cyrillic, Greek, Arabic, Han, Katakana, Hangul, Thai), validates them
with :func:`streams.brands.catalog.parse_brands`, builds one :class:`BrandMatcher` and prints
build time, automaton memory and matches per second on realistic posts (about 45% without any
brand; the rest with names/aliases, handles, hashtags, replies, exclude terms).

    .venv/bin/python -m benchmarks.brands [--brands 500] [--posts 20000] [--seconds 3]
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import time
import tracemalloc
from typing import Any

from streams.brands.catalog import BrandCatalog, parse_brands
from streams.brands.matcher import BrandMatcher, normalize

LATIN = [
    "ka",
    "zē",
    "lo",
    "mā",
    "ri",
    "šu",
    "ño",
    "ve",
    "tä",
    "go",
    "ré",
    "bi",
    "dra",
    "ön",
    "pel",
    "ur",
    "sil",
    "ćo",
    "nam",
    "tes",
]
CYRILLIC = [
    "ка",
    "зе",
    "ло",
    "ма",
    "ри",
    "шу",
    "но",
    "ве",
    "та",
    "го",
    "ре",
    "би",
    "дра",
    "он",
    "пел",
    "ур",
    "сил",
    "чо",
    "нам",
    "тес",
]
GREEK = [
    "κα",
    "ζε",
    "λο",
    "μα",
    "ρι",
    "σου",
    "νο",
    "βε",
    "τα",
    "γο",
    "ρέ",
    "μπι",
    "ντρα",
    "ον",
    "πελ",
    "ουρ",
    "σιλ",
    "τσο",
    "ναμ",
    "τες",
]
ARABIC = [
    "كا",
    "زي",
    "لو",
    "ما",
    "ري",
    "شو",
    "نو",
    "في",
    "تا",
    "غو",
    "رِي",
    "بي",
    "درا",
    "أون",
    "بيل",
    "ور",
    "سيل",
    "تشو",
    "نام",
    "تيس",
]
HAN = list("卡泽洛马里舒诺维塔戈雷比德翁佩乌西乔纳特")
KATAKANA = [
    "カ",
    "ゼ",
    "ロ",
    "マ",
    "リ",
    "シュ",
    "ノ",
    "ヴェ",
    "タ",
    "ゴ",
    "レ",
    "ビ",
    "ドラ",
    "オン",
    "ペル",
    "ウル",
    "シル",
    "チョ",
    "ナム",
    "テス",
]
HANGUL = [
    "카",
    "제",
    "로",
    "마",
    "리",
    "슈",
    "노",
    "베",
    "타",
    "고",
    "레",
    "비",
    "드라",
    "온",
    "펠",
    "우르",
    "실",
    "초",
    "남",
    "테스",
]
THAI = [
    "คา",
    "เซ",
    "โล",
    "มา",
    "รี",
    "ชู",
    "โน",
    "เว",
    "ทา",
    "โก",
    "เร",
    "บี",
    "ดรา",
    "ออน",
    "เพล",
    "อูร์",
    "ซิล",
    "โช",
    "นัม",
    "เทส",
]
SECTORS = [
    "Bank",
    "Air",
    "Telecom",
    "Foods",
    "Motors",
    "Pharma",
    "Energy",
    "Mobile",
    "Cola",
    "Insurance",
]

FILLER = {
    "en": "the service was really slow today and nobody answered my question about the bill",
    "es": "el servicio fue muy lento hoy y nadie respondió mi pregunta sobre la factura",
    "id": "layanannya lambat sekali hari ini dan tidak ada yang menjawab pertanyaan saya",
    "hr": "usluga je danas bila jako spora i nitko nije odgovorio na moje pitanje o računu",
    "ru": "сервис сегодня был очень медленным и никто не ответил на мой вопрос о счёте",
    "ar": "كانت الخدمة بطيئة جدا اليوم ولم يرد أحد على سؤالي عن الفاتورة",
    "zh": "今天的服务真的很慢没有人回答我关于账单的问题",
    "ja": "今日のサービスは本当に遅くて請求書についての質問に誰も答えてくれなかった",
    "ko": "오늘 서비스가 정말 느렸고 청구서에 대한 제 질문에 아무도 답하지 않았어요",
    "th": "วันนี้บริการช้ามากและไม่มีใครตอบคำถามของฉันเกี่ยวกับบิล",
}


def _word(rng: random.Random, idx: tuple[int, ...], table: list[str]) -> str:
    return "".join(table[i] for i in idx)


def build_catalog_data(n_brands: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    used: set[str] = set()
    brands: list[dict[str, Any]] = []
    ids: list[str] = []
    while len(brands) < n_brands:
        idx = tuple(rng.randrange(len(LATIN)) for _ in range(rng.choice((2, 3))))
        latin = _word(rng, idx, LATIN).capitalize()
        sector = rng.choice(SECTORS)
        aliases = [
            f"{latin} {sector}",
            f"{latin} {rng.choice(SECTORS)} Group",
            _word(rng, idx, CYRILLIC).capitalize(),
            _word(rng, idx, GREEK).capitalize(),
            _word(rng, idx, ARABIC),
            _word(rng, idx, HAN) + "集团",
            _word(rng, idx, KATAKANA),
            _word(rng, idx, HANGUL),
            _word(rng, idx, THAI),
            f"{latin}-{rng.randrange(10, 99)}",
        ]
        keys = [normalize(t) for t in (latin, *aliases)]
        if any(k in used for k in keys) or len(set(keys)) != len(keys):
            continue
        used.update(keys)
        bid = normalize(latin).replace(" ", "-")
        ids.append(bid)
        entry: dict[str, Any] = {
            "id": bid,
            "name": latin,
            "aliases": aliases,
            "handles": [f"@{bid}", f"@{bid}_help"],
            "hashtags": [f"#{bid}", f"#{bid}fail"],
        }
        if rng.random() < 0.2:
            entry["exclude"] = [f"{latin} street"]
        brands.append(entry)
    for entry in brands:
        entry["competitors"] = rng.sample([i for i in ids if i != entry["id"]], 3)
    return {"brands": brands}


def build_posts(data: dict[str, Any], n_posts: int, seed: int = 11) -> list[tuple[str, str | None]]:
    rng = random.Random(seed)
    brands = data["brands"]
    langs = list(FILLER)
    posts: list[tuple[str, str | None]] = []
    for _ in range(n_posts):
        lang = rng.choice(langs)
        filler = FILLER[lang]
        words = filler.split(" ") if " " in filler else [filler]
        cut = rng.randrange(1, len(words) + 1)
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        r = rng.random()
        reply = None
        b = rng.choice(brands)
        if r < 0.45:
            text = f"{filler} {rng.choice(['!!', '...', '😡', '', 'lol'])}"
        elif r < 0.75:
            term = rng.choice([b["name"], *b["aliases"]])
            text = f"{head} {term.upper() if rng.random() < 0.2 else term} {tail}"
        elif r < 0.85:
            text = f"{rng.choice(b['handles'])} {filler} https://t.co/{rng.randrange(10**6)}"
        elif r < 0.92:
            other = rng.choice(brands)
            text = f"{head} {b['name']} vs {other['aliases'][0]} {tail} {rng.choice(b['hashtags'])}"
        elif r < 0.97:
            text = f"{filler} mail support@{b['id']}.com"
            reply = b["handles"][0]
        else:
            text = f"{head} {b.get('exclude', [b['name']])[0]} {tail}"
        posts.append((text, reply))
    return posts


def _rss_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--brands", type=int, default=500)
    ap.add_argument("--posts", type=int, default=20000)
    ap.add_argument("--seconds", type=float, default=3.0, help="minimum timing duration")
    args = ap.parse_args(argv)

    data = build_catalog_data(args.brands)
    n_terms = sum(1 + len(b["aliases"]) + len(b.get("exclude", [])) for b in data["brands"])
    t0 = time.perf_counter()
    catalog: BrandCatalog = parse_brands(data, source="<synthetic>")
    t_validate = time.perf_counter() - t0

    gc.collect()
    rss0 = _rss_kib()
    tracemalloc.start()
    matcher = BrandMatcher(catalog)
    traced, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = _rss_kib()
    stats = matcher.automaton_stats()

    # build time, without the tracemalloc overhead
    t0 = time.perf_counter()
    BrandMatcher(catalog)
    t_build_plain = time.perf_counter() - t0

    posts = build_posts(data, args.posts)
    found = sum(1 for text, reply in posts if matcher.match(text, reply))
    for text, reply in posts[:2000]:  # warm the per-character caches
        matcher.match(text, reply)

    def bench(sample: list[tuple[str, str | None]]) -> float:
        done = 0
        t_start = time.perf_counter()
        while True:
            for text, reply in sample:
                matcher.match(text, reply)
            done += len(sample)
            elapsed = time.perf_counter() - t_start
            if elapsed >= args.seconds:
                return done / elapsed

    plain = [p for p in posts if "@" not in p[0] and "#" not in p[0] and "://" not in p[0]]
    tokens = [p for p in posts if "@" in p[0] or "#" in p[0] or "://" in p[0]]
    rate_all = bench(posts)
    rate_plain = bench(plain)
    rate_tokens = bench(tokens)
    avg_len = sum(len(t) for t, _ in posts) / len(posts)

    print(
        f"catalog: {len(catalog)} brands, {n_terms} names/aliases/exclude terms "
        f"({matcher.term_count} distinct normalised), "
        f"{sum(len(b.handles) for b in catalog)} handles, "
        f"{sum(len(b.hashtags) for b in catalog)} hashtags"
    )
    print(f"validate (parse_brands): {t_validate * 1000:8.1f} ms")
    print(f"build BrandMatcher:      {t_build_plain * 1000:8.1f} ms")
    print(
        f"automaton: {stats['nodes_count']} nodes, {stats['total_size'] / 1024:.0f} KiB "
        f"(pyahocorasick total_size); matcher allocations (tracemalloc) "
        f"{traced / 1024:.0f} KiB; RSS delta {rss1 - rss0} KiB"
    )
    print(f"posts: {len(posts)} (avg {avg_len:.0f} chars), {found / len(posts):.0%} with a brand")
    print(f"match(): {rate_all:10,.0f} posts/s overall ({1e6 / rate_all:.1f} µs/post)")
    print(f"         {rate_plain:10,.0f} posts/s without @/#/URL ({len(plain)} posts)")
    print(f"         {rate_tokens:10,.0f} posts/s with handles/hashtags/URLs ({len(tokens)} posts)")


if __name__ == "__main__":
    main()
