"""The response inbox on a real PostgreSQL server: ranking and its reasons, filters, snooze,
scope refusals, changes with their audit rows and outbox rows, bulk changes, notes, alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from streams.inbox.priority import rank
from streams.store.inbox import (
    InboxFilters,
    InvalidChange,
    NotFound,
    acknowledge_thread,
    alert_threads_page,
    audit_trail,
    change_item,
    change_items,
    changes_since,
    get_item,
    get_thread,
    inbox_page,
    new_items_since,
)
from streams.store.rows import alert_rows, mention_rows
from streams.store.schema import (
    audit_log,
    mention_brands,
    mentions,
    notes,
    outbox,
    teams,
    users,
)
from streams.store.scope import Scope
from streams.store.writer import Item, PartitionCache, write_batch
from tests.streams.store.factories import alert, enriched

NOW = datetime(2026, 11, 1, 16, 0, tzinfo=UTC)
ACME = Scope.of(["acme"])
ALL = Scope.everything()


def at(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat().replace("+00:00", "Z")


def post(mention_id: str, text: str = "a post", *, hours_ago: float = 1, **kw: Any) -> Item:
    return Item("mention", mention_rows(enriched(mention_id, text, created_at=at(hours_ago), **kw)))


async def store(engine: AsyncEngine, *items: Item) -> None:
    written = await write_batch(engine, list(items), PartitionCache())
    assert not written.rejected


async def add_users(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            insert(users),
            [
                {"id": 1, "name": "ana", "role": "agent", "brands": ["acme"], "password_hash": "x"},
                {"id": 2, "name": "ben", "role": "agent", "brands": ["acme"], "password_hash": "x"},
                {
                    "id": 3,
                    "name": "gus",
                    "role": "agent",
                    "brands": ["globex"],
                    "password_hash": "x",
                },
            ],
        )
        await conn.execute(insert(teams).values(name="care", brands=["acme"]))


async def page(engine: AsyncEngine, scope: Scope = ACME, **filters: Any) -> list[str]:
    now = filters.pop("now", NOW)
    async with engine.connect() as conn:
        items = await inbox_page(conn, scope, InboxFilters(**filters), now=now)
    return [i.mention_id for i in items]


@pytest.fixture
async def inbox(engine: AsyncEngine) -> AsyncEngine:
    await add_users(engine)
    await store(
        engine,
        # a very negative question from a big account, 2 h old
        post(
            "angry",
            "Why is my order not working?",
            hours_ago=2,
            sentiment="negative",
            followers=12000,
            sentiment_scores={"negative": 0.94, "neutral": 0.04, "positive": 0.02},
        ),
        # a neutral post from a small account, 1 h old
        post("meh", "saw an acme ad today", hours_ago=1, followers=5),
        # a fan, Spanish, on instagram
        post(
            "fan",
            "Me encanta acme",
            hours_ago=3,
            lang="es",
            sentiment="positive",
            platform="instagram",
        ),
        # tagged
        post("tagged", "@acme hello", hours_ago=1, brands=[("acme", True)]),
        # another brand, out of the ACME scope
        post("globex", "Globex is down", hours_ago=1, brands=[("globex", False)]),
        # old: 40 days
        post("ancient", "old news", hours_ago=40 * 24),
    )
    return engine


async def test_a_very_negative_high_reach_question_beats_a_neutral_small_post(
    inbox: AsyncEngine,
) -> None:
    ids = await page(inbox)
    assert ids.index("angry") < ids.index("meh")
    assert "tagged" not in ids  # the untagged inbox
    assert "globex" not in ids  # out of scope
    assert "ancient" not in ids  # outside the default 30 days


async def test_items_show_why_and_the_sql_and_python_scores_agree(inbox: AsyncEngine) -> None:
    async with inbox.connect() as conn:
        items = await inbox_page(conn, ACME, InboxFilters(), now=NOW)
    angry = next(i for i in items if i.mention_id == "angry")
    assert angry.reasons == [
        "very negative (0.94)",
        "reach 12k",
        "reports a problem",
        "asks a question",
        "2 h ago",
    ]
    assert angry.asks_question and angry.reports_problem
    assert angry.suggestion == "recover_customer"
    fan = next(i for i in items if i.mention_id == "fan")
    assert fan.suggestion == "thank_fan"
    assert "very positive (0.90)" in fan.reasons
    for item in items:
        score, reasons = rank(
            priority=item.priority,
            reach=item.reach,
            scores={"negative": item.sentiment_negative, "positive": item.sentiment_positive},
            asks_question=item.asks_question,
            reports_problem=item.reports_problem,
            created_at=item.created_at,
            now=NOW,
            in_open_crisis=item.in_crisis,
            brand=item.brand,
        )
        assert item.score == pytest.approx(score, abs=1e-9)
        assert item.reasons == reasons
    assert [i.score for i in items] == sorted((i.score for i in items), reverse=True)


async def test_recency_decays(engine: AsyncEngine) -> None:
    await store(engine, post("new", hours_ago=0.5), post("old", hours_ago=20))
    async with engine.connect() as conn:
        items = await inbox_page(conn, ACME, now=NOW)
    assert [i.mention_id for i in items] == ["new", "old"]
    new, old = items
    assert new.priority == pytest.approx(old.priority)
    assert new.score - old.score == pytest.approx(4 * (0.5 ** (0.5 / 6) - 0.5 ** (20 / 6)))
    assert new.reasons[-1] == "30 min ago" and old.reasons[-1] == "20 h ago"


async def test_an_open_crisis_boosts_its_brands_items(engine: AsyncEngine) -> None:
    # equal posts; globex has an open crisis since 15:00, acme a resolved one
    await store(
        engine,
        post("a", hours_ago=0.5),
        post("g", hours_ago=0.5, brands=[("globex", False)]),
        post("g-before", hours_ago=3, brands=[("globex", False)]),  # 2 h before it opened
        Item("alert", alert_rows(alert("globex:1", 1, "opened", brand="globex", opened_at=at(1)))),
        Item("alert", alert_rows(alert("acme:1", 2, "resolved"))),
    )
    async with engine.connect() as conn:
        items = await inbox_page(conn, ALL, now=NOW)
    by_id = {i.mention_id: i for i in items}
    assert items[0].mention_id == "g"
    assert by_id["g"].in_crisis and by_id["g"].crisis_thread_id == "globex:1"
    assert by_id["g"].reasons[0] == "part of the open globex crisis"
    assert by_id["g"].score == pytest.approx(by_id["a"].score + 5)
    assert not by_id["a"].in_crisis and not by_id["g-before"].in_crisis


FILTERS: list[tuple[dict[str, Any], set[str]]] = [
    ({"langs": {"es"}}, {"fan"}),
    ({"sentiments": {"negative"}}, {"angry"}),
    ({"platforms": {"instagram"}}, {"fan"}),
    ({"since": NOW - timedelta(hours=1.5)}, {"meh"}),
    ({"until": NOW - timedelta(hours=2.5)}, {"fan"}),
    ({"since": NOW - timedelta(days=60)}, {"angry", "meh", "fan", "ancient"}),
    ({"q": "ORDER"}, {"angry"}),
    ({"q": "encanta"}, {"fan"}),
    ({"tagged": True}, {"tagged"}),
    ({"tagged": None}, {"angry", "meh", "fan", "tagged"}),
    ({"brands": {"globex"}}, set()),  # a filter never widens the scope
    ({"statuses": {"done"}}, set()),
]


async def test_filters(inbox: AsyncEngine) -> None:
    for filters, expected in FILTERS:  # one database for all the cases: quicker
        assert set(await page(inbox, **filters)) == expected, filters


async def test_the_scope_is_in_the_query(inbox: AsyncEngine) -> None:
    assert set(await page(inbox, Scope.of(["globex"]))) == {"globex"}
    assert await page(inbox, Scope.of([])) == []
    assert set(await page(inbox, ALL, brands={"globex"})) == {"globex"}
    async with inbox.connect() as conn:
        assert await get_item(conn, ACME, "globex", "globex", now=NOW) is None
        assert await get_item(conn, ACME, "acme", "missing", now=NOW) is None
        assert (await get_item(conn, ALL, "globex", "globex", now=NOW)) is not None
        with pytest.raises(NotFound):
            await change_item(conn, ACME, 1, "globex", "globex", status="done", now=NOW)
        with pytest.raises(NotFound):
            await change_item(conn, ACME, 1, "acme", "missing", status="done", now=NOW)
        await conn.commit()
    async with inbox.connect() as conn:
        assert (await conn.execute(select(audit_log))).all() == []
        assert (await conn.execute(select(outbox))).all() == []
        status = await conn.scalar(
            select(mention_brands.c.status).where(mention_brands.c.mention_id == "globex")
        )
        assert status == "open"


async def test_a_status_change_is_audited_and_queued_in_the_outbox(inbox: AsyncEngine) -> None:
    async with inbox.connect() as conn:
        item = await change_item(conn, ACME, 1, "acme", "angry", status="in_progress", now=NOW)
        assert conn.in_transaction() is False  # committed by change_item itself
    assert item.status == "in_progress"
    assert item.first_action_at == NOW and item.status_changed_at == NOW
    assert "angry" not in await page(inbox)
    assert await page(inbox, statuses={"in_progress"}) == ["angry"]
    async with inbox.connect() as conn:
        trail = await audit_trail(conn, ACME, "acme", "angry")
        assert await audit_trail(conn, Scope.of(["globex"]), "acme", "angry") == []
        sent = [dict(r._mapping) for r in await conn.execute(select(outbox))]
    assert [
        (r["user_id"], r["user_name"], r["field"], r["old_value"], r["new_value"], r["at"])
        for r in trail
    ] == [(1, "ana", "status", "open", "in_progress", NOW)]
    assert trail[0]["subject"] == "mention:acme:angry" and trail[0]["brand"] == "acme"
    assert len(sent) == 1 and sent[0]["kind"] == "inbox.status_changed"
    payload = sent[0]["payload"]
    assert (payload["brand"], payload["mention_id"], payload["status"]) == (
        "acme",
        "angry",
        "in_progress",
    )
    assert payload["previous_status"] == "open" and payload["changed_by"] == 1


async def test_assignment_and_notes_are_audited_without_an_outbox_row(
    inbox: AsyncEngine,
) -> None:
    async with inbox.connect() as conn:
        await change_item(conn, ACME, 1, "acme", "meh", assignee_user_id=2, now=NOW)
        later = NOW + timedelta(minutes=5)
        item = await change_item(
            conn, ACME, 2, "acme", "meh", assignee_team="care", note=" on it ", now=later
        )
        assert item.assignee_user_id == 2 and item.assignee_name == "ben"
        assert item.assignee_team == "care"
        assert item.first_action_at == NOW  # the first action only
        assert item.status_changed_at is None
        assert [(n["author_name"], n["body"]) for n in item.notes] == [("ben", "on it")]
        trail = await audit_trail(conn, ACME, "acme", "meh")
        assert await conn.scalar(select(outbox.c.id)) is None
        # unassign; the reads above began a transaction: change_item makes a savepoint in it,
        # and the caller commits
        item = await change_item(conn, ACME, 1, "acme", "meh", assignee_user_id=None, now=later)
        assert item.assignee_user_id is None and item.assignee_name is None
        await conn.commit()
        trail = await audit_trail(conn, ACME, "acme", "meh")
    assert [(r["user_id"], r["field"], r["old_value"], r["new_value"]) for r in trail] == [
        (1, "assignee_user_id", None, "2"),
        (2, "assignee_team", None, "care"),
        (2, "note", None, "on it"),
        (1, "assignee_user_id", "2", None),
    ]
    assert await page(inbox, assignee_user_id=2) == []
    assert await page(inbox, assignee_team="care") == ["meh"]
    assert "meh" not in await page(inbox, unassigned=True)


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"status": "closed"}, "unknown status"),
    ({"status": "snoozed"}, "snoozed_until"),
    ({"status": "snoozed", "snoozed_until": NOW - timedelta(hours=1)}, "future"),
    ({"snoozed_until": NOW + timedelta(hours=1)}, "snoozed"),
    ({"assignee_user_id": 99}, "no active user"),
    ({"assignee_user_id": 3}, "may not see"),  # gus works globex
    ({"assignee_team": "nobody"}, "no team"),
    ({"note": "   "}, "empty"),
]


async def test_invalid_changes_are_refused_and_write_nothing(inbox: AsyncEngine) -> None:
    async with inbox.connect() as conn:
        for change, message in INVALID:
            with pytest.raises(InvalidChange, match=message):
                await change_item(conn, ACME, 1, "acme", "angry", now=NOW, **change)
        assert await conn.scalar(select(audit_log.c.id)) is None
        assert await conn.scalar(select(notes.c.id)) is None
        item = await get_item(conn, ACME, "acme", "angry", now=NOW)
    assert item is not None
    assert (item.status, item.assignee_user_id, item.notes) == ("open", None, [])


async def test_a_snooze_hides_an_item_until_it_expires(inbox: AsyncEngine) -> None:
    until = NOW + timedelta(hours=2)
    async with inbox.connect() as conn:
        item = await change_item(
            conn, ACME, 1, "acme", "meh", status="snoozed", snoozed_until=until, now=NOW
        )
    assert (item.status, item.snoozed_until) == ("snoozed", until)
    assert "meh" not in await page(inbox)
    assert await page(inbox, statuses={"snoozed"}) == ["meh"]
    later = until + timedelta(minutes=1)
    assert "meh" in await page(inbox, now=later)  # open again
    assert await page(inbox, statuses={"snoozed"}, now=later) == []
    async with inbox.connect() as conn:
        shown = await get_item(conn, ACME, "acme", "meh", now=later)
        assert shown is not None and shown.status == "open"
        await conn.rollback()
        # leaving an expired snooze: audited from what was shown ("open")
        item = await change_item(conn, ACME, 1, "acme", "meh", status="done", now=later)
        assert (item.status, item.snoozed_until) == ("done", None)
    async with inbox.connect() as conn:
        trail = await audit_trail(conn, ACME, "acme", "meh")
    assert [(r["field"], r["old_value"], r["new_value"]) for r in trail] == [
        ("status", "open", "snoozed"),
        ("snoozed_until", None, until.isoformat()),
        ("status", "open", "done"),
        ("snoozed_until", until.isoformat(), None),
    ]


async def test_bulk_changes_are_all_or_nothing(inbox: AsyncEngine) -> None:
    async with inbox.connect() as conn:
        with pytest.raises(NotFound):
            await change_items(
                conn, ACME, 1, [("acme", "angry"), ("globex", "globex")], status="done", now=NOW
            )
        assert await conn.scalar(select(audit_log.c.id)) is None
        await conn.rollback()  # end the reads' transaction: change_items then commits its own
        assert set(await page(inbox)) == {"angry", "meh", "fan"}
        done = await change_items(
            conn, ACME, 1, [("acme", "angry"), ("acme", "meh")], status="done", now=NOW
        )
        assert [i.status for i in done] == ["done", "done"]
        assert len((await conn.execute(select(outbox))).all()) == 2
    assert await page(inbox) == ["fan"]


async def test_changes_since_and_new_items_since(inbox: AsyncEngine) -> None:
    async with inbox.connect() as conn:
        await change_item(conn, ACME, 1, "acme", "angry", status="done", now=NOW)
        await change_item(conn, ALL, 3, "globex", "globex", status="done", now=NOW)
        first = await changes_since(conn, ACME, 0)
        assert [(c["subject"], c["field"]) for c in first] == [("mention:acme:angry", "status")]
        assert await changes_since(conn, ACME, first[-1]["id"]) == []
        assert len(await changes_since(conn, ALL, 0)) == 2
        stored = await conn.scalar(select(audit_log.c.at).limit(1))
        assert stored == NOW
    await store(inbox, post("fresh", hours_ago=0.1), post("fresh-tagged", brands=[("acme", True)]))
    async with inbox.begin() as conn:  # stored a minute after NOW (the server's clock is not NOW)
        await conn.execute(
            update(mentions)
            .where(mentions.c.id.in_(["fresh", "fresh-tagged"]))
            .values(stored_at=NOW + timedelta(minutes=1))
        )
        await conn.execute(
            update(mentions)
            .where(mentions.c.id.not_in(["fresh", "fresh-tagged"]))
            .values(stored_at=NOW - timedelta(minutes=1))
        )
    db_now = NOW
    async with inbox.connect() as conn:
        assert await new_items_since(conn, ACME, db_now) == 1
        assert await new_items_since(conn, ACME, db_now, InboxFilters(tagged=None)) == 2
        assert await new_items_since(conn, Scope.of(["globex"]), db_now) == 0


async def test_alert_threads_in_scope_acknowledged_and_audited(engine: AsyncEngine) -> None:
    await add_users(engine)
    await store(
        engine,
        Item("alert", alert_rows(alert("acme:1", 1, "opened"))),
        Item("alert", alert_rows(alert("acme:1", 2, "updated"))),
        Item("alert", alert_rows(alert("globex:1", 1, "opened", brand="globex"))),
        Item("alert", alert_rows(alert("acme:0", 3, "resolved"))),
    )
    async with engine.connect() as conn:
        assert [t["id"] for t in await alert_threads_page(conn, ACME, "open")] == ["acme:1"]
        assert {t["id"] for t in await alert_threads_page(conn, ACME)} == {"acme:1", "acme:0"}
        assert [t["id"] for t in await alert_threads_page(conn, ALL, "resolved")] == ["acme:0"]
        assert await get_thread(conn, ACME, "globex:1") is None
        thread = await get_thread(conn, ACME, "acme:1")
        assert thread is not None
        assert [(e["sequence"], e["event"]) for e in thread["events"]] == [
            (1, "opened"),
            (2, "updated"),
        ]
        with pytest.raises(NotFound):
            await acknowledge_thread(conn, ACME, 1, "globex:1", now=NOW)
        with pytest.raises(InvalidChange):
            await acknowledge_thread(conn, ACME, 1, "acme:1", assignee_user_id=3, now=NOW)
        thread = await acknowledge_thread(conn, ACME, 1, "acme:1", assignee_user_id=2, now=NOW)
        assert (thread["acknowledged_by"], thread["acknowledged_at"]) == (1, NOW)
        assert thread["assignee_user_id"] == 2
        # a second acknowledgement keeps the first
        thread = await acknowledge_thread(conn, ACME, 2, "acme:1", now=NOW + timedelta(hours=1))
        assert (thread["acknowledged_by"], thread["acknowledged_at"]) == (1, NOW)
        rows = await changes_since(conn, ACME, 0)
    assert [
        (r["subject"], r["user_id"], r["field"], r["old_value"], r["new_value"]) for r in rows
    ] == [
        ("alert:acme:1", 1, "acknowledged_by", None, "1"),
        ("alert:acme:1", 1, "acknowledged_at", None, NOW.isoformat()),
        ("alert:acme:1", 1, "assignee_user_id", None, "2"),
    ]


async def test_a_change_inside_a_callers_transaction_is_its_to_commit(
    inbox: AsyncEngine,
) -> None:
    async with inbox.connect() as conn:
        await conn.execute(select(1))  # the caller's transaction has begun
        await change_item(conn, ACME, 1, "acme", "angry", status="done", now=NOW)
        await conn.rollback()
    assert "angry" in await page(inbox)


async def test_a_note_alone_on_an_item_already_acted_on(inbox: AsyncEngine) -> None:
    async with inbox.connect() as conn:
        await change_item(conn, ACME, 1, "acme", "meh", status="in_progress", now=NOW)
        later = NOW + timedelta(minutes=1)
        item = await change_item(conn, ACME, 2, "acme", "meh", note="called them", now=later)
    assert [n["body"] for n in item.notes] == ["called them"]
    assert (item.status, item.first_action_at) == ("in_progress", NOW)
    async with inbox.connect() as conn:
        trail = await audit_trail(conn, ACME, "acme", "meh")
    assert [(r["user_id"], r["field"], r["new_value"]) for r in trail] == [
        (1, "status", "in_progress"),
        (2, "note", "called them"),
    ]
