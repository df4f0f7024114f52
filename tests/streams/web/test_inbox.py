"""The inbox pages: ranking, filters, brand scope, actions (audited), the item page."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from streams.store.database import async_engine
from streams.store.schema import audit_log, mention_brands
from tests.streams.web.conftest import Seeded
from tests.streams.web.support import POSTS, sign_in

_ROW = re.compile(r'data-brand="([^"]+)" data-mention="([^"]+)"')


def listed(html: str) -> list[str]:
    """The mention ids of a page's items, in order."""
    return [mention for _, mention in _ROW.findall(html)]


def stored(url: SecretStr, brand: str, mention_id: str) -> dict[str, object]:
    async def read() -> dict[str, object]:
        engine = async_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:
                row = (
                    await conn.execute(
                        select(mention_brands).where(
                            mention_brands.c.brand == brand,
                            mention_brands.c.mention_id == mention_id,
                        )
                    )
                ).one()
                audits = (
                    await conn.execute(
                        select(audit_log.c.field, audit_log.c.new_value, audit_log.c.user_id)
                        .where(audit_log.c.subject == f"mention:{brand}:{mention_id}")
                        .order_by(audit_log.c.id)
                    )
                ).all()
            return {**row._mapping, "audits": [tuple(a) for a in audits]}
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_the_inbox_ranks_untagged_mentions(client: TestClient) -> None:
    sign_in(client, "ana")
    page = client.get("/inbox")
    ids = listed(page.text)
    acme_untagged = {p.id for p in POSTS if p.brand == "acme" and not p.tagged}
    assert set(ids) == acme_untagged
    # the angry customer with 48k followers ranks above a neutral bus-ad sighting
    assert ids.index("acme-1") < ids.index("acme-2") < ids.index("acme-10")
    assert ids[-1] == "acme-10"
    html = page.text
    assert "Why it ranks here:" in html and "reach 48k" in html
    assert "Recover an unhappy customer" in html
    assert 'rel="noopener noreferrer" target="_blank"' in html
    assert 'href="https://example.social/acme-1"' in html
    # the tagged one shows under "tagged" and "all"
    assert listed(client.get("/inbox?tagged=tagged").text) == ["acme-9"]
    assert "acme-9" in listed(client.get("/inbox?tagged=all").text)


def test_filters(client: TestClient) -> None:
    sign_in(client, "ana")
    assert listed(client.get("/inbox?lang=de").text) == ["acme-4"]
    assert set(listed(client.get("/inbox?sentiment=positive").text)) == {
        "acme-3",
        "acme-7",
        "acme-8",
    }
    assert listed(client.get("/inbox?q=Canada").text) == ["acme-2"]
    assert listed(client.get("/inbox?q=" + "لا يعمل").text) == ["acme-5"]
    assert listed(client.get("/inbox?platform=reddit").text) == []
    assert listed(client.get("/inbox?assignee=me").text) == []
    recent = (datetime.now(UTC) - timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M")
    since = set(listed(client.get(f"/inbox?since={recent}").text))
    assert since == {
        p.id for p in POSTS if p.brand == "acme" and not p.tagged and p.minutes_ago < 50
    }
    assert client.get("/inbox?status=bogus").status_code == 422
    assert client.get("/inbox?since=yesterday").status_code == 422


def test_an_agent_never_sees_another_brand(client: TestClient) -> None:
    sign_in(client, "ana")
    everything = listed(client.get("/inbox?tagged=all&status=all").text)
    assert everything and not any(i.startswith("globex") for i in everything)
    assert listed(client.get("/inbox?brand=globex").text) == []
    assert listed(client.get("/inbox?q=Globex").text) == []
    assert listed(client.get("/inbox?q=parcel&tagged=all").text) == []
    # its item page is "not found", exactly like one that does not exist
    other = client.get("/mentions/globex/globex-1")
    missing = client.get("/mentions/acme/no-such-post")
    assert other.status_code == missing.status_code == 404
    assert other.text.replace("globex", "").count("no such mention") == missing.text.count(
        "no such mention"
    )
    assert client.get("/rows/globex/globex-1").status_code == 404
    assert client.get("/alerts/globex:volume_spike:1").status_code == 404
    assert "globex" not in client.get("/alerts").text


def test_the_admin_sees_every_brand(client: TestClient) -> None:
    sign_in(client, "root")
    ids = listed(client.get("/inbox").text)
    assert "globex-1" in ids and "acme-1" in ids


def test_a_status_change_is_saved_and_audited(client: TestClient, seeded: Seeded) -> None:
    csrf = sign_in(client, "ana")
    done = client.post(
        "/mentions/acme/acme-2",
        data={"status": "done", "csrf_token": csrf, "next": "/inbox?lang=en"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/inbox?lang=en"
    row = stored(seeded.url, "acme", "acme-2")
    assert row["status"] == "done"
    assert ("status", "done", 2) in row["audits"]  # ana is user 2
    assert "acme-2" not in listed(client.get("/inbox").text)
    assert listed(client.get("/inbox?status=done").text) == ["acme-2"]
    page = client.get("/mentions/acme/acme-2")
    assert "History" in page.text and re.search(
        r"<td>ana</td><td>status</td><td>open</td>", page.text
    )
    # an open redirect is not possible through next
    away = client.post(
        "/mentions/acme/acme-2",
        data={"status": "open", "csrf_token": csrf, "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert away.headers["location"] == "/mentions/acme/acme-2"


def test_assign_snooze_and_note(client: TestClient, seeded: Seeded) -> None:
    csrf = sign_in(client, "ana")
    path = "/mentions/acme/acme-4"
    noted = client.post(path, data={"note": "called them back, ticket 4411", "csrf_token": csrf})
    assert noted.status_code == 200
    assert "called them back, ticket 4411" in client.get(path).text
    assert client.post(path, data={"assignee": "me", "csrf_token": csrf}).status_code == 200
    assert listed(client.get("/inbox?assignee=me").text) == ["acme-4"]
    later = (datetime.now(UTC) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    # the page sends the browser's offset: UTC+2 is -120
    snoozed = client.post(path, data={"snoozed_until": later, "tz": "-120", "csrf_token": csrf})
    assert snoozed.status_code == 200
    row = stored(seeded.url, "acme", "acme-4")
    assert row["status"] == "snoozed" and row["assignee_user_id"] == 2
    expected = datetime.fromisoformat(later).replace(tzinfo=UTC) - timedelta(hours=2)
    assert row["snoozed_until"] == expected
    assert "acme-4" not in listed(client.get("/inbox").text)
    assert listed(client.get("/inbox?status=snoozed").text) == ["acme-4"]
    past = client.post(path, data={"snoozed_until": "2020-01-01T00:00", "csrf_token": csrf})
    assert past.status_code == 422 and "future" in past.text
    team = client.post(path, data={"assignee": "team:acme-care", "csrf_token": csrf})
    assert team.status_code == 200 and "team acme-care" in client.get(path).text
    ben = client.post(path, data={"assignee": "user:3", "csrf_token": csrf})
    assert ben.status_code == 200
    assert stored(seeded.url, "acme", "acme-4")["assignee_user_id"] == 3
    # gus (globex only) cannot be given an acme item
    gus = client.post(path, data={"assignee": "user:4", "csrf_token": csrf})
    assert gus.status_code == 422
    assert client.post(path, data={"assignee": "boss", "csrf_token": csrf}).status_code == 422
    assert client.post(path, data={"status": "exploded", "csrf_token": csrf}).status_code == 422


def test_a_note_on_an_item_already_acted_on(client: TestClient) -> None:
    csrf = sign_in(client, "ana")
    path = "/mentions/acme/acme-6"
    assert client.post(path, data={"assignee": "me", "csrf_token": csrf}).status_code == 200
    noted = client.post(path, data={"note": "second look", "csrf_token": csrf})
    assert noted.status_code == 200
    assert "second look" in client.get(path).text


def test_htmx_gets_the_row_back(client: TestClient) -> None:
    csrf = sign_in(client, "ana")
    response = client.post(
        "/mentions/acme/acme-3",
        data={"status": "in_progress", "csrf_token": csrf, "next": "/inbox"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<li") and 'data-status="in_progress"' in response.text
    assert "marked in progress" in response.headers["hx-trigger"]
    refused = client.post(
        "/mentions/globex/globex-1",
        data={"status": "done", "csrf_token": csrf},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 404 and "<html" not in refused.text


def test_bulk_actions(client: TestClient, seeded: Seeded) -> None:
    csrf = sign_in(client, "ana")
    done = client.post(
        "/inbox/bulk",
        data={"items": ["acme:acme-6", "acme:acme-7"], "action": "dismissed", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert stored(seeded.url, "acme", "acme-6")["status"] == "dismissed"
    assert stored(seeded.url, "acme", "acme-7")["status"] == "dismissed"
    mine = client.post(
        "/inbox/bulk",
        data={"items": ["acme:acme-6", "acme:acme-8"], "action": "assign_me", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert mine.status_code == 303
    assert stored(seeded.url, "acme", "acme-8")["assignee_user_id"] == 2
    # one item of another brand: nothing changes
    mixed = client.post(
        "/inbox/bulk",
        data={"items": ["acme:acme-10", "globex:globex-1"], "action": "done", "csrf_token": csrf},
    )
    assert mixed.status_code == 404
    assert stored(seeded.url, "acme", "acme-10")["status"] == "open"
    assert stored(seeded.url, "globex", "globex-1")["status"] == "open"
    assert (
        client.post("/inbox/bulk", data={"action": "done", "csrf_token": csrf}).status_code == 422
    )


def test_the_item_page(client: TestClient) -> None:
    sign_in(client, "ana")
    page = client.get("/mentions/acme/acme-5")
    assert page.status_code == 200
    assert 'dir="auto"' in page.text and 'lang="ar"' in page.text
    assert "تطبيق acme لا يعمل" in page.text
    assert "Notes" in page.text and "History" in page.text
    # its forms post and come back (the notes and the history change too): no htmx swap
    assert "hx-post" not in page.text and 'action="/mentions/acme/acme-5"' in page.text
    assert "hx-post" in client.get("/inbox").text
    assert (
        'class="skip"' in page.text and "<main" in page.text and 'aria-live="polite"' in page.text
    )
