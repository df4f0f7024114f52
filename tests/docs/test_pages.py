"""The README and docs/ stay true to the code: every setting and metric is documented, the
README stays short, and every relative link (and its #anchor) points at something that exists.

Each check is a function that returns what is wrong, so that the tests below can also show
that a check does fail on a broken page."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from prometheus_client import CollectorRegistry

from streams.pipeline.metrics import Metrics
from streams.sink.metrics import SinkMetrics
from tests.deploy.test_files import setting_env_names

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
CONFIGURATION = DOCS / "configuration.md"
METRICS = DOCS / "metrics.md"
README_MAX_LINES = 200

# [text](target) or ![alt](target), target without spaces, optional "title"
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_FENCE = re.compile(r"^(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def prose(text: str) -> str:
    """``text`` without fenced code blocks (a link or heading inside one is not one)."""
    out, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            out.append(line)
    return "\n".join(out)


def exported_metric_names() -> set[str]:
    """The names under which the worker's and the sink's registries export each buzzwire
    metric: counters
    with ``_total`` and info metrics with ``_info`` (``collect()`` reports both without)."""
    registry = CollectorRegistry()
    Metrics.create(registry)
    SinkMetrics.create(registry)
    suffix = {"counter": "_total", "info": "_info"}
    return {family.name + suffix.get(family.type, "") for family in registry.collect()}


def undocumented(names: set[str], text: str) -> set[str]:
    """Names that ``text`` never mentions as a code span (`` `NAME` ``, or inside a longer
    span such as `` `NAME{label}` ``); a name that is a prefix of another does not count."""
    spans = re.findall(r"`([^`\n]+)`", text)
    found = set()
    for name in names:
        pattern = re.compile(rf"(?<![\w:]){re.escape(name)}(?![\w:])")
        if any(pattern.search(span) for span in spans):
            found.add(name)
    return names - found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation out, spaces to -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.strip().lower()
    kept = []
    for ch in text:
        if ch in " -_" or unicodedata.category(ch)[0] in "LN":
            kept.append(ch)
    return "".join(kept).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading anchor of a markdown page (repeated headings get -1, -2, ...)."""
    seen: dict[str, int] = {}
    out = set()
    for line in prose(text).splitlines():
        m = _HEADING.match(line)
        if not m:
            continue
        base = slug(m.group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def broken_links(page: Path, text: str | None = None) -> list[str]:
    """The relative links of ``page`` whose file (or #anchor in a markdown file) is missing."""
    text = page.read_text(encoding="utf-8") if text is None else text
    problems = []
    for target in _LINK.findall(prose(text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto: ...
            continue
        path_part, _, fragment = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            problems.append(f"{page.relative_to(ROOT)}: {target}: no such file")
            continue
        if (
            fragment
            and dest.suffix == ".md"
            and dest.is_file()
            and fragment not in anchors(dest.read_text(encoding="utf-8"))
        ):
            problems.append(f"{page.relative_to(ROOT)}: {target}: no such heading")
    return problems


# --------------------------------------------------------------------------- the pages


def test_every_setting_is_documented() -> None:
    names = setting_env_names()
    assert {"BROKER_URL", "WEB_PORT", "BUZZWIRE_SENTIMENT_MODEL"} <= names
    missing = undocumented(names, CONFIGURATION.read_text(encoding="utf-8"))
    assert not missing, f"add to docs/configuration.md: {sorted(missing)}"


def test_every_metric_is_documented() -> None:
    names = exported_metric_names()
    assert {"buzzwire_deadletters_total", "buzzwire_build_info", "buzzwire_anomaly_score"} <= names
    missing = undocumented(names, METRICS.read_text(encoding="utf-8"))
    assert not missing, f"add to docs/metrics.md: {sorted(missing)}"


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines < README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


def test_every_relative_link_resolves() -> None:
    problems = [p for page in pages() for p in broken_links(page)]
    assert not problems, "\n".join(problems)


def test_the_readme_links_every_docs_page() -> None:
    readme = prose(README.read_text(encoding="utf-8"))
    linked = {
        (README.parent / t.partition("#")[0]).resolve()
        for t in _LINK.findall(readme)
        if t.partition("#")[0]
    }
    unlinked = [p.name for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked]
    assert not unlinked, f"link these from README.md: {unlinked}"


# --------------------------------------------------------------------------- the checks fail


def test_a_missing_setting_or_metric_is_reported() -> None:
    text = "| `BUZZWIRE_ALERT_SAMPLES` | 5 |\n`buzzwire_alerts_open{brand}` and `buzzwire_alerts`"
    assert undocumented({"BUZZWIRE_ALERT_SAMPLES", "BUZZWIRE_APP_ID"}, text) == {"BUZZWIRE_APP_ID"}
    # a longer name that starts with the name does not document it; a span with labels does
    assert undocumented({"buzzwire_alerts_open", "buzzwire_alerts_total"}, text) == {
        "buzzwire_alerts_total"
    }
    assert undocumented({"BUZZWIRE_ALERT"}, text) == {"BUZZWIRE_ALERT"}
    # outside a code span a name does not count
    assert undocumented({"BUZZWIRE_APP_ID"}, "set BUZZWIRE_APP_ID to ...") == {"BUZZWIRE_APP_ID"}


def test_counters_and_infos_are_compared_by_their_exported_names() -> None:
    names = exported_metric_names()
    assert "buzzwire_deadletters_total" in names and "buzzwire_deadletters" not in names
    assert "buzzwire_build_info" in names and "buzzwire_build" not in names
    assert "buzzwire_event_to_processed_seconds" in names  # a histogram's base name


def test_a_broken_link_is_reported() -> None:
    page = DOCS / "metrics.md"
    text = (
        "[ok](configuration.md) [ok](configuration.md#brands-file) [web](https://example.org)\n"
        "[gone](no-such-page.md) [bad anchor](configuration.md#no-such-heading)\n"
        "```\n[in code](not-a-link.md)\n```\n"
    )
    problems = broken_links(page, text)
    assert len(problems) == 2, problems
    assert "no-such-page.md: no such file" in problems[0]
    assert "#no-such-heading: no such heading" in problems[1]


def test_heading_anchors_follow_github() -> None:
    text = "# Dead letters (`mentions.deadletter`)\n## Speed\n## Speed\n```\n# not a heading\n```"
    assert anchors(text) == {"dead-letters-mentionsdeadletter", "speed", "speed-1"}
