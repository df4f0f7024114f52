"""The alerts pages: open and resolved crisis threads, a thread's timeline and samples,
acknowledging and assigning (audited), and the link to the thread's posts in the inbox."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.streams.web.support import sign_in
from tests.streams.web.test_inbox import listed

THREAD = "/alerts/acme:negative_surge:1"


def test_open_and_resolved_threads(client: TestClient) -> None:
    sign_in(client, "root")
    page = client.get("/alerts")
    assert page.status_code == 200
    open_part, resolved_part = page.text.split('id="resolved-title"', 1)
    assert "acme: negative surge" in open_part and "globex" not in open_part
    assert "globex: volume spike" in resolved_part
    assert "Not acknowledged" in open_part


def test_a_thread_with_timeline_samples_and_its_posts(client: TestClient) -> None:
    sign_in(client, "ana")
    page = client.get(THREAD)
    assert page.status_code == 200
    text = page.text
    assert text.count("<li><strong>opened</strong>") == 1
    assert "<strong>updated</strong>" in text
    assert "Acme support has ignored my ticket" in text  # the sample post
    # why: the explanation of the latest event, a few lines
    why = text.split('id="why-title"', 1)[1].split("</section>", 1)[0]
    assert "Rising: &#34;outage&#34; (en)" in why and "72% negative" in why
    assert "Acme outage again" in why
    assert 'href="https://example.social/acme-1"' in why
    assert 'href="https://example.social/acme-1" rel="noopener noreferrer" target="_blank"' in text
    link = re.search(r'<a href="(/inbox\?[^"]+)">Open its posts in the inbox</a>', text)
    assert link
    inbox = client.get(html.unescape(link.group(1)))
    ids = listed(inbox.text)
    assert "acme-1" in ids and all(not i.startswith("globex") for i in ids)
    # a post from 10 hours before the crisis is not in its window
    assert "acme-8" not in ids
    # the inbox marks the crisis's posts
    assert (
        'class="badge crisis" href="/alerts/acme%3Anegative_surge%3A1"' in client.get("/inbox").text
    )


def test_acknowledge_and_assign(client: TestClient) -> None:
    csrf = sign_in(client, "ana")
    done = client.post(
        f"{THREAD}/acknowledge",
        data={"csrf_token": csrf, "assignee": "user:3"},
        follow_redirects=False,
    )
    assert (
        done.status_code == 303 and done.headers["location"] == "/alerts/acme%3Anegative_surge%3A1"
    )
    page = client.get(THREAD).text
    assert "Acknowledged by ana" in page and "Assigned to ben" in page
    assert "Acknowledged by ana" in client.get("/alerts").text
    assert client.post(f"{THREAD}/acknowledge", data={"assignee": "me"}).status_code == 403
    other = client.post("/alerts/globex:volume_spike:1/acknowledge", data={"csrf_token": csrf})
    assert other.status_code == 404
    gus = client.post(f"{THREAD}/acknowledge", data={"csrf_token": csrf, "assignee": "user:4"})
    assert gus.status_code == 422
