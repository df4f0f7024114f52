"""What may be shown of a delivery URL: Slack webhook URLs and many others carry a token in
their path, so logs, errors and dead letters show only ``scheme://host[:port]/…``."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

__all__ = ["redact_url", "scrub_url"]


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


def scrub_url(text: str, url: str) -> str:
    """``text`` (an error message) without ``url``, nor its path and query (plain or
    %-encoded), which may be a token."""
    redacted = redact_url(url)
    text = text.replace(url, redacted)
    try:
        parts = urlsplit(url)
    except ValueError:
        return text
    secret_part = parts.path + (f"?{parts.query}" if parts.query else "")
    if len(secret_part) > 1:
        text = text.replace(secret_part, "/…")
        text = text.replace(quote(secret_part, safe="/?=&"), "/…")
    return text
