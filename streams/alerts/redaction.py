"""What may be shown of a delivery URL: Slack webhook URLs and many others carry a token in
their path or query, so logs, errors and dead letters show only ``scheme://host[:port]/…``.

Redaction is structural: whatever a message says, every URL in it is cut down to its scheme and
host, and every part of the route's URL that may be a secret (its user and password, each path
segment, each query value) is removed, whether it appears %-encoded, decoded or normalised
differently (``%7e`` and ``~``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlsplit

__all__ = ["redact_url", "scrub_url"]

#: Anything that looks like an absolute URL in a message.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>()\[\]{}]+")
#: Parts of a URL shorter than this are not worth hiding (``/``, ``v1``, ``api``) and would
#: mangle the message.
_MIN_SECRET_CHARS = 4
REDACTED = "…"


def redact_url(url: str) -> str:
    """``scheme://host[:port]/…``: what may be shown of a URL (the path may hold a token)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<invalid url>"
    if not parts.scheme or not host:
        return "<redacted>"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    rest = "/…" if (parts.path not in ("", "/") or parts.query or parts.fragment) else "/"
    return f"{parts.scheme}://{netloc}{rest}"


def secret_parts(url: str) -> set[str]:
    """Every piece of ``url`` that may be a secret, in each spelling a message may use."""
    try:
        parts = urlsplit(url)
        pieces = [parts.username or "", parts.password or ""]
    except ValueError:
        return {url}
    path = parts.path
    pieces += [path, f"{path}?{parts.query}" if parts.query else ""]
    pieces += path.split("/")
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        pieces += [value, f"{key}={value}"]
    pieces += [v for v in parts.query.split("&")] + [parts.fragment]
    out: set[str] = set()
    for piece in pieces:
        for form in (piece, unquote(piece), quote(unquote(piece), safe="/")):
            if len(form) >= _MIN_SECRET_CHARS:
                out.add(form)
                out.add(form.lower())
                out.add(form.upper())
    return out


def scrub_url(text: str, url: str) -> str:
    """``text`` (an error message, a response body) with every URL in it redacted and nothing
    left of ``url``'s secret parts, in any spelling."""
    shown: list[str] = []

    def hold(match: re.Match[str]) -> str:
        # every URL becomes scheme://host/…, kept aside so that scrubbing leaves its host be
        shown.append(redact_url(unquote(match.group(0))))
        return f"\ue000{len(shown) - 1}\ue001"

    text = _URL_IN_TEXT.sub(hold, unquote(text).replace("\ue000", "").replace("\ue001", ""))
    # compared decoded: a receiver may echo the path normalised ("%7e" -> "~")
    for piece in sorted(secret_parts(url), key=len, reverse=True):
        if piece in text:
            text = text.replace(piece, REDACTED)
    return re.sub("\ue000(\\d+)\ue001", lambda m: shown[int(m.group(1))], text)
