"""What the templates and the handlers share: labels, time formats, parsing of form values,
and readable messages for bad input."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi.exceptions import RequestValidationError
from fastapi.templating import Jinja2Templates

from streams.inbox.priority import reach_label
from streams.store.schema import STATUSES

__all__ = [
    "ACTION_STATUSES",
    "SUGGESTIONS",
    "install_filters",
    "json_safe",
    "local_path",
    "parse_local_datetime",
    "validation_message",
]

#: The statuses a person sets (``snoozed`` is set by snoozing).
ACTION_STATUSES = ("open", "in_progress", "done", "dismissed")
STATUS_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "dismissed": "Dismissed",
    "snoozed": "Snoozed",
}
SUGGESTIONS = {
    "answer_question": "Answer the question",
    "recover_customer": "Recover an unhappy customer",
    "thank_fan": "Thank a fan",
}
SENTIMENTS = ("negative", "neutral", "positive")
PLATFORMS = ("twitter", "instagram", "facebook", "reddit", "tiktok", "youtube", "news", "forum")
LANGUAGES = {
    "ar": "Arabic",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "hr": "Croatian",
    "it": "Italian",
    "ja": "Japanese",
    "lv": "Latvian",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "zh": "Chinese",
    "und": "Undetermined",
}
assert set(STATUS_LABELS) == set(STATUSES)


def utc(value: datetime | None) -> str:
    """``2026-11-01 12:00 UTC`` (empty for None)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def local_input(value: datetime | None) -> str:
    """The value of a ``datetime-local`` input (UTC)."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def parse_local_datetime(value: str, offset_minutes: int = 0) -> datetime:
    """A ``datetime-local`` value (``2026-11-01T12:30``, seconds optional) or an ISO time with
    its zone. A value without zone is at ``offset_minutes`` west of UTC (what JavaScript's
    ``getTimezoneOffset()`` gives; the pages send it, 0 without JavaScript). ValueError when it
    is not a time."""
    text = value.strip()
    if not text:
        raise ValueError("empty time")
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        if not -16 * 60 <= offset_minutes <= 16 * 60:
            raise ValueError("time zone offset out of range")
        parsed = parsed.replace(tzinfo=timezone(-timedelta(minutes=offset_minutes)))
    return parsed.astimezone(UTC)


def local_path(value: str | None, default: str = "/inbox") -> str:
    """``value`` if it is a path on this site (``/inbox?lang=de``), else ``default``: a
    ``next`` parameter never sends anyone elsewhere."""
    if not value:
        return default
    parts = urlsplit(value)
    if (
        parts.scheme
        or parts.netloc
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(ch) < 32 for ch in value)
    ):
        return default
    return value


def query(params: dict[str, Any], **changes: Any) -> str:
    """``params`` with ``changes`` as a query string (None and empty values left out)."""
    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if value is None or value == "" or value is False:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((key, str(v)) for v in value if v not in (None, ""))
        else:
            pairs.append((key, str(value)))
    return urlencode(pairs)


def json_safe(value: Any) -> Any:
    """Validation errors as JSON (their ``ctx`` can hold exceptions)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def validation_message(exc: RequestValidationError) -> str:
    """``status: Input should be 'open', ...; limit: ...``: one line a field."""
    parts = []
    for error in exc.errors():
        where = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form")]
        field = ".".join(where) or "request"
        parts.append(f"{field}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid input"


def status_label(value: str | None) -> str:
    return STATUS_LABELS.get(value or "", value or "")


def suggestion_label(value: str | None) -> str:
    return SUGGESTIONS.get(value or "", value or "")


def language_label(value: str | None) -> str:
    if not value:
        return "unknown"
    name = LANGUAGES.get(value)
    return f"{name} ({value})" if name else value


def reach(value: int | None) -> str:
    return reach_label(int(value or 0))


def install_filters(templates: Jinja2Templates) -> None:
    env = templates.env
    env.filters["utc"] = utc
    env.filters["iso"] = iso
    env.filters["local_input"] = local_input
    env.filters["status_label"] = status_label
    env.filters["suggestion_label"] = suggestion_label
    env.filters["language_label"] = language_label
    env.filters["reach"] = reach
    env.globals["query"] = query
    env.globals["ACTION_STATUSES"] = ACTION_STATUSES
    env.globals["STATUSES"] = STATUSES
    env.globals["SENTIMENTS"] = SENTIMENTS
    env.globals["PLATFORMS"] = PLATFORMS
    env.globals["LANGUAGES"] = LANGUAGES


def split_values(values: Sequence[str] | None) -> list[str]:
    """Form/query values, each maybe comma-separated, stripped, empty ones out."""
    out: list[str] = []
    for value in values or ():
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out
