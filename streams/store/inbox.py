"""The response inbox on the store: ranked pages, one item, changes (audited, with webhooks
queued in the same transaction), live updates, and the crisis alerts.

Every function takes the user's :class:`~streams.store.scope.Scope` and applies it **in the
SQL** (``scope.where(brand column)``): an item, a thread or an audit row of a brand out of scope
is never read, and a change to one raises :class:`NotFound`, as for one that does not exist
(callers answer 404 for both, so nobody learns what exists elsewhere).

Ranking (``docs/inbox.md#priority``, ``streams.inbox.priority``): the SQL orders by

    score = mention_brands.priority                    -- static, stored by the sink
          + 4 * 0.5 ^ (age in seconds / (6 * 3600))    -- recency, at the time of asking
          + 5 if the item is part of an open crisis

where an item is part of an open crisis when its brand has an ``alert_threads`` row with status
``open`` and the mention was posted no earlier than one hour before that thread opened (the
brand's earliest open thread counts). Python's :func:`streams.inbox.priority.rank` computes the
same score and explains it (``reasons``).

A page reads ``mention_brands`` alone for the ranking (brand, status, time window, language,
sentiment, platform, tagging, assignee: all its own columns, served by its
``(brand, status, created_at DESC)`` index), only joins ``mentions`` for a text search (and
``mention_duplicates`` to hide near-duplicate copies or list one cluster), and fetches the
text, author and cluster of the page's rows only. The window defaults to the last 30 days
(``DEFAULT_WINDOW``): the score of anything older is its static priority, and the inbox is for
answering, not for archaeology (``streams.store.queries`` and search reach further back).

Statuses: ``open``, ``in_progress``, ``done``, ``dismissed``, ``snoozed``. A snoozed item whose
``snoozed_until`` has passed **is open**: it is listed, filtered and shown as ``open`` (its
stored row is not rewritten; nothing has to wake it up).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from types import EllipsisType
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Float,
    Interval,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from streams.inbox.priority import (
    CRISIS_LEAD,
    CRISIS_POINTS,
    HALF_LIFE_HOURS,
    RECENCY_POINTS,
    rank,
    suggest,
)
from streams.store.queries import like_pattern
from streams.store.schema import (
    STATUSES,
    alert_events,
    alert_threads,
    audit_log,
    mention_brands,
    mention_duplicates,
    mentions,
    notes,
    outbox,
    teams,
    users,
)
from streams.store.scope import Scope

__all__ = [
    "DEFAULT_WINDOW",
    "MAX_LIMIT",
    "UNCHANGED",
    "InboxFilters",
    "InboxItem",
    "InvalidChange",
    "NotFound",
    "acknowledge_thread",
    "alert_threads_page",
    "audit_trail",
    "change_item",
    "change_items",
    "changes_since",
    "get_item",
    "get_thread",
    "inbox_page",
    "new_items_since",
    "subject_of",
]

#: How far back an inbox page looks when ``InboxFilters.since`` is not set.
DEFAULT_WINDOW = timedelta(days=30)
MAX_LIMIT = 500
#: The outbox kind of a status change.
STATUS_CHANGED = "inbox.status_changed"
#: ``change_item``'s default for the assignee arguments: leave it as it is.
UNCHANGED: EllipsisType = ...


class NotFound(LookupError):
    """No such item or thread in the user's scope (missing and out of scope alike)."""


class InvalidChange(ValueError):
    """A change that is refused; the message says why, for the person who asked for it."""


@dataclass
class InboxFilters:
    """What an inbox page shows. ``None`` (or empty) means no filter on that field.

    ``statuses`` defaults to open items (snoozed ones whose time has passed included);
    ``tagged`` is ``False`` for the untagged inbox, ``True`` for tagged mentions, ``None`` for
    both; ``since`` defaults to ``now - DEFAULT_WINDOW``; ``q`` is a case-insensitive substring
    of the text (trigram-indexed from three characters); ``unassigned`` keeps items with
    neither a person nor a team; ``hide_copies`` leaves out the items that are near-duplicate
    copies (a later member of a cluster of their brand); ``duplicate_cluster`` keeps the items
    of that near-duplicate cluster (cluster ids are per brand: filter on a brand too)."""

    brands: Collection[str] | None = None
    langs: Collection[str] | None = None
    sentiments: Collection[str] | None = None
    platforms: Collection[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    statuses: Collection[str] | None = None
    assignee_user_id: int | None = None
    assignee_team: str | None = None
    unassigned: bool = False
    q: str | None = None
    tagged: bool | None = False
    hide_copies: bool = False
    duplicate_cluster: int | None = None


@dataclass
class InboxItem:
    """One item (a brand a mention names), as the inbox shows it."""

    brand: str
    mention_id: str
    created_at: datetime
    text: str
    url: str | None
    author_handle: str | None
    author_name: str | None
    author_followers: int
    lang: str | None
    platform: str
    sentiment: str | None
    sentiment_negative: float | None
    sentiment_neutral: float | None
    sentiment_positive: float | None
    tagged: bool
    reach: int
    priority: float
    asks_question: bool
    reports_problem: bool
    #: ``open`` for a snooze that has run out (``snoozed_until`` then still says when it did).
    status: str
    snoozed_until: datetime | None
    assignee_user_id: int | None
    assignee_name: str | None
    assignee_team: str | None
    first_action_at: datetime | None
    status_changed_at: datetime | None
    #: The ranking score at the time of asking, and why (``streams.inbox.priority.rank``).
    score: float
    reasons: list[str]
    suggestion: str | None
    in_crisis: bool
    crisis_thread_id: str | None = None
    #: The item's near-duplicate cluster of its brand (None: none, or not observed), whether
    #: it is a copy (a later member), and how many other stored mentions of the brand are in
    #: the cluster (``mention_duplicates``).
    duplicate_cluster: int | None = None
    copy: bool = False
    similar: int = 0
    #: Notes, oldest first (``get_item`` only): dicts of id, author_user_id, author_name,
    #: body, created_at.
    notes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return subject_of(self.brand, self.mention_id)

    def to_json(self) -> dict[str, Any]:
        """The item as JSON-ready values (times as ISO 8601): the outbox's payload."""
        return json.loads(json.dumps(asdict(self), default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def subject_of(brand: str, mention_id: str) -> str:
    """The audit log's subject of an item."""
    return f"mention:{brand}:{mention_id}"


# --- the ranking, in SQL ---------------------------------------------------------------------


def _now(now: datetime) -> ColumnElement[Any]:
    return literal(now, DateTime(timezone=True))


def _crisis() -> Any:
    """Each brand's earliest open alert thread (a brand is in crisis while one is open)."""
    return (
        select(
            alert_threads.c.brand.label("brand"),
            alert_threads.c.id.label("thread_id"),
            alert_threads.c.opened_at.label("opened_at"),
        )
        .where(alert_threads.c.status == "open")
        .distinct(alert_threads.c.brand)
        .order_by(alert_threads.c.brand, alert_threads.c.opened_at, alert_threads.c.id)
        .subquery("crisis")
    )


def _effective_status(now: datetime) -> ColumnElement[str]:
    """The status as shown: a snooze whose time has passed is ``open``."""
    return case(
        (
            and_(
                mention_brands.c.status == "snoozed",
                mention_brands.c.snoozed_until <= _now(now),
            ),
            literal("open"),
        ),
        else_=mention_brands.c.status,
    )


def _status_condition(statuses: Collection[str] | None, now: datetime) -> ColumnElement[bool]:
    wanted = set(statuses or ("open",))
    unknown = wanted - set(STATUSES)
    if unknown:
        raise ValueError(f"unknown status {sorted(unknown)[0]!r}: one of {', '.join(STATUSES)}")
    stored = set(wanted)
    if "open" in wanted:
        stored.add("snoozed")  # an expired snooze is open
    condition: ColumnElement[bool] = mention_brands.c.status.in_(sorted(stored))
    expired = mention_brands.c.snoozed_until <= _now(now)
    if "open" in wanted and "snoozed" not in wanted:
        condition = and_(condition, or_(mention_brands.c.status != "snoozed", expired.is_(True)))
    elif "snoozed" in wanted and "open" not in wanted:
        condition = and_(condition, or_(mention_brands.c.status != "snoozed", not_(expired)))
    return condition


def _score(now: datetime, crisis: Any) -> tuple[ColumnElement[float], ColumnElement[bool]]:
    age = func.greatest(
        cast(func.extract("epoch", _now(now) - mention_brands.c.created_at), Float), 0.0
    )
    recency = RECENCY_POINTS * func.power(
        literal(0.5, Float), age / literal(HALF_LIFE_HOURS * 3600.0, Float)
    )
    in_crisis = and_(
        crisis.c.opened_at.is_not(None),
        mention_brands.c.created_at >= crisis.c.opened_at - literal(CRISIS_LEAD, Interval()),
    )
    score = (
        mention_brands.c.priority
        + cast(recency, Float)
        + case((in_crisis, literal(CRISIS_POINTS, Float)), else_=literal(0.0, Float))
    )
    return score, in_crisis


def _filters(
    query: Select[Any], filters: InboxFilters, since: datetime | None = None
) -> Select[Any]:
    """``query`` (of ``mention_brands``) narrowed by ``filters``; ``since``: the earliest
    ``created_at`` it reads, if any (the month partitions the copies' lookups need)."""
    mb = mention_brands.c
    if filters.brands is not None:
        query = query.where(mb.brand.in_(sorted(filters.brands)))
    if filters.langs:
        query = query.where(mb.lang.in_(sorted(filters.langs)))
    if filters.sentiments:
        query = query.where(mb.sentiment.in_(sorted(filters.sentiments)))
    if filters.platforms:
        query = query.where(mb.platform.in_(sorted(filters.platforms)))
    if filters.tagged is not None:
        query = query.where(mb.tagged.is_(filters.tagged))
    if filters.assignee_user_id is not None:
        query = query.where(mb.assignee_user_id == filters.assignee_user_id)
    if filters.assignee_team is not None:
        query = query.where(mb.assignee_team == filters.assignee_team)
    if filters.unassigned:
        query = query.where(mb.assignee_user_id.is_(None), mb.assignee_team.is_(None))
    if filters.hide_copies:
        query = query.where(~_duplicate_of(mention_duplicates.c.copy.is_(True), since))
    if filters.duplicate_cluster is not None:
        query = query.where(
            _duplicate_of(
                mention_duplicates.c.duplicate_cluster == filters.duplicate_cluster, since
            )
        )
    term = (filters.q or "").strip()
    if term:
        query = query.where(
            select(mentions.c.id)
            .where(
                mentions.c.id == mb.mention_id,
                mentions.c.created_at == mb.created_at,
                mentions.c.text.ilike(like_pattern(term), escape="\\"),
            )
            .exists()
        )
    return query


def _duplicate_of(
    condition: ColumnElement[bool], since: datetime | None = None
) -> ColumnElement[bool]:
    """Whether the item's ``mention_duplicates`` row (same brand, mention and time: its
    primary key) meets ``condition``. ``since`` repeats the items' own time bound for the
    planner, which then reads only those months' partitions (with a hash join it would read
    every month's)."""
    md = mention_duplicates.c
    mb = mention_brands.c
    lookup = select(md.mention_id).where(
        md.brand == mb.brand,
        md.mention_id == mb.mention_id,
        md.created_at == mb.created_at,
        condition,
    )
    if since is not None:
        lookup = lookup.where(md.created_at >= since)
    return lookup.exists()


def _similar() -> ColumnElement[int]:
    """How many other mentions of the item's brand its near-duplicate cluster holds (0 when
    it has none): the brand is the item's, so the count never reaches outside its scope."""
    other = mention_duplicates.alias("similar")
    md = mention_duplicates.c
    return case(
        (
            md.duplicate_cluster.is_not(None),
            select(func.count())
            .select_from(other)
            .where(
                other.c.brand == mention_brands.c.brand,
                other.c.duplicate_cluster == md.duplicate_cluster,
                other.c.mention_id != mention_brands.c.mention_id,
            )
            .scalar_subquery(),
        ),
        else_=literal(0),
    )


_ITEM_COLUMNS = (
    mentions.c.text,
    mentions.c.url,
    mentions.c.author_handle,
    mentions.c.author_name,
    mentions.c.author_followers,
    mentions.c.sentiment_negative,
    mentions.c.sentiment_neutral,
    mentions.c.sentiment_positive,
    mentions.c.asks_question,
    mentions.c.reports_problem,
)


def _items(ranked: Any, now: datetime) -> Select[Any]:
    """The page's rows (``ranked``: brand, mention_id, created_at, score, in_crisis,
    crisis_thread_id) with everything an item shows."""
    return (
        select(
            mention_brands.c.brand,
            mention_brands.c.mention_id,
            mention_brands.c.created_at,
            mention_brands.c.tagged,
            mention_brands.c.lang,
            mention_brands.c.platform,
            mention_brands.c.sentiment,
            mention_brands.c.reach,
            mention_brands.c.priority,
            _effective_status(now).label("status"),
            mention_brands.c.snoozed_until,
            mention_brands.c.assignee_user_id,
            users.c.name.label("assignee_name"),
            mention_brands.c.assignee_team,
            mention_brands.c.first_action_at,
            mention_brands.c.status_changed_at,
            *_ITEM_COLUMNS,
            ranked.c.score,
            ranked.c.in_crisis,
            ranked.c.crisis_thread_id,
            mention_duplicates.c.duplicate_cluster,
            func.coalesce(mention_duplicates.c.copy, False).label("copy"),
            _similar().label("similar"),
        )
        .select_from(
            ranked.join(
                mention_brands,
                and_(
                    mention_brands.c.brand == ranked.c.brand,
                    mention_brands.c.mention_id == ranked.c.mention_id,
                    mention_brands.c.created_at == ranked.c.created_at,
                ),
            )
            .join(
                mentions,
                and_(
                    mentions.c.id == mention_brands.c.mention_id,
                    mentions.c.created_at == mention_brands.c.created_at,
                ),
            )
            .outerjoin(users, users.c.id == mention_brands.c.assignee_user_id)
            .outerjoin(
                mention_duplicates,
                and_(
                    mention_duplicates.c.brand == mention_brands.c.brand,
                    mention_duplicates.c.mention_id == mention_brands.c.mention_id,
                    mention_duplicates.c.created_at == mention_brands.c.created_at,
                ),
            )
        )
        .order_by(
            ranked.c.score.desc(),
            mention_brands.c.created_at.desc(),
            mention_brands.c.brand,
            mention_brands.c.mention_id,
        )
    )


def _item(row: Any, now: datetime) -> InboxItem:
    m = row._mapping
    scores = {
        "negative": m["sentiment_negative"],
        "neutral": m["sentiment_neutral"],
        "positive": m["sentiment_positive"],
    }
    _, reasons = rank(
        priority=m["priority"],
        reach=m["reach"],
        scores=scores,
        asks_question=m["asks_question"],
        reports_problem=m["reports_problem"],
        created_at=m["created_at"],
        now=now,
        in_open_crisis=bool(m["in_crisis"]),
        brand=m["brand"],
    )
    return InboxItem(
        brand=m["brand"],
        mention_id=m["mention_id"],
        created_at=m["created_at"],
        text=m["text"],
        url=m["url"],
        author_handle=m["author_handle"],
        author_name=m["author_name"],
        author_followers=m["author_followers"],
        lang=m["lang"],
        platform=m["platform"],
        sentiment=m["sentiment"],
        sentiment_negative=m["sentiment_negative"],
        sentiment_neutral=m["sentiment_neutral"],
        sentiment_positive=m["sentiment_positive"],
        tagged=m["tagged"],
        reach=m["reach"],
        priority=m["priority"],
        asks_question=m["asks_question"],
        reports_problem=m["reports_problem"],
        status=m["status"],
        snoozed_until=m["snoozed_until"],
        assignee_user_id=m["assignee_user_id"],
        assignee_name=m["assignee_name"],
        assignee_team=m["assignee_team"],
        first_action_at=m["first_action_at"],
        status_changed_at=m["status_changed_at"],
        score=float(m["score"]),
        reasons=reasons,
        suggestion=suggest(m["sentiment"], scores, m["asks_question"], m["reports_problem"]),
        in_crisis=bool(m["in_crisis"]),
        crisis_thread_id=m["crisis_thread_id"] if m["in_crisis"] else None,
        duplicate_cluster=m["duplicate_cluster"],
        copy=bool(m["copy"]),
        similar=int(m["similar"] or 0),
    )


def _ranked(scope: Scope, now: datetime) -> Select[Any]:
    crisis = _crisis()
    score, in_crisis = _score(now, crisis)
    return (
        select(
            mention_brands.c.brand,
            mention_brands.c.mention_id,
            mention_brands.c.created_at,
            score.label("score"),
            in_crisis.label("in_crisis"),
            crisis.c.thread_id.label("crisis_thread_id"),
        )
        .select_from(mention_brands.outerjoin(crisis, crisis.c.brand == mention_brands.c.brand))
        .where(scope.where(mention_brands.c.brand))
    )


async def inbox_page(
    conn: AsyncConnection,
    scope: Scope,
    filters: InboxFilters | None = None,
    *,
    now: datetime,
    offset: int = 0,
    limit: int = 50,
) -> list[InboxItem]:
    """A page of the inbox of the brands in ``scope`` (narrowed by ``filters``), highest score
    first (newest first among equals). Ranking by a score that moves with time cannot page by
    keyset: pages are by ``offset`` at one ``now`` (a client keeps the ``now`` of its first
    page to page on consistently)."""
    filters = filters or InboxFilters()
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    since = filters.since if filters.since is not None else now - DEFAULT_WINDOW
    query = _ranked(scope, now).where(
        mention_brands.c.created_at >= since, _status_condition(filters.statuses, now)
    )
    if filters.until is not None:
        query = query.where(mention_brands.c.created_at < filters.until)
    query = _filters(query, filters, since)
    ranked = (
        query.order_by(
            query.selected_columns.score.desc(),
            mention_brands.c.created_at.desc(),
            mention_brands.c.brand,
            mention_brands.c.mention_id,
        )
        .offset(offset)
        .limit(limit)
        .subquery("ranked")
    )
    rows = (await conn.execute(_items(ranked, now))).all()
    return [_item(row, now) for row in rows]


async def get_item(
    conn: AsyncConnection,
    scope: Scope,
    brand: str,
    mention_id: str,
    *,
    now: datetime | None = None,
) -> InboxItem | None:
    """One item with its notes (oldest first), whatever its status or age, scored at ``now``
    (default: the current time); ``None`` when there is none or its brand is out of ``scope``
    (answer 404 for both)."""
    now = now or datetime.now(UTC)
    ranked = (
        _ranked(scope, now)
        .where(mention_brands.c.brand == brand, mention_brands.c.mention_id == mention_id)
        .order_by(mention_brands.c.created_at.desc())
        .limit(1)
        .subquery("ranked")
    )
    row = (await conn.execute(_items(ranked, now))).first()
    if row is None:
        return None
    item = _item(row, now)
    found = await conn.execute(
        select(
            notes.c.id,
            notes.c.author_user_id,
            users.c.name.label("author_name"),
            notes.c.body,
            notes.c.created_at,
        )
        .select_from(notes.outerjoin(users, users.c.id == notes.c.author_user_id))
        .where(notes.c.brand == brand, notes.c.mention_id == mention_id)
        .where(scope.where(notes.c.brand))
        .order_by(notes.c.created_at, notes.c.id)
    )
    item.notes = [dict(r._mapping) for r in found]
    return item


# --- changes ---------------------------------------------------------------------------------


def _transaction(conn: AsyncConnection) -> AbstractAsyncContextManager[Any]:
    """A transaction of our own, or a savepoint inside the caller's (who then commits)."""
    return conn.begin_nested() if conn.in_transaction() else conn.begin()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


async def _check_assignee(
    conn: AsyncConnection, brand: str, user_id: int | None, team: str | None
) -> None:
    if user_id is not None:
        found = (
            await conn.execute(
                select(users.c.disabled, users.c.all_brands, users.c.brands).where(
                    users.c.id == user_id
                )
            )
        ).first()
        if found is None or found.disabled:
            raise InvalidChange(f"there is no active user {user_id} to assign to")
        if not found.all_brands and brand not in (found.brands or []):
            raise InvalidChange(f"user {user_id} may not see brand {brand!r}")
    if team is not None:
        known = (await conn.execute(select(teams.c.name).where(teams.c.name == team))).first()
        if known is None:
            raise InvalidChange(f"there is no team {team!r}")


async def _change_one(
    conn: AsyncConnection,
    scope: Scope,
    user_id: int,
    brand: str,
    mention_id: str,
    *,
    status: str | None,
    snoozed_until: datetime | None,
    assignee_user_id: int | EllipsisType | None,
    assignee_team: str | EllipsisType | None,
    note: str | None,
    now: datetime,
) -> InboxItem:
    mb = mention_brands.c
    current = (
        await conn.execute(
            select(
                mb.created_at,
                mb.status,
                mb.snoozed_until,
                mb.assignee_user_id,
                mb.assignee_team,
                mb.first_action_at,
            )
            .where(mb.brand == brand, mb.mention_id == mention_id, scope.where(mb.brand))
            .order_by(mb.created_at.desc())
            .limit(1)
            .with_for_update()
        )
    ).first()
    if current is None:
        raise NotFound(f"no item {mention_id!r} of brand {brand!r}")
    if status is not None and status not in STATUSES:
        raise InvalidChange(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
    stored_snooze = current.snoozed_until
    # what the item shows: a snooze whose time has passed is open
    shown = (
        "open"
        if current.status == "snoozed" and stored_snooze is not None and stored_snooze <= now
        else current.status
    )
    new: dict[str, Any] = {}
    if status is not None and status != shown:
        new["status"] = status
    goes_to = status if status is not None else shown
    if goes_to == "snoozed":
        until = snoozed_until if snoozed_until is not None else stored_snooze
        if status == "snoozed" and snoozed_until is None:
            raise InvalidChange("snoozing needs snoozed_until, a time in the future")
        if until is None or until <= now:
            raise InvalidChange("snoozed_until must be in the future")
        if until != stored_snooze:
            new["snoozed_until"] = until
    elif snoozed_until is not None:
        raise InvalidChange("snoozed_until goes with the status snoozed")
    elif stored_snooze is not None:
        new["snoozed_until"] = None  # leaving the snooze forgets its time
    if assignee_user_id is not UNCHANGED and assignee_user_id != current.assignee_user_id:
        new["assignee_user_id"] = assignee_user_id
    if assignee_team is not UNCHANGED and assignee_team != current.assignee_team:
        new["assignee_team"] = assignee_team
    await _check_assignee(conn, brand, new.get("assignee_user_id"), new.get("assignee_team"))
    body = (note or "").strip()
    if note is not None and not body:
        raise InvalidChange("a note cannot be empty")
    subject = subject_of(brand, mention_id)
    audits = [
        {
            "at": now,
            "user_id": user_id,
            "action": "inbox.change",
            "brand": brand,
            "subject": subject,
            "field": name,
            "old_value": _text(shown if name == "status" else getattr(current, name)),
            "new_value": _text(value),
        }
        for name, value in new.items()
    ]
    if not new and not body:
        item = await get_item(conn, scope, brand, mention_id, now=now)
        assert item is not None
        return item
    values = dict(new)
    if goes_to != current.status:
        values["status"] = goes_to  # an expired snooze is stored as open once touched
    if current.first_action_at is None:
        values["first_action_at"] = now
    if "status" in new:
        values["status_changed_at"] = now
    if values:  # a note alone on an item already acted on changes no column
        await conn.execute(
            update(mention_brands)
            .where(
                mb.brand == brand,
                mb.mention_id == mention_id,
                mb.created_at == current.created_at,
            )
            .values(**values)
        )
    if body:
        await conn.execute(
            notes.insert().values(
                brand=brand,
                mention_id=mention_id,
                author_user_id=user_id,
                body=body,
                created_at=now,
            )
        )
        audits.append(
            {
                "at": now,
                "user_id": user_id,
                "action": "inbox.note",
                "brand": brand,
                "subject": subject,
                "field": "note",
                "old_value": None,
                "new_value": body,
            }
        )
    await conn.execute(audit_log.insert(), audits)
    item = await get_item(conn, scope, brand, mention_id, now=now)
    assert item is not None
    if "status" in new:
        payload = item.to_json()
        payload["previous_status"] = shown
        payload["changed_by"] = user_id
        payload["changed_at"] = now.isoformat()
        await conn.execute(
            outbox.insert().values(kind=STATUS_CHANGED, payload=payload, created_at=now)
        )
    return item


async def change_item(
    conn: AsyncConnection,
    scope: Scope,
    user_id: int,
    brand: str,
    mention_id: str,
    *,
    status: str | None = None,
    snoozed_until: datetime | None = None,
    assignee_user_id: int | EllipsisType | None = UNCHANGED,
    assignee_team: str | EllipsisType | None = UNCHANGED,
    note: str | None = None,
    now: datetime,
) -> InboxItem:
    """Change one item, by ``user_id``, in one transaction (a savepoint when ``conn`` is already
    in one; the caller commits it then): its ``status`` (``snoozed`` needs a future
    ``snoozed_until``; leaving ``snoozed`` clears it), its assignee (a user id, a team, or
    ``None`` to unassign; ``UNCHANGED`` by default), a ``note``. Sets ``first_action_at`` on the
    first change and ``status_changed_at`` when the status changes, writes one ``audit_log`` row
    per changed field (and one per note), and queues an ``inbox.status_changed`` outbox row,
    with the item's new state, when the status changed. Raises :class:`NotFound` (missing or
    out of scope) or :class:`InvalidChange` (nothing is written then). Returns the item as it
    now is."""
    async with _transaction(conn):
        return await _change_one(
            conn,
            scope,
            user_id,
            brand,
            mention_id,
            status=status,
            snoozed_until=snoozed_until,
            assignee_user_id=assignee_user_id,
            assignee_team=assignee_team,
            note=note,
            now=now,
        )


async def change_items(
    conn: AsyncConnection,
    scope: Scope,
    user_id: int,
    items: Sequence[tuple[str, str]],
    *,
    status: str | None = None,
    snoozed_until: datetime | None = None,
    assignee_user_id: int | EllipsisType | None = UNCHANGED,
    assignee_team: str | EllipsisType | None = UNCHANGED,
    note: str | None = None,
    now: datetime,
) -> list[InboxItem]:
    """The same change to several ``(brand, mention_id)`` items, all or nothing: one missing,
    out of scope or refused item raises, and none is changed."""
    out: list[InboxItem] = []
    async with _transaction(conn):
        for brand, mention_id in dict.fromkeys(items):
            out.append(
                await _change_one(
                    conn,
                    scope,
                    user_id,
                    brand,
                    mention_id,
                    status=status,
                    snoozed_until=snoozed_until,
                    assignee_user_id=assignee_user_id,
                    assignee_team=assignee_team,
                    note=note,
                    now=now,
                )
            )
    return out


# --- the audit log and live updates ----------------------------------------------------------

_AUDIT_COLUMNS = (
    audit_log.c.id,
    audit_log.c.at,
    audit_log.c.user_id,
    users.c.name.label("user_name"),
    audit_log.c.action,
    audit_log.c.brand,
    audit_log.c.subject,
    audit_log.c.field,
    audit_log.c.old_value,
    audit_log.c.new_value,
)


def _audit_select() -> Select[Any]:
    return select(*_AUDIT_COLUMNS).select_from(
        audit_log.outerjoin(users, users.c.id == audit_log.c.user_id)
    )


async def audit_trail(
    conn: AsyncConnection, scope: Scope, brand: str, mention_id: str
) -> list[dict[str, Any]]:
    """Every change of an item, oldest first: dicts of id, at, user_id, user_name, action,
    brand, subject, field, old_value, new_value (empty when out of scope)."""
    query = (
        _audit_select()
        .where(audit_log.c.subject == subject_of(brand, mention_id))
        .where(audit_log.c.brand == brand, scope.where(audit_log.c.brand))
        .order_by(audit_log.c.at, audit_log.c.id)
    )
    return [dict(r._mapping) for r in await conn.execute(query)]


async def changes_since(
    conn: AsyncConnection, scope: Scope, after_audit_id: int, *, limit: int = MAX_LIMIT
) -> list[dict[str, Any]]:
    """The audit rows after ``after_audit_id`` (items and alerts of brands in ``scope``), in
    order, for live updates: a page polls with the last id it saw and learns what others
    changed (the dicts of :func:`audit_trail`; ``subject`` says which item or thread)."""
    query = (
        _audit_select()
        .where(audit_log.c.id > after_audit_id, scope.where(audit_log.c.brand))
        .order_by(audit_log.c.id)
        .limit(max(1, min(int(limit), MAX_LIMIT)))
    )
    return [dict(r._mapping) for r in await conn.execute(query)]


#: ``new_items_since`` looks at mentions posted at most this long before ``after`` (a backfill
#: of older posts is not news).
NEW_ITEMS_LOOKBACK = timedelta(days=1)


async def new_items_since(
    conn: AsyncConnection,
    scope: Scope,
    after: datetime,
    filters: InboxFilters | None = None,
) -> int:
    """How many items of brands in ``scope`` (and ``filters``: tagging, brands, languages ...;
    the untagged inbox by default) were stored after ``after``: the "N new" notice of a page
    opened at ``after``. Mentions posted more than a day before ``after`` are not counted."""
    filters = filters or InboxFilters()
    query = (
        select(func.count())
        .select_from(
            mention_brands.join(
                mentions,
                and_(
                    mentions.c.id == mention_brands.c.mention_id,
                    mentions.c.created_at == mention_brands.c.created_at,
                ),
            )
        )
        .where(
            scope.where(mention_brands.c.brand),
            mention_brands.c.created_at >= after - NEW_ITEMS_LOOKBACK,
            mentions.c.stored_at > after,
        )
    )
    query = _filters(query, filters, after - NEW_ITEMS_LOOKBACK)
    return int((await conn.execute(query)).scalar_one())


# --- crisis alerts ---------------------------------------------------------------------------

_THREAD_COLUMNS = (
    alert_threads.c.id,
    alert_threads.c.brand,
    alert_threads.c.kind,
    alert_threads.c.severity,
    alert_threads.c.status,
    alert_threads.c.sequence,
    alert_threads.c.opened_at,
    alert_threads.c.updated_at,
    alert_threads.c.resolved_at,
    alert_threads.c.acknowledged_by,
    alert_threads.c.acknowledged_at,
    alert_threads.c.assignee_user_id,
    alert_threads.c.latest,
)


async def alert_threads_page(
    conn: AsyncConnection,
    scope: Scope,
    status: Literal["open", "resolved"] | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Crisis threads of brands in ``scope``, most recently updated first, open ones only,
    resolved ones only, or both (``None``). Dicts of the thread's columns (``latest``: its
    latest event as the pipeline sent it)."""
    query = select(*_THREAD_COLUMNS).where(scope.where(alert_threads.c.brand))
    if status is not None:
        query = query.where(alert_threads.c.status == status)
    query = query.order_by(alert_threads.c.updated_at.desc(), alert_threads.c.id).limit(
        max(1, min(int(limit), MAX_LIMIT))
    )
    return [dict(r._mapping) for r in await conn.execute(query)]


async def get_thread(conn: AsyncConnection, scope: Scope, thread_id: str) -> dict[str, Any] | None:
    """A thread with its ``events`` (sequence, event, sent_at, body; oldest first); ``None``
    when there is none or its brand is out of ``scope``."""
    row = (
        await conn.execute(
            select(*_THREAD_COLUMNS).where(
                alert_threads.c.id == thread_id, scope.where(alert_threads.c.brand)
            )
        )
    ).first()
    if row is None:
        return None
    thread = dict(row._mapping)
    events = await conn.execute(
        select(
            alert_events.c.sequence,
            alert_events.c.event,
            alert_events.c.sent_at,
            alert_events.c.body,
        )
        .where(alert_events.c.thread_id == thread_id, scope.where(alert_events.c.brand))
        .order_by(alert_events.c.sequence)
    )
    thread["events"] = [dict(r._mapping) for r in events]
    return thread


async def acknowledge_thread(
    conn: AsyncConnection,
    scope: Scope,
    user_id: int,
    thread_id: str,
    assignee_user_id: int | None = None,
    *,
    now: datetime,
) -> dict[str, Any]:
    """``user_id`` acknowledges a thread (the first acknowledgement is kept: who and when),
    and optionally assigns it to ``assignee_user_id``; each changed field is audited (subject
    ``alert:<thread id>``). Raises :class:`NotFound` when there is none in ``scope``,
    :class:`InvalidChange` for an unknown or disabled assignee. Returns :func:`get_thread`."""
    async with _transaction(conn):
        current = (
            await conn.execute(
                select(
                    alert_threads.c.brand,
                    alert_threads.c.acknowledged_by,
                    alert_threads.c.acknowledged_at,
                    alert_threads.c.assignee_user_id,
                )
                .where(alert_threads.c.id == thread_id, scope.where(alert_threads.c.brand))
                .with_for_update()
            )
        ).first()
        if current is None:
            raise NotFound(f"no alert thread {thread_id!r}")
        new: dict[str, Any] = {}
        if current.acknowledged_by is None:
            new["acknowledged_by"] = user_id
            new["acknowledged_at"] = now
        if assignee_user_id is not None and assignee_user_id != current.assignee_user_id:
            await _check_assignee(conn, current.brand, assignee_user_id, None)
            new["assignee_user_id"] = assignee_user_id
        if new:
            await conn.execute(
                update(alert_threads).where(alert_threads.c.id == thread_id).values(**new)
            )
            await conn.execute(
                audit_log.insert(),
                [
                    {
                        "at": now,
                        "user_id": user_id,
                        "action": "alert.acknowledge",
                        "brand": current.brand,
                        "subject": f"alert:{thread_id}",
                        "field": name,
                        "old_value": _text(getattr(current, name)),
                        "new_value": _text(value),
                    }
                    for name, value in new.items()
                ],
            )
        thread = await get_thread(conn, scope, thread_id)
    assert thread is not None
    return thread
