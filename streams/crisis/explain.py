"""Why an alert fired: the terms that rose against the brand's baseline, and the rest of an
alert's ``explanation`` (pure).

Terms (per language), hashtags and handles (across languages: a crisis hashtag is shared by
all of them; ``streams.crisis.tokens.terms``) are counted twice, both bounded
(``streams.crisis.sketches``): a *recent* count that halves every ``recent_half_life``
seconds (15 min; a count-min sketch with the top terms held by name) and a *baseline* that
halves every ``baseline_half_life`` (2 days; Space-Saving, whose over-counts only make a rise
look smaller). A term's rise is the log-odds ratio of its recent rate against
its baseline rate with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008,
"Fightin' Words", eq. 22), divided by its standard deviation: a z-score that is large only
for terms both much more frequent than usual and frequent enough to be sure of. The prior is
the baseline itself (``alpha_w = prior * baseline share``, at least half a token), so a term
never seen before needs a handful of posts to rank, and a common word that is merely as common
as ever never does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from streams.crisis.sketches import DecayedHeavyHitters, DecayedTopK

__all__ = ["ExplainConfig", "RisingTerm", "TermTrends", "log_odds_z"]

_SEP = "|"
#: hashtags and handles are counted across languages (a crisis hashtag is shared by all)
ALL = "*"


@dataclass(frozen=True)
class ExplainConfig:
    recent_half_life: float = 900.0
    baseline_half_life: float = 2 * 86400.0
    recent_k: int = 64
    baseline_k: int = 1024
    #: the baseline holds up to ``baseline_slack * baseline_k`` terms between prunes (and in
    #: its saved state): less slack, a smaller state but more prunes, and each prune can raise
    #: the floor every new term is counted from
    baseline_slack: float = 4.0
    #: strength of the informative prior, in tokens
    prior: float = 500.0
    #: the least prior a term gets (half a token): a term new to the brand can rank once it
    #: is frequent, instead of being drowned by the uncertainty of a zero baseline
    min_alpha: float = 0.5
    #: a term ranks with at least this recent (decayed) count and this z-score
    min_count: float = 4.0
    min_z: float = 3.0


def log_odds_z(
    y_i: float, n_i: float, y_j: float, n_j: float, alpha_w: float, alpha_0: float
) -> float:
    """Monroe et al.'s z-score of a word's log-odds in corpus i against corpus j with an
    informative Dirichlet prior (``alpha_w`` for the word, ``alpha_0`` in all)."""
    a_i = max(n_i + alpha_0 - y_i - alpha_w, 1e-9)
    a_j = max(n_j + alpha_0 - y_j - alpha_w, 1e-9)
    delta = math.log((y_i + alpha_w) / a_i) - math.log((y_j + alpha_w) / a_j)
    var = 1.0 / (y_i + alpha_w) + 1.0 / (y_j + alpha_w)
    return delta / math.sqrt(var)


@dataclass(frozen=True, slots=True)
class RisingTerm:
    term: str
    lang: str
    count: float
    share: float
    baseline_share: float
    z: float

    @property
    def kind(self) -> str:
        return {"#": "hashtag", "@": "handle"}.get(self.term[:1], "term")

    def to_row(self) -> list[Any]:
        """A compact JSON form (for kept snapshots), rounded as :meth:`to_json` rounds, so a
        term read back with ``from_row`` shows exactly as it would have then."""
        return [
            self.term,
            self.lang,
            round(self.count, 1),
            round(self.share, 4),
            round(self.baseline_share, 5),
            round(self.z, 2),
        ]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> RisingTerm:
        term, lang, count, share, base, z = row
        return cls(str(term), str(lang), float(count), float(share), float(base), float(z))

    def to_json(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "kind": self.kind,
            "lang": None if self.lang == ALL else self.lang,
            "count": round(self.count, 1),
            "share": round(self.share, 4),
            "baseline_share": round(self.baseline_share, 5),
            "z": round(self.z, 2),
        }


class TermTrends:
    """A brand's recent and baseline term counts per language (bounded; JSON state)."""

    def __init__(self, config: ExplainConfig | None = None) -> None:
        cfg = self.config = config or ExplainConfig()
        self.recent = DecayedHeavyHitters(cfg.recent_k, cfg.recent_half_life)
        self.baseline = DecayedTopK(
            cfg.baseline_k, cfg.baseline_half_life, slack=cfg.baseline_slack
        )
        # tokens counted per language (and sentiment counts under "@n", "@neg", "@pos")
        self.recent_totals = DecayedTopK(64, cfg.recent_half_life)
        self.baseline_totals = DecayedTopK(64, cfg.baseline_half_life)

    def add(
        self,
        terms: Iterable[str],
        lang: str,
        ts: float,
        sentiment: str | None,
        inauthentic: bool = False,
    ) -> None:
        """Count a mention's terms (none for an ``inauthentic`` one: a copy or a capped
        post counts only towards the usual share of those)."""
        keys: list[str] = []
        terms_n = 0  # terms (the rest are hashtags and handles)
        if not inauthentic:
            plain = f"{lang}{_SEP}"
            for t in terms:
                if t[:1] in "#@":
                    keys.append(f"{ALL}{_SEP}{t}")
                else:
                    keys.append(plain + t)
                    terms_n += 1
        extra = ["@n"]
        if inauthentic:
            extra.append("@bad")
        elif sentiment == "negative":
            extra.append("@neg")
        elif sentiment == "positive":
            extra.append("@pos")
        for counts, totals in (
            (self.recent, self.recent_totals),
            (self.baseline, self.baseline_totals),
        ):
            w = counts.weight(ts)
            if keys:
                counts.add(keys, w)
            wt = totals.weight(ts)
            totals.add(extra, wt)
            if keys:
                # every token counts towards "*" (the denominator of hashtags and handles),
                # terms towards their language too
                tc = totals.counts
                tc[ALL] = tc.get(ALL, 0.0) + wt * len(keys)
                if terms_n:
                    tc[lang] = tc.get(lang, 0.0) + wt * terms_n

    @property
    def newest(self) -> float | None:
        """The time of the newest mention counted (None before any)."""
        return self.recent_totals.t_last

    def usual_inauthentic_share(self, ts: float) -> float:
        """The baseline's share of inauthentic mentions (copies and capped posts)."""
        n = self.baseline_totals.get("@n", ts)
        return self.baseline_totals.get("@bad", ts) / n if n > 0 else 0.0

    def sentiment(self, ts: float) -> dict[str, float | None]:
        """The baseline's negative share and net sentiment ((pos - neg) / all) at ``ts``."""
        n = self.baseline_totals.get("@n", ts) - self.baseline_totals.get("@bad", ts)
        if n <= 0:
            return {"negative_share": None, "net": None}
        neg = self.baseline_totals.get("@neg", ts)
        pos = self.baseline_totals.get("@pos", ts)
        return {"negative_share": neg / n, "net": (pos - neg) / n}

    def rising(self, ts: float) -> list[RisingTerm]:
        """Every recent term that rose, by z-score (highest first)."""
        cfg = self.config
        out = []
        for key, y_i in self.recent.top(ts):
            if y_i < cfg.min_count:
                continue
            lang, term = key.split(_SEP, 1)
            n_i = self.recent_totals.get(lang, ts)
            n_j = self.baseline_totals.get(lang, ts)
            y_j = min(self.baseline.get(key, ts), n_j)
            # the prior: the baseline's share of the word (a term never seen has the share of
            # one token in a baseline a little larger than the vocabulary held)
            p_w = (y_j + 0.5) / (n_j + 0.5 * len(self.baseline.counts) + 1.0)
            alpha_w = max(cfg.prior * p_w, cfg.min_alpha)
            z = log_odds_z(y_i, n_i, y_j, n_j, alpha_w, cfg.prior)
            if z >= cfg.min_z:
                share = y_i / n_i if n_i > 0 else 0.0
                base = y_j / n_j if n_j > 0 else 0.0
                if share > base:
                    out.append(RisingTerm(term, lang, y_i, share, base, z))
        out.sort(key=lambda r: (-r.z, r.term))
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "recent": self.recent.to_json(),
            "baseline": self.baseline.to_json(),
            "recent_totals": self.recent_totals.to_json(),
            "baseline_totals": self.baseline_totals.to_json(),
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any] | None, config: ExplainConfig | None = None
    ) -> TermTrends:
        out = cls(config)
        if not data:
            return out
        cfg = out.config
        out.recent = DecayedHeavyHitters.from_json(
            data.get("recent"), cfg.recent_k, cfg.recent_half_life
        )
        out.baseline = DecayedTopK.from_json(
            data.get("baseline"), cfg.baseline_k, cfg.baseline_half_life, cfg.baseline_slack
        )
        out.recent_totals = DecayedTopK.from_json(
            data.get("recent_totals"), 64, cfg.recent_half_life
        )
        out.baseline_totals = DecayedTopK.from_json(
            data.get("baseline_totals"), 64, cfg.baseline_half_life
        )
        return out


def top_terms(
    rising: list[RisingTerm], langs: Mapping[str, int], n: int = 5, per_lang: int = 3
) -> tuple[list[RisingTerm], dict[str, list[str]]]:
    """The ``n`` terms that rose most overall, and per language (the window's top three
    languages) the ``per_lang`` that rose most."""
    top = rising[:n]
    by_lang: dict[str, list[str]] = {}
    ranked_langs = [lang for lang, _ in sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))]
    for lang in ranked_langs[:3]:
        picked = [r.term for r in rising if r.lang == lang][:per_lang]
        if picked:
            by_lang[lang] = picked
    return top, by_lang
