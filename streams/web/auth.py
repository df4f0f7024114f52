"""Who is asking: browser sessions (a cookie) with their CSRF token, and API bearer tokens.

- **Sessions.** ``POST /login`` creates a server-side session (``streams.store.users``): the
  cookie ``bw_session`` holds a random id (the table only its SHA-256), ``HttpOnly``,
  ``SameSite=Lax``, ``Path=/``, and ``Secure`` when the request came over https (uvicorn
  trusts ``X-Forwarded-Proto`` from the addresses in ``FORWARDED_ALLOW_IPS``) or when
  ``BUZZWIRE_UI_SECURE_COOKIES=true``. It lasts ``BUZZWIRE_UI_SESSION_HOURS``.
- **CSRF.** Every session has its own CSRF token. Every form carries it in the hidden field
  ``csrf_token``; htmx requests send it in the ``X-CSRF-Token`` header. Any POST, PUT, PATCH
  or DELETE outside ``/api`` without the session's token is refused with 403
  (:func:`csrf_protect`, a dependency of every such route, and a check of the router). The
  login form, before there is a session, is protected the same way by a random token in a
  short-lived cookie of its own (double submit).
- **API.** ``/api/*`` takes ``Authorization: Bearer TOKEN`` only (no cookie, hence no CSRF):
  401 without a valid token.
- **Roles.** A viewer reads; :func:`require_change` refuses their changes with 403 on the
  server, whatever the page showed.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, Request
from starlette.responses import Response

from streams.store.users import User, session_user, user_for_token

if TYPE_CHECKING:
    from streams.web.app import WebState

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "UNSAFE_METHODS",
    "LoginRequired",
    "Signed",
    "api_user",
    "check_login_csrf",
    "clear_session_cookie",
    "client_address",
    "csrf_protect",
    "new_login_token",
    "page_user",
    "require_change",
    "secure_cookies",
    "set_login_cookie",
    "set_session_cookie",
    "signed_in",
]

SESSION_COOKIE = "bw_session"
LOGIN_COOKIE = "bw_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: how long the login form's own CSRF cookie lives
LOGIN_COOKIE_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class Signed:
    """A signed-in browser: the user, the session's CSRF token and the session id."""

    user: User
    csrf: str
    session_id: str


class LoginRequired(Exception):
    """A page needs a signed-in user; the app answers with a redirect to ``/login``."""


def state(request: Request) -> WebState:
    web: WebState = request.app.state.web
    return web


def secure_cookies(request: Request) -> bool:
    """``Secure`` cookies: over https, or always with ``BUZZWIRE_UI_SECURE_COOKIES``."""
    return request.url.scheme == "https" or state(request).settings.ui_secure_cookies


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(state(request).settings.ui_session_hours * 3600),
        path="/",
        secure=secure_cookies(request),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=secure_cookies(request), httponly=True, samesite="lax"
    )


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def set_login_cookie(request: Request, response: Response, token: str) -> None:
    """The login form's CSRF nonce (not a credential: ``Secure`` over https only)."""
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=LOGIN_COOKIE_SECONDS,
        path="/login",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )


def same_token(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an empty or missing token never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def check_login_csrf(request: Request, given: str | None) -> None:
    """The login form's token must match its cookie (403 otherwise)."""
    if not same_token(given, request.cookies.get(LOGIN_COOKIE)):
        raise HTTPException(403, "The sign-in form has expired: load the page again.")


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


async def signed_in(request: Request) -> Signed | None:
    """The session of this request's cookie (looked up once per request), or None."""
    if hasattr(request.state, "signed"):
        found: Signed | None = request.state.signed
        return found
    signed = None
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        async with state(request).engine.connect() as conn:
            row = await session_user(conn, session_id, datetime.now(UTC))
        if row is not None:
            signed = Signed(user=row[0], csrf=row[1], session_id=session_id)
    request.state.signed = signed
    return signed


async def page_user(request: Request) -> Signed:
    """A dependency of the pages: the signed-in user, or a redirect to ``/login``."""
    if request.method in UNSAFE_METHODS:
        return await csrf_protect(request)
    signed = await signed_in(request)
    if signed is None:
        raise LoginRequired
    return signed


async def _given_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value: Any = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def csrf_protect(request: Request) -> Signed:
    """The signed-in user of a POST/PUT/PATCH/DELETE whose CSRF token (form field or header)
    is the session's; 403 otherwise (no session, no token, or another token)."""
    signed = await signed_in(request)
    if signed is None:
        raise HTTPException(403, "You are not signed in (or your session ended): sign in again.")
    if not same_token(await _given_csrf(request), signed.csrf):
        raise HTTPException(
            403, "This form is missing its security token or it is stale: reload the page."
        )
    return signed


def require_change(user: User) -> None:
    """403 unless the user may change the inbox (admins and agents; never a viewer)."""
    if not user.can_change:
        raise HTTPException(403, "Your role (viewer) can read the inbox but not change it.")


async def api_user(request: Request) -> User:
    """A dependency of ``/api``: the user of the ``Authorization: Bearer`` token; 401 without
    one, or with one that is unknown or revoked."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401, "Authorization: Bearer TOKEN required", headers={"WWW-Authenticate": "Bearer"}
        )
    async with state(request).engine.begin() as conn:
        user = await user_for_token(conn, token.strip())
    if user is None:
        raise HTTPException(
            401,
            "unknown or revoked token",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return user
