"""Near-duplicate copies in the inbox page and the API: a copy says so with its similar posts
and links to them, the inbox hides copies on request, and a cluster of another brand is
never shown."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.streams.web.conftest import Seeded
from tests.streams.web.support import sign_in, write_clusters
from tests.streams.web.test_inbox import listed

_BADGE = re.compile(
    r'<li class="item[^"]*" id="[^"]+"[^>]*data-mention="([^"]+)"'
    r'|class="badge duplicate"[^>]*href="([^"]+)"[^>]*>(.*?)</a>'
)


@pytest.fixture
def clustered(seeded: Seeded) -> Seeded:
    write_clusters(seeded.url, seeded.now)
    return seeded


def badges(page: str) -> dict[str, tuple[str, str]]:
    """mention id -> (the badge's words, its link) of every item showing one."""
    out: dict[str, tuple[str, str]] = {}
    current = ""
    for mention, href, words in _BADGE.findall(page):
        if mention:
            current = mention
        else:
            out[current] = (html.unescape(words.strip()), html.unescape(href))
    return out


def test_a_copy_shows_its_similar_posts_and_links_to_them(
    client: TestClient, clustered: Seeded
) -> None:
    sign_in(client, "ana")
    page = client.get("/inbox").text
    shown = badges(page)
    link = "/inbox?brand=acme&cluster=5&status=all&tagged=all"
    assert shown == {
        "acme-11": ("2 similar", link),
        "acme-12": ("copy · 2 similar", link),
        "acme-13": ("copy · 2 similar", link),
    }
    cluster = client.get(link)
    assert set(listed(cluster.text)) == {"acme-11", "acme-12", "acme-13"}
    assert 'id="cluster-notice"' in cluster.text
    # the filter form keeps the cluster while other filters change
    assert '<input type="hidden" name="cluster" value="5">' in cluster.text


def test_the_inbox_hides_copies(client: TestClient, clustered: Seeded) -> None:
    sign_in(client, "ana")
    everything = set(listed(client.get("/inbox").text))
    hidden = client.get("/inbox?copies=hide")
    assert set(listed(hidden.text)) == everything - {"acme-12", "acme-13"}
    assert '<option value="hide" selected>hide copies</option>' in hidden.text
    assert set(listed(client.get("/inbox?copies=hide&brand=acme&cluster=5").text)) == {"acme-11"}


def test_a_cluster_of_another_brand_is_never_shown(client: TestClient, clustered: Seeded) -> None:
    sign_in(client, "ana")
    assert listed(client.get("/inbox?brand=globex&cluster=5&status=all&tagged=all").text) == []
    assert "globex" not in "".join(v[1] for v in badges(client.get("/inbox").text).values())
    # cluster ids are per brand: one brand, and a number
    assert client.get("/inbox?cluster=5").status_code == 422
    assert client.get("/inbox?brand=acme&cluster=five").status_code == 422
    assert client.get("/inbox?brand=acme&cluster=-5").status_code == 422
    assert client.get("/inbox?copies=maybe").status_code == 422


def test_globex_sees_its_own_cluster(client: TestClient, clustered: Seeded) -> None:
    sign_in(client, "gus")
    shown = badges(client.get("/inbox").text)
    link = "/inbox?brand=globex&cluster=5&status=all&tagged=all"
    assert shown == {"globex-1": ("1 similar", link), "globex-3": ("copy · 1 similar", link)}
    assert set(listed(client.get(link).text)) == {"globex-1", "globex-3"}
    assert listed(client.get("/inbox?brand=acme&cluster=5&status=all&tagged=all").text) == []


def test_the_api_shows_and_filters_copies(client: TestClient, clustered: Seeded) -> None:
    ana = {"Authorization": f"Bearer {clustered.tokens['ana']}"}
    items = {i["id"]: i for i in client.get("/api/inbox", headers=ana).json()["items"]}
    assert (items["acme-12"]["duplicate_cluster"], items["acme-12"]["copy"]) == (5, True)
    assert items["acme-12"]["similar"] == 2 and items["acme-11"]["copy"] is False
    assert items["acme-1"]["duplicate_cluster"] is None and items["acme-1"]["similar"] == 0
    hidden = client.get("/api/inbox?copies=hide", headers=ana).json()["items"]
    assert not any(i["copy"] for i in hidden) and len(hidden) == len(items) - 2
    one = client.get("/api/inbox?brand=acme&cluster=5", headers=ana).json()["items"]
    assert {i["id"] for i in one} == {"acme-11", "acme-12", "acme-13"}
    assert client.get("/api/inbox?brand=globex&cluster=5", headers=ana).status_code == 404
    assert client.get("/api/inbox?cluster=5", headers=ana).status_code == 422


def _new_count(client: TestClient, query: str) -> int:
    """The first ``new`` event's count of ``/events?<query>`` (the test app's streams end after
    2 s)."""
    body = client.get(f"/events?audit=0&{query}").text
    found = re.search(r"event: new\ndata: (\{[^\n]*\})", body)
    assert found, body
    return int(json.loads(found.group(1))["count"])


def test_the_new_mentions_notice_follows_the_copies_filter(
    client: TestClient, clustered: Seeded
) -> None:
    sign_in(client, "ana")
    after = (clustered.now - timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    shown = _new_count(client, f"after={after}")
    assert _new_count(client, f"after={after}&copies=hide") == shown - 2
    assert _new_count(client, f"after={after}&brand=acme&cluster=5") == 3
    assert client.get("/events?copies=maybe").status_code == 422
    # the page's live link carries its filters
    page = client.get("/inbox?copies=hide").text
    assert "copies=hide" in page.split('data-events="', 1)[1].split('"', 1)[0]
