"""Copy-paste campaigns injected into real posts: is the ``coordinated`` flag right, and how
many false crisis threads does counting only organic mentions prevent?

    python benchmarks/campaigns.py [--runs N] [--sizes 150,600] [--windows 60,300] [--seed S]

Each run is two days of one brand (the first is the detector's cold start). Organic traffic is
real posts from ``../shared/data/sentiment/val.jsonl`` (11 languages, their sentiment labels)
with the brand named, from a pool of authors of whom a few post often, at a daily seasonal rate
of SIZE mentions an hour. On the second day come, at random non-overlapping times:

- two **campaigns**: one post copied 30-240 times within 5-30 minutes (a burst: two copies a
  minute or more), each copy with
  paraphrase noise (adjacent words swapped, typos, a word dropped, emoji, added hashtags, the
  brand as a handle or a name, a word upper-cased), posted by as many bots, or by five
  accounts posting in turn;
- one **organic crisis**: 1x or 3x the normal rate of extra negative posts for 30-60 minutes,
  different posts, 40% with a crisis hashtag, 15% reshares of one viral post, 10% short
  near-identical complaints ("@acme down again?").

The brand's events go through ``streams.crisis.insight.BrandInsight`` (near-duplicates,
author cap, organic counts) and, window by window, through two copies of the stream's
``EpisodeTracker``: one on all mentions (as today), one on the organic ones. The
``coordinated`` flag is ``campaigns.classify`` on the last five minutes at each window close.

Printed per window width and brand size: the flag's precision (flagged episodes that are
campaigns) and recall (campaigns flagged), the delay from a campaign's start to its flag,
crisis threads opened by campaigns with all mentions counted vs organic ones only (the false
threads prevented), organic crises detected either way, the mention-level precision and recall
of "inauthentic", the cost of ``observe`` per mention, and the JSON state per brand.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from streams.crisis.alert_threads import AlertConfig, EpisodeTracker, new_alerting_state  # noqa: E402
from streams.crisis.insight import BrandInsight, InsightConfig  # noqa: E402
from streams.devstack.synthetic import poisson  # noqa: E402
from streams.kernel.timestamps import iso_utc  # noqa: E402
from streams.windowing.events import BrandEvent  # noqa: E402
from streams.windowing.windows import Tally  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "sentiment" / "val.jsonl"
DAY0 = 1_790_000_000 - 1_790_000_000 % 86400
HOURS = 48
EMOJI = ["😡", "🤬", "👎", "🔥", "😤", "💯", "‼️", "🙄", "😱", "👇"]
HASHTAGS = ["#boycottacme", "#acmefail", "#truth", "#viral", "#shareit", "#wakeup", "#scam"]
CRISIS_TAGS = ["#acmedown", "#acmeoutage"]
SHORT = ["@acme down again?", "@acme is down", "acme down??", "@acme not working", "acme down"]
PLATFORMS = ["x", "instagram", "facebook", "reddit", "tiktok"]
#: (copies, minutes) of the campaigns: 30-240 copies in 5-30 minutes, two a minute or more
BURSTS = [(c, m) for c in (30, 60, 120, 240) for m in (5, 10, 15, 20, 30) if c >= 2 * m]


@dataclass(frozen=True)
class Post:
    text: str
    lang: str
    sentiment: str


def load_posts(path: Path = DATA) -> list[Post]:
    """Posts of a JSONL file: ``text``, ``lang`` and ``label`` (the sentiment data set) or
    mention records (the bundled sample: no label, so neutral; bad records skipped)."""
    posts = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if not isinstance(d, dict) or not isinstance(d.get("text"), str):
                continue
            posts.append(Post(d["text"], d.get("lang") or "und", d.get("label") or "neutral"))
    return posts


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(len(word))
    op = rng.random()
    if op < 0.34:
        return word[:i] + word[i + 1 :]
    if op < 0.67:
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiourstnl") + word[i + 1 :]


def paraphrase(text: str, rng: random.Random) -> str:
    """A noisy copy: swaps, typos, a dropped word, emoji, hashtags, brand spelling, case."""
    words = text.split()
    for _ in range(rng.choice((0, 1, 1, 2))):
        if len(words) > 2:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
    for _ in range(rng.choice((0, 1, 1, 2))):
        if words:
            i = rng.randrange(len(words))
            words[i] = _typo(words[i], rng)
    if len(words) > 8 and rng.random() < 0.3:
        del words[rng.randrange(len(words))]
    if words and rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = words[i].upper()
    for _ in range(rng.choice((0, 1, 2, 3))):
        words.insert(rng.randrange(len(words) + 1), rng.choice(EMOJI))
    words += rng.sample(HASHTAGS, rng.choice((0, 1, 1, 2)))
    brand = rng.choice(("@acme", "Acme", "ACME", "@Acme_help", "acme"))
    return f"{brand} {' '.join(words)}" if rng.random() < 0.7 else f"{' '.join(words)} {brand}"


@dataclass
class Truth:
    kind: str  # "campaign" | "crisis"
    start: float
    end: float
    size: int = 0
    ids: set[str] = field(default_factory=set)


def _seasonal(hour: float) -> float:
    return 1.0 + 0.6 * math.sin(2 * math.pi * (hour - 9) / 24)


class Authors:
    """Organic authors: most post once in a while, a few very often."""

    def __init__(self, rng: random.Random, n: int = 20_000) -> None:
        self.rng = rng
        self.n = n

    def pick(self) -> str:
        if self.rng.random() < 0.03:
            return f"@heavy{self.rng.randrange(8)}"
        return f"@user{self.rng.randrange(self.n)}"


def _event(
    i: int,
    ts: float,
    text: str,
    lang: str,
    sentiment: str,
    author: str,
    rng: random.Random,
    reshare: str | None = None,
) -> BrandEvent:
    return BrandEvent(
        brand="acme",
        id=f"m{i}",
        ts=ts,
        created_at=iso_utc(ts),
        tagged=rng.random() < 0.5,
        sentiment=sentiment,
        lang=lang,
        followers=int(rng.lognormvariate(5, 1.5)),
        engagement=rng.randrange(20),
        author=author,
        url=f"https://example.social/{i}",
        text=text[:500],
        platform=rng.choice(PLATFORMS),
        reshare_of=reshare,
    )


def simulate(
    seed: int,
    size: float,
    posts: list[Post],
    *,
    hours: int = HOURS,
    events_from: float = 26.0,
) -> tuple[list[Any], list[Truth]]:
    """One run's events (sorted by time) and the injected campaigns and crisis."""
    rng = random.Random(seed)
    authors = Authors(rng)
    organic = [p for p in posts if len(p.text.split()) >= 3]
    # (a file without sentiment labels: any post can be an angry one)
    negatives = [p for p in organic if p.sentiment == "negative"] or organic
    sources = [p for p in posts if len(p.text.split()) >= 10]
    out: list[Any] = []
    n = 0
    # organic posts are drawn without replacement (a shuffled cycle): the same text twice
    # within the hour would be a real copy
    order = organic[:]
    rng.shuffle(order)
    drawn = 0
    for minute in range(hours * 60):
        ts0 = DAY0 + minute * 60
        lam = size / 60 * _seasonal(minute / 60)
        for _ in range(_poisson(rng, lam)):
            p = order[drawn % len(order)]
            drawn += 1
            text = f"{rng.choice(('@acme', 'Acme'))} {p.text}"
            out.append(
                _event(n, ts0 + rng.random() * 60, text, p.lang, p.sentiment, authors.pick(), rng)
            )
            n += 1
    # day two: two campaigns and one organic crisis, at non-overlapping random times
    slots = sorted(rng.sample(range(int(events_from * 2), hours * 2 - 3, 3), 3))
    kinds = ["campaign", "campaign", "crisis"]
    rng.shuffle(kinds)
    truths = []
    for slot, kind in zip(slots, kinds, strict=True):
        start = DAY0 + slot * 1800 + rng.random() * 600
        if kind == "campaign":
            # a burst: at least two copies a minute
            copies, minutes = rng.choice(BURSTS)
            span = minutes * 60
            angry_sources = [p for p in sources if p.sentiment == "negative"] or sources
            pool = angry_sources if rng.random() < 0.7 else sources
            src = rng.choice(pool)
            bots = rng.random() < 0.7
            truth = Truth("campaign", start, start + span, copies)
            for c in range(copies):
                ts = start + span * c / copies + rng.random() * span / copies
                author = f"@bot{seed}_{c}" if bots else f"@spam{c % 5}"
                text = paraphrase(src.text, rng)
                out.append(_event(n, ts, text, src.lang, src.sentiment, author, rng))
                truth.ids.add(f"m{n}")
                n += 1
        else:
            mult = rng.choice((1.0, 3.0))
            span = rng.choice((30, 45, 60)) * 60
            truth = Truth("crisis", start, start + span)
            viral = rng.choice(negatives)
            angry = negatives[:]
            rng.shuffle(angry)
            for k in range(_poisson(rng, mult * size * span / 3600)):
                ts = start + rng.random() * span
                r = rng.random()
                reshare = None
                if r < 0.15:
                    text, lang, reshare = f"RT @angry: {viral.text}", viral.lang, "viral"
                elif r < 0.25:
                    text, lang = rng.choice(SHORT), "en"
                else:
                    p = angry[k % len(angry)]
                    text, lang = f"@acme {p.text}", p.lang
                    if rng.random() < 0.4:
                        text += " " + rng.choice(CRISIS_TAGS)
                out.append(_event(n, ts, text, lang, "negative", authors.pick(), rng, reshare))
                truth.ids.add(f"m{n}")
                n += 1
        truths.append(truth)
    out.sort(key=lambda e: e.ts)
    return out, truths


def _poisson(rng: random.Random, lam: float) -> int:
    return poisson(rng, lam, normal_above=30)


@dataclass
class RunResult:
    campaigns: int = 0
    campaigns_flagged: int = 0
    flag_delays: list[float] = field(default_factory=list)
    flagged_episodes: int = 0
    true_episodes: int = 0
    crises: int = 0
    crises_raw: int = 0
    crises_organic: int = 0
    campaign_threads_raw: int = 0
    campaign_threads_organic: int = 0
    other_threads_raw: int = 0
    other_threads_organic: int = 0
    copies_true: int = 0
    copies_flagged: int = 0
    copies_hit: int = 0
    observe_us: list[float] = field(default_factory=list)
    state_bytes: int = 0
    mentions: int = 0


def _overlaps(a0: float, a1: float, b0: float, b1: float) -> bool:
    return a0 < b1 and b0 < a1


def run_one(
    events: list[Any], truths: list[Truth], window: int, config: InsightConfig | None = None
) -> RunResult:
    cfg = config or InsightConfig()
    insight = BrandInsight(cfg)
    alert_cfg = AlertConfig(window_seconds=window)
    trackers = {"raw": EpisodeTracker(alert_cfg), "organic": EpisodeTracker(alert_cfg)}
    states = {name: new_alerting_state() for name in trackers}
    res = RunResult(mentions=len(events))
    campaign_ids = {i for t in truths if t.kind == "campaign" for i in t.ids}
    first_ids = set()
    for t in truths:
        if t.kind == "campaign" and t.ids:
            first_ids.add(min(t.ids, key=lambda i: int(i[1:])))
    flagged_windows: list[tuple[float, float]] = []
    opened: dict[str, list[float]] = {"raw": [], "organic": []}
    next_end = (events[0].ts // window + 1) * window
    i = 0
    while i <= len(events):
        ts = events[i].ts if i < len(events) else next_end
        while ts >= next_end:
            end = next_end
            start = end - window
            mix = insight.window_mix(start, end)
            expected = 0.0
            for name, tracker in trackers.items():
                tally = (
                    Tally(mentions=mix.mentions, negative=mix.negative)
                    if name == "raw"
                    else Tally(mentions=mix.organic, negative=mix.organic_negative)
                )
                closed = tracker.close(
                    states[name],
                    tally,
                    int(start),
                    brand="acme",
                    brand_name="Acme",
                    wall_now=end,
                )
                if name == "organic":
                    expected = closed.detections["volume"].expected
                for alert in closed.alerts:
                    if alert["event"] == "opened":
                        opened[name].append(start)
            span = cfg.campaign_seconds
            cm = insight.campaign_mix(end)
            verdict = insight.classify(cm, expected * max(span / window, 1.0), ts=end)
            if verdict.coordinated:
                flagged_windows.append((end - max(span, window), end))
            insight.forget_before(end - cfg.keep_seconds)
            next_end += window
            if end % 3600 == 0:
                res.state_bytes = max(res.state_bytes, len(orjson.dumps(insight.to_json())))
        if i == len(events):
            break
        ev = events[i]
        t0 = time.perf_counter()
        obs = insight.observe(ev)
        res.observe_us.append((time.perf_counter() - t0) * 1e6)
        is_copy = ev.id in campaign_ids and ev.id not in first_ids
        res.copies_true += is_copy
        res.copies_flagged += not obs.organic
        res.copies_hit += is_copy and not obs.organic
        i += 1
    # the flag: episodes of flagged windows (a gap of a window or less joins them)
    episodes: list[list[float]] = []
    for a, b in flagged_windows:
        if episodes and a <= episodes[-1][1] + window:
            episodes[-1][1] = max(episodes[-1][1], b)
        else:
            episodes.append([a, b])
    res.flagged_episodes = len(episodes)
    for ep in episodes:
        if any(
            t.kind == "campaign" and _overlaps(ep[0], ep[1], t.start, t.end + window)
            for t in truths
        ):
            res.true_episodes += 1
    for t in truths:
        if t.kind == "campaign":
            res.campaigns += 1
            hits = [b for a, b in flagged_windows if _overlaps(a, b, t.start, t.end + window)]
            if hits:
                res.campaigns_flagged += 1
                res.flag_delays.append((min(hits) - t.start) / window)
        else:
            res.crises += 1
    for t in truths:
        if t.kind == "crisis":
            for name in ("raw", "organic"):
                if any(_overlaps(s, s + window, t.start, t.end + 2 * window) for s in opened[name]):
                    setattr(res, f"crises_{name}", getattr(res, f"crises_{name}") + 1)
    for name in ("raw", "organic"):
        for s in opened[name]:
            hit = [t for t in truths if _overlaps(s, s + window, t.start, t.end + 2 * window)]
            if any(t.kind == "crisis" for t in hit):
                continue
            field_name = f"campaign_threads_{name}" if hit else f"other_threads_{name}"
            setattr(res, field_name, getattr(res, field_name) + 1)
    return res


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def summarise(results: list[RunResult]) -> dict[str, Any]:
    tot = RunResult()
    for r in results:
        for name in (
            "campaigns",
            "campaigns_flagged",
            "flagged_episodes",
            "true_episodes",
            "crises",
            "crises_raw",
            "crises_organic",
            "campaign_threads_raw",
            "campaign_threads_organic",
            "other_threads_raw",
            "other_threads_organic",
            "copies_true",
            "copies_flagged",
            "copies_hit",
            "mentions",
        ):
            setattr(tot, name, getattr(tot, name) + getattr(r, name))
        tot.flag_delays += r.flag_delays
        tot.observe_us += r.observe_us
        tot.state_bytes = max(tot.state_bytes, r.state_bytes)
    us = sorted(tot.observe_us)
    return {
        "precision": tot.true_episodes / tot.flagged_episodes if tot.flagged_episodes else 1.0,
        "recall": tot.campaigns_flagged / tot.campaigns if tot.campaigns else 1.0,
        "flagged": f"{tot.true_episodes}/{tot.flagged_episodes}",
        "campaigns": f"{tot.campaigns_flagged}/{tot.campaigns}",
        "delay_median": statistics.median(tot.flag_delays) if tot.flag_delays else None,
        "delay_max": max(tot.flag_delays) if tot.flag_delays else None,
        "campaign_threads_raw": tot.campaign_threads_raw,
        "campaign_threads_organic": tot.campaign_threads_organic,
        "crises": tot.crises,
        "crises_raw": tot.crises_raw,
        "crises_organic": tot.crises_organic,
        "other_threads_raw": tot.other_threads_raw,
        "other_threads_organic": tot.other_threads_organic,
        "copy_precision": _ratio(tot.copies_hit, tot.copies_flagged),
        "copy_recall": _ratio(tot.copies_hit, tot.copies_true),
        "observe_us_median": statistics.median(us) if us else 0.0,
        "observe_us_p99": us[int(0.99 * (len(us) - 1))] if us else 0.0,
        "observe_us_mean": statistics.fmean(us) if us else 0.0,
        "state_bytes_max": tot.state_bytes,
        "mentions": tot.mentions,
    }


def detector_us(n: int = 5000) -> float:
    """The crisis detector's cost per update here and now (how loaded the machine is)."""
    from streams.crisis.detector import DEFAULT_CONFIG, Detector

    det = Detector(DEFAULT_CONFIG)
    t0 = time.perf_counter()
    for i in range(n):
        det.update(float(DAY0 + i * 60), 10.0 + i % 7)
    return (time.perf_counter() - t0) / n * 1e6


def cells(args: argparse.Namespace) -> Iterator[tuple[int, float]]:
    for w in (int(x) for x in args.windows.split(",")):
        for s in (float(x) for x in args.sizes.split(",")):
            yield w, s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--sizes", default="150,600")
    ap.add_argument("--windows", default="60,300")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"no {args.data}: the campaigns are injected into its posts", file=sys.stderr)
        return 2
    posts = load_posts(args.data)
    print(
        f"{len(posts):,} posts from {args.data.name}; {args.runs} runs a cell; on this machine"
        f" now one crisis detector update takes {detector_us():.1f} us (the yardstick for the"
        " cost per mention below: ~12 us on an idle core)"
    )
    header = (
        "| window | brand size | flag precision | flag recall | flag delay (windows, median"
        " / max) | campaign threads, all counted -> organic only | organic crises detected,"
        " all -> organic | other threads, all -> organic | copies P / R | observe us"
        " (median / p99) | state bytes (max) |"
    )
    print(header)
    print("|" + "---|" * 11)
    for window, size in cells(args):
        results = []
        for r in range(args.runs):
            events, truths = simulate(args.seed * 1000 + r, size, posts)
            results.append(run_one(events, truths, window))
        s = summarise(results)
        delay = (
            f"{s['delay_median']:g} / {s['delay_max']:g}" if s["delay_median"] is not None else "-"
        )
        print(
            f"| {window // 60} min | {size:g}/h | {s['precision']:.3f} ({s['flagged']}) "
            f"| {s['recall']:.3f} ({s['campaigns']}) | {delay} "
            f"| {s['campaign_threads_raw']} -> {s['campaign_threads_organic']} "
            f"| {s['crises_raw']} -> {s['crises_organic']} of {s['crises']} "
            f"| {s['other_threads_raw']} -> {s['other_threads_organic']} "
            f"| {s['copy_precision']} / {s['copy_recall']} "
            f"| {s['observe_us_median']:.0f} / {s['observe_us_p99']:.0f} "
            f"| {s['state_bytes_max']:,} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
