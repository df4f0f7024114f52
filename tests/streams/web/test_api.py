"""The JSON API: bearer tokens, scope (404), roles (403), input (422), the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.streams.web.conftest import Seeded


def bearer(seeded: Seeded, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.tokens[name]}"}


def test_no_or_a_bad_token_is_401(client: TestClient, seeded: Seeded) -> None:
    for headers in ({}, {"Authorization": "Bearer bzw_nope"}, {"Authorization": "Basic YTpi"}):
        response = client.get("/api/inbox", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "detail" in response.json()
    assert client.get("/api/mentions/acme/acme-1").status_code == 401
    assert client.patch("/api/mentions/acme/acme-1", json={"status": "done"}).status_code == 401


def test_a_session_cookie_is_no_api_credential(client: TestClient) -> None:
    from tests.streams.web.support import sign_in

    sign_in(client, "ana")
    assert client.get("/api/inbox").status_code == 401


def test_the_inbox_ranked_and_paged(client: TestClient, seeded: Seeded) -> None:
    page = client.get("/api/inbox", headers=bearer(seeded, "ana")).json()
    ids = [item["id"] for item in page["items"]]
    assert ids and all(item["brand"] == "acme" for item in page["items"])
    scores = [item["score"] for item in page["items"]]
    assert scores == sorted(scores, reverse=True)
    assert "acme-9" not in ids  # tagged
    first = page["items"][0]
    assert first["reasons"] and first["status"] == "open" and "sentiment_scores" in first
    two = client.get("/api/inbox?limit=2", headers=bearer(seeded, "ana")).json()
    assert [i["id"] for i in two["items"]] == ids[:2] and two["next_offset"] == 2
    more = client.get("/api/inbox?limit=2&offset=2", headers=bearer(seeded, "ana")).json()
    assert [i["id"] for i in more["items"]] == ids[2:4]
    assert page["next_offset"] is None
    german = client.get("/api/inbox?lang=de", headers=bearer(seeded, "ana")).json()
    assert [i["id"] for i in german["items"]] == ["acme-4"]
    found = client.get("/api/inbox?q=refund", headers=bearer(seeded, "ana")).json()
    assert [i["id"] for i in found["items"]] == ["acme-1"]
    tagged = client.get("/api/inbox?tagged=tagged", headers=bearer(seeded, "ana")).json()
    assert [i["id"] for i in tagged["items"]] == ["acme-9"]


def test_another_brand_is_404(client: TestClient, seeded: Seeded) -> None:
    ana = bearer(seeded, "ana")
    assert client.get("/api/inbox?brand=globex", headers=ana).status_code == 404
    assert client.get("/api/inbox?brand=acme&brand=globex", headers=ana).status_code == 404
    searched = client.get("/api/inbox?q=parcel&tagged=all", headers=ana).json()
    assert searched["items"] == []
    other = client.get("/api/mentions/globex/globex-1", headers=ana)
    missing = client.get("/api/mentions/acme/nope", headers=ana)
    assert other.status_code == missing.status_code == 404
    patched = client.patch("/api/mentions/globex/globex-1", json={"status": "done"}, headers=ana)
    assert patched.status_code == 404
    # ... which gus sees
    assert (
        client.get("/api/mentions/globex/globex-1", headers=bearer(seeded, "gus")).status_code
        == 200
    )


def test_one_item_and_a_change(client: TestClient, seeded: Seeded) -> None:
    ana = bearer(seeded, "ana")
    item = client.get("/api/mentions/acme/acme-1", headers=ana).json()
    assert item["id"] == "acme-1" and item["notes"] == [] and item["reach"] >= 48_000
    changed = client.patch(
        "/api/mentions/acme/acme-1",
        json={"status": "in_progress", "assignee": "ben", "note": "on it"},
        headers=ana,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["status"] == "in_progress" and body["assignee"] == "ben"
    assert [n["body"] for n in body["notes"]] == ["on it"] and body["notes"][0]["author"] == "ana"
    unassigned = client.patch("/api/mentions/acme/acme-1", json={"assignee": None}, headers=ana)
    assert unassigned.json()["assignee"] is None
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    snoozed = client.patch("/api/mentions/acme/acme-1", json={"snoozed_until": later}, headers=ana)
    assert snoozed.status_code == 200 and snoozed.json()["status"] == "snoozed"
    # the admin may change any brand
    root = client.patch(
        "/api/mentions/globex/globex-2",
        json={"status": "dismissed"},
        headers=bearer(seeded, "root"),
    )
    assert root.status_code == 200


def test_a_viewer_reads_but_cannot_patch(client: TestClient, seeded: Seeded) -> None:
    vera = bearer(seeded, "vera")
    assert client.get("/api/inbox", headers=vera).status_code == 200
    assert client.get("/api/mentions/acme/acme-1", headers=vera).status_code == 200
    refused = client.patch("/api/mentions/acme/acme-1", json={"status": "done"}, headers=vera)
    assert refused.status_code == 403 and "viewer" in refused.json()["detail"]
    assert client.get("/api/mentions/acme/acme-1", headers=vera).json()["status"] == "open"
    # another brand stays "not found" for her too
    other = client.patch("/api/mentions/globex/globex-1", json={"status": "done"}, headers=vera)
    assert other.status_code == 404


def test_bad_input_is_422_with_a_clear_message(client: TestClient, seeded: Seeded) -> None:
    ana = bearer(seeded, "ana")
    path = "/api/mentions/acme/acme-2"
    cases = [
        ({"status": "exploded"}, "status"),
        ({"colour": "red"}, "colour"),
        ({"snoozed_until": "tomorrow"}, "snoozed_until"),
        ({"snoozed_until": "2026-01-01T10:00:00"}, "snoozed_until"),  # no zone
        ({"snoozed_until": "2020-01-01T10:00:00Z"}, "future"),
        ({"assignee": "nobody-here"}, "assignee"),
        ({"assignee": "gus"}, "gus may not see brand 'acme'"),
        ({"assignee": "vera"}, "viewer"),
        ({"note": ""}, "note"),
    ]
    for body, word in cases:
        response = client.patch(path, json=body, headers=ana)
        assert response.status_code == 422, (body, response.text)
        detail = response.json()["detail"]
        assert isinstance(detail, str) and word in detail, (body, detail)
    not_json = client.patch(path, content=b"{", headers={**ana, "Content-Type": "application/json"})
    assert not_json.status_code == 422
    for query in ("limit=0", "limit=501", "offset=-1", "status=bogus", "tagged=maybe"):
        response = client.get(f"/api/inbox?{query}", headers=ana)
        assert response.status_code == 422, query
        assert isinstance(response.json()["detail"], str)
    assert client.get(path, headers=ana).json()["status"] == "open"


def test_the_openapi_document_has_the_api_only(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    paths = set(document["paths"])
    assert paths == {"/api/inbox", "/api/mentions/{brand}/{mention_id}"}
    assert set(document["paths"]["/api/mentions/{brand}/{mention_id}"]) == {"get", "patch"}
    assert client.get("/docs").status_code in (303, 404)  # no Swagger UI from a CDN
