"""Signing in and out, session cookies, the login rate limit, CSRF on every form, and the
viewer's read-only role, enforced by the server."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from streams.config import Settings
from streams.web.app import create_app
from streams.web.auth import SESSION_COOKIE
from tests.streams.web.conftest import Seeded, web_settings
from tests.streams.web.support import PASSWORD, csrf_of, sign_in


def _login(client: TestClient, name: str, password: str) -> object:
    form = client.get("/login")
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )


def _set_cookie(response: object) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(f"{SESSION_COOKIE}=")]
    assert found, headers
    return found[0]


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/", "/inbox", "/alerts", "/mentions/acme/acme-1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login"), path
    assert (
        client.get("/mentions/acme/acme-1", follow_redirects=False).headers["location"]
        == "/login?next=%2Fmentions%2Facme%2Facme-1"
    )
    assert client.get("/events").status_code == 401
    assert client.get("/healthz").text == "ok\n"
    assert client.get("/ready").text == "ready\n"


def test_sign_in_sets_a_safe_session_cookie(client: TestClient) -> None:
    response = _login(client, "ana", PASSWORD)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"] == "/inbox"  # type: ignore[attr-defined]
    cookie = _set_cookie(response).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain http, BUZZWIRE_UI_SECURE_COOKIES unset
    page = client.get("/inbox")
    assert page.status_code == 200 and "ana" in page.text


def test_the_cookie_is_secure_over_https_or_when_configured(seeded: Seeded) -> None:
    app = create_app(web_settings(seeded.url), webhooks=False)
    with TestClient(app, base_url="https://inbox.example") as https:
        assert "; secure" in _set_cookie(_login(https, "ana", PASSWORD)).lower()
    app = create_app(web_settings(seeded.url, ui_secure_cookies=True), webhooks=False)
    with TestClient(app, base_url="http://testserver") as http:
        assert "; secure" in _set_cookie(_login(http, "ana", PASSWORD)).lower()


def test_a_wrong_password_or_name_is_refused_alike(client: TestClient) -> None:
    for name, password in (("ana", "not the password at all"), ("nobody", PASSWORD)):
        response = _login(client, name, password)
        assert response.status_code == 401  # type: ignore[attr-defined]
        assert "Wrong user name or password." in response.text  # type: ignore[attr-defined]
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")  # type: ignore[attr-defined]
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_too_many_failures_are_refused_with_429(client: TestClient) -> None:
    for _ in range(5):
        assert _login(client, "ana", "wrong password!").status_code == 401  # type: ignore[attr-defined]
    refused = _login(client, "ana", PASSWORD)  # the right one, too late
    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert "Too many failed sign-ins" in refused.text  # type: ignore[attr-defined]
    assert int(refused.headers["retry-after"]) > 0  # type: ignore[attr-defined]
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_the_sign_in_form_needs_its_own_token(client: TestClient) -> None:
    client.get("/login")
    response = client.post(
        "/login", data={"name": "ana", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    response = client.post(
        "/login",
        data={"name": "ana", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_sign_out_needs_csrf_and_ends_the_session(client: TestClient) -> None:
    csrf = sign_in(client, "ana")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/inbox").status_code == 200  # still signed in
    done = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_a_form_post_without_or_with_a_wrong_csrf_token_is_refused(client: TestClient) -> None:
    csrf = sign_in(client, "ana")
    path = "/mentions/acme/acme-2"
    assert client.post(path, data={"status": "done"}).status_code == 403
    assert client.post(path, data={"status": "done", "csrf_token": "x" + csrf}).status_code == 403
    wrong_header = client.post(path, data={"status": "done"}, headers={"X-CSRF-Token": "nope"})
    assert wrong_header.status_code == 403
    # another session's token is no good either
    assert client.get("/mentions/acme/acme-2").text.count('data-status="open"') == 1
    ok = client.post(path, data={"status": "done", "csrf_token": csrf}, follow_redirects=False)
    assert ok.status_code == 303
    by_header = client.post(
        path, data={"status": "open"}, headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert by_header.status_code == 200


def routes(found: Iterable[Any]) -> Iterator[Any]:
    """Every route of an app, those of included routers too."""
    for route in found:
        if hasattr(route, "original_router"):  # FastAPI's included router
            yield from routes(route.original_router.routes)
        else:
            yield route


def test_every_form_route_refuses_a_post_without_csrf(client: TestClient) -> None:
    sign_in(client, "root")
    paths = set()
    for route in routes(client.app.routes):  # type: ignore[attr-defined]
        methods = getattr(route, "methods", set()) or set()
        path = getattr(route, "path", "")
        if path.startswith("/api/") or not methods & {"POST", "PUT", "PATCH", "DELETE"}:
            continue
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        paths.add(concrete)
        for method in methods & {"POST", "PUT", "PATCH", "DELETE"}:
            response = client.request(method, concrete, data={"status": "done"})
            if concrete == "/login":
                assert response.status_code == 403, concrete  # the form's own token
            else:
                assert response.status_code == 403, (method, concrete)
    assert {"/logout", "/mentions/x/x", "/inbox/bulk", "/alerts/x/acknowledge"} <= paths


def test_a_viewer_sees_no_controls_and_is_refused(client: TestClient) -> None:
    csrf = sign_in(client, "vera")
    page = client.get("/inbox")
    assert "acme-1" in page.text
    assert "data-action" not in page.text and 'id="bulk"' not in page.text
    item = client.get("/mentions/acme/acme-1")
    assert item.status_code == 200 and "data-action" not in item.text
    for path, data in (
        ("/mentions/acme/acme-1", {"status": "done"}),
        ("/mentions/acme/acme-1", {"note": "hello"}),
        ("/inbox/bulk", {"items": "acme:acme-1", "action": "done"}),
        ("/alerts/acme:negative_surge:1/acknowledge", {}),
    ):
        refused = client.post(path, data={**data, "csrf_token": csrf})
        assert refused.status_code == 403, path
        assert "viewer" in refused.text
    assert 'data-status="open"' in client.get("/mentions/acme/acme-1").text


@pytest.mark.parametrize("name", ["ana", "vera"])
def test_pages_answer_for_each_role(make_client: Callable[[], TestClient], name: str) -> None:
    client = make_client()
    sign_in(client, name)
    for path in ("/inbox", "/alerts", "/mentions/acme/acme-1", "/alerts/acme:negative_surge:1"):
        assert client.get(path).status_code == 200, path


def test_settings_default_port_and_bind() -> None:
    settings = Settings()
    assert settings.ui_port == 8080 and settings.ui_bind == "127.0.0.1"
    assert settings.ui_secure_cookies is False and settings.ui_session_hours == 12


def test_expired_sessions_are_purged_at_start(seeded: Seeded) -> None:
    import asyncio
    import time

    from sqlalchemy import func, select

    from streams.store.database import async_engine
    from streams.store.schema import web_sessions
    from streams.store.users import create_session, get_user

    async def sessions(make_expired: bool) -> int:
        engine = async_engine(seeded.url, pool_size=1)
        try:
            async with engine.begin() as conn:
                if make_expired:
                    user = await get_user(conn, "ana")
                    assert user is not None
                    await create_session(conn, user.id, -60)
                count = await conn.execute(select(func.count()).select_from(web_sessions))
                return int(count.scalar_one())
        finally:
            await engine.dispose()

    assert asyncio.run(sessions(make_expired=True)) == 1
    app = create_app(web_settings(seeded.url), webhooks=False)
    with TestClient(app):
        deadline = time.monotonic() + 10
        while asyncio.run(sessions(make_expired=False)) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert asyncio.run(sessions(make_expired=False)) == 0
