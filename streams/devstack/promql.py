"""PromQL, tokenized just enough to list the vector selectors of an expression: what must
exist in Prometheus for the expression to have data."""

from __future__ import annotations

import re

__all__ = ["selectors"]

_TOKEN = re.compile(
    r"""
    (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
  | (?P<matchers>\{(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[^{}"'])*\})
  | (?P<range>\[[^\]]*\])
  | (?P<number>(?<![\w:])(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
        (?:ms|s|m|h|d|w|y)?(?![\w:]))
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
    "and", "or", "unless", "atan2", "inf", "nan", "start", "end",
}  # fmt: skip
_AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio",
}  # fmt: skip
_LABEL_LIST_AFTER = {"by", "without", "on", "ignoring", "group_left", "group_right"}


def selectors(expr: str) -> list[str]:
    """The vector selectors of a PromQL expression (``name{matchers}``, ``name``,
    ``{matchers}``) in order, without duplicates: what must exist for it to have data.

    A small tokenizer, not a full parser: enough for the expressions in ``deploy/`` (the
    tests check it on each kind of construct they use).
    """
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(expr) if m.lastgroup != "space"]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else (None, "")
        if kind == "ident" and text.lower() in _LABEL_LIST_AFTER:
            i += 1
            if tokens[i : i + 1] and tokens[i][1] == "(":  # skip the label list
                while i < len(tokens) and tokens[i][1] != ")":
                    i += 1
            i += 1
            continue
        if kind == "ident" and (
            text.lower() in _KEYWORDS or text in _AGGREGATIONS or nxt[1] == "("
        ):
            i += 1  # a keyword, an aggregation (`sum by (x) (...)`) or a function name
            continue
        if kind == "ident":
            sel = text + (nxt[1] if nxt[0] == "matchers" else "")
            i += 2 if nxt[0] == "matchers" else 1
        elif kind == "matchers":
            sel = text
            i += 1
        else:
            i += 1
            continue
        if sel not in out:
            out.append(sel)
    return out
