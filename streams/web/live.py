"""Live updates: ``GET /events``, a stream of server-sent events (``text/event-stream``).

A page opens it with the moment it was rendered (``after``) and the last audit entry it knows
(``audit``); every ~2 s (``poll_seconds``) the stream asks the store, in the user's scope:

- ``event: new`` ``{"count": N}``: how many items (matching the page's brand, language,
  sentiment, platform, search, tagging and near-duplicate filters: copies hidden, one cluster)
  were stored since ``after``; sent at the
  first look (so a client knows the stream is up) and whenever the number changes. The page
  shows "N new mentions".
- ``event: changed`` ``{"changes": [...]}``: what people changed since the last entry seen
  (``streams.store.inbox.changes_since``): for each, the item (brand, mention id, the id of its
  row in the page and the URL of its fresh row) or the alert thread, who, which field and the
  new value. The page swaps in the rows it shows and reads the change out (``aria-live``).
  The event's ``id`` is the last audit id, so a reconnecting ``EventSource`` resumes after it
  (``Last-Event-ID``).

A comment line every 15 s keeps proxies from closing a quiet stream. A stream ends after
``sse_max_seconds`` (the browser reconnects by itself and resumes), when the client goes, or
when the session ends (signed out, expired or disabled: checked every 30 s).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from streams.store import inbox
from streams.store.inbox import InboxFilters
from streams.store.users import User, session_user
from streams.web.auth import Signed, signed_in, state
from streams.web.pages import dom_id, latest_audit_id, row_path
from streams.web.views import split_values

__all__ = ["event_stream", "router"]

log = logging.getLogger("buzzwire.web.live")

router = APIRouter(include_in_schema=False)

KEEPALIVE_SECONDS = 15.0
SESSION_CHECK_SECONDS = 30.0


def sse(event: str | None, data: Any, event_id: int | None = None) -> str:
    """One server-sent event (the JSON of ``data`` on one line)."""
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event:
        lines.append(f"event: {event}")
    lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


def change_json(row: dict[str, Any]) -> dict[str, Any]:
    """An audit row as the page needs it (a note's text stays out: the page fetches it)."""
    subject = str(row.get("subject") or "")
    out: dict[str, Any] = {
        "by": row.get("user_name"),
        "field": row.get("field"),
        "value": None if row.get("field") == "note" else row.get("new_value"),
    }
    kind, _, rest = subject.partition(":")
    if kind == "mention":
        brand = str(row.get("brand") or "")
        mention_id = rest[len(brand) + 1 :] if rest.startswith(brand + ":") else rest
        out.update(
            kind="mention",
            brand=brand,
            mention_id=mention_id,
            dom_id=dom_id(brand, mention_id),
            row=row_path(brand, mention_id),
        )
    elif kind == "alert":
        out.update(kind="alert", thread_id=rest, brand=row.get("brand"))
    else:
        out.update(kind=kind or "other")
    return out


async def event_stream(
    request: Request,
    user: User,
    *,
    session_id: str | None,
    cursor: int,
    after: datetime,
    filters: InboxFilters,
    is_disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[str]:
    """The events of one ``/events`` connection (see the module docstring)."""
    web = state(request)
    started = last_sent = last_session_check = time.monotonic()
    last_count = -1  # the first look always reports the count (0 too): the stream is up
    yield f"retry: {int(web.poll_seconds * 1000)}\n\n"
    failing = False
    while True:
        now = time.monotonic()
        if now - started >= web.sse_max_seconds or await is_disconnected():
            return
        try:
            async with web.engine.connect() as conn:
                if session_id is not None and now - last_session_check >= SESSION_CHECK_SECONDS:
                    last_session_check = now
                    if await session_user(conn, session_id, web.now()) is None:
                        yield sse("signed_out", {})
                        return
                changes = await inbox.changes_since(conn, user.scope, cursor)
                count = await inbox.new_items_since(conn, user.scope, after, filters)
            failing = False
        except Exception as exc:  # the store is away: say nothing, try again
            if not failing:
                reason = type(getattr(exc, "orig", None) or exc).__name__
                log.warning("live updates: the store does not answer (%s)", reason)
            failing = True
            changes, count = [], last_count
        if changes:
            cursor = int(changes[-1]["id"])
            yield sse("changed", {"changes": [change_json(c) for c in changes]}, cursor)
            last_sent = time.monotonic()
        if count != last_count:
            last_count = count
            yield sse("new", {"count": count})
            last_sent = time.monotonic()
        if time.monotonic() - last_sent >= KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            last_sent = time.monotonic()
        await asyncio.sleep(web.poll_seconds)


def _after(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(422, "after: an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise HTTPException(422, "after: a time with its zone")
    return parsed


async def _events_user(request: Request) -> Signed:
    signed = await signed_in(request)
    if signed is None:
        raise HTTPException(401, "sign in first")
    return signed


@router.get("/events")
async def events(
    request: Request,
    signed: Annotated[Signed, Depends(_events_user)],
    after: Annotated[str | None, Query(max_length=40)] = None,
    audit: Annotated[int | None, Query(ge=0)] = None,
    brand: Annotated[str, Query(max_length=200)] = "",
    lang: Annotated[str, Query(max_length=200)] = "",
    sentiment: Annotated[str, Query(max_length=100)] = "",
    platform: Annotated[str, Query(max_length=200)] = "",
    q: Annotated[str, Query(max_length=500)] = "",
    tagged: Annotated[str, Query(max_length=20)] = "untagged",
    copies: Annotated[str, Query(max_length=20)] = "show",
    cluster: Annotated[int | None, Query(ge=1, lt=2**63)] = None,
) -> StreamingResponse:
    web = state(request)
    last_event = request.headers.get("last-event-id", "").strip()
    if last_event.isdigit():
        cursor = int(last_event)
    elif audit is not None:
        cursor = audit
    else:
        async with web.engine.connect() as conn:
            cursor = await latest_audit_id(conn)
    if tagged not in ("untagged", "tagged", "all"):
        raise HTTPException(422, "tagged: untagged, tagged or all")
    if copies not in ("show", "hide"):
        raise HTTPException(422, "copies: show or hide")
    filters = InboxFilters(
        brands=split_values([brand]) or None,
        langs=split_values([lang]) or None,
        sentiments=split_values([sentiment]) or None,
        platforms=split_values([platform]) or None,
        q=q.strip() or None,
        tagged={"untagged": False, "tagged": True, "all": None}[tagged],
        hide_copies=copies == "hide",
        duplicate_cluster=cluster,
    )
    stream = event_stream(
        request,
        signed.user,
        session_id=signed.session_id,
        cursor=cursor,
        after=_after(after, web.now()),
        filters=filters,
        is_disconnected=request.is_disconnected,
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
