"""The HTML pages: sign-in, the inbox, an item, the alerts.

Every page needs a signed-in user (else a redirect to ``/login``), and every POST needs the
session's CSRF token (``streams.web.auth``): both are dependencies of :data:`router`, so no
route of it can forget them. Changes are refused to viewers on the server (403), whatever the
page showed. Every query runs in the user's brand scope (``streams.store.inbox``): an item or a
thread of another brand is "not found" (404), exactly like one that does not exist.

Forms work without JavaScript (a POST, then a redirect back); with htmx, an item's actions
swap the item's row in place and announce the change in the page's ``aria-live`` region.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import EllipsisType
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from streams.alerts.explanation import explanation_lines, first_post
from streams.store import inbox
from streams.store.inbox import InboxFilters, InboxItem, InvalidChange, NotFound
from streams.store.schema import STATUSES, audit_log, teams
from streams.store.users import (
    User,
    authenticate,
    create_session,
    delete_session,
    list_users,
)
from streams.web.auth import (
    LOGIN_COOKIE,
    Signed,
    check_login_csrf,
    clear_session_cookie,
    client_address,
    new_login_token,
    page_user,
    require_change,
    set_login_cookie,
    set_session_cookie,
    signed_in,
    state,
)
from streams.web.views import (
    ACTION_STATUSES,
    local_path,
    parse_local_datetime,
    query,
    split_values,
)

__all__ = ["login_router", "router"]

PAGE_SIZE = 50

login_router = APIRouter(include_in_schema=False)
router = APIRouter(include_in_schema=False, dependencies=[Depends(page_user)])

SignedIn = Annotated[Signed, Depends(page_user)]


def dom_id(brand: str, mention_id: str) -> str:
    """A stable HTML id for an item (mention ids can hold any character)."""
    digest = hashlib.blake2s(f"{brand}\0{mention_id}".encode(), digest_size=8).hexdigest()
    return f"item-{digest}"


def item_path(brand: str, mention_id: str) -> str:
    return f"/mentions/{quote(brand, safe='')}/{quote(mention_id, safe='')}"


def row_path(brand: str, mention_id: str) -> str:
    return f"/rows/{quote(brand, safe='')}/{quote(mention_id, safe='')}"


def _render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    web = state(request)
    base = {"dom_id": dom_id, "item_path": item_path, "row_path": row_path, "now": web.now()}
    return web.templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status_code
    )


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- sign-in ---------------------------------------------------------------------------------


def _login_page(
    request: Request, *, next_path: str, name: str = "", message: str = "", status_code: int = 200
) -> HTMLResponse:
    token = request.cookies.get(LOGIN_COOKIE) or new_login_token()
    response = _render(
        request,
        "login.html",
        {
            "signed": None,
            "login_token": token,
            "next": next_path,
            "name": name,
            "message": message,
        },
        status_code=status_code,
    )
    set_login_cookie(request, response, token)
    return response


@login_router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    if await signed_in(request) is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return _login_page(request, next_path=local_path(next))


@login_router.post("/login")
async def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/inbox",
) -> Response:
    check_login_csrf(request, csrf_token)
    web = state(request)
    next_path = local_path(next)
    keys = (f"name:{name.strip().lower()}", f"ip:{client_address(request)}")
    if not all(web.limiter.allow(key) for key in keys):
        wait = max(web.limiter.retry_after(key) for key in keys)
        minutes = max(1, round(wait / 60))
        response = _login_page(
            request,
            next_path=next_path,
            name=name,
            message=f"Too many failed sign-ins: try again in {minutes} min.",
            status_code=429,
        )
        response.headers["Retry-After"] = str(max(1, int(wait)))
        return response
    async with web.engine.begin() as conn:
        user = await authenticate(conn, name.strip(), password) if name and password else None
        if user is not None:
            session_id, _ = await create_session(
                conn, user.id, web.settings.ui_session_hours * 3600, now=web.now()
            )
    if user is None:
        for key in keys:
            web.limiter.failed(key)
        return _login_page(
            request,
            next_path=next_path,
            name=name,
            message="Wrong user name or password.",
            status_code=401,
        )
    for key in keys:
        web.limiter.succeeded(key)
    done = RedirectResponse(next_path, status_code=303)
    set_session_cookie(request, done, session_id)
    done.delete_cookie(LOGIN_COOKIE, path="/login")
    return done


@router.post("/logout")
async def logout(request: Request, signed: SignedIn) -> Response:
    async with state(request).engine.begin() as conn:
        await delete_session(conn, signed.session_id)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(request, response)
    return response


# --- the inbox -------------------------------------------------------------------------------


@dataclass
class InboxQuery:
    """The inbox's filters as the page's GET form sends them."""

    brand: str = ""
    lang: str = ""
    sentiment: str = ""
    platform: str = ""
    since: str = ""
    until: str = ""
    status: str = "open"
    assignee: str = "any"
    q: str = ""
    tagged: str = "untagged"
    #: ``hide`` leaves near-duplicate copies out
    copies: str = "show"
    #: a near-duplicate cluster of ``brand`` (its id): the posts similar to one another
    cluster: str = ""
    tz: int = 0
    offset: int = 0

    def params(self) -> dict[str, Any]:
        """The query string's values (defaults left out), for links."""
        out: dict[str, Any] = {}
        for key, default in (
            ("brand", ""),
            ("lang", ""),
            ("sentiment", ""),
            ("platform", ""),
            ("since", ""),
            ("until", ""),
            ("status", "open"),
            ("assignee", "any"),
            ("q", ""),
            ("tagged", "untagged"),
            ("copies", "show"),
            ("cluster", ""),
        ):
            value = getattr(self, key)
            if value != default:
                out[key] = value
        if self.tz and (self.since or self.until):
            out["tz"] = self.tz
        return out

    def filters(self, user: User) -> InboxFilters:
        """The store's filters; HTTPException 422 for a value that makes no sense."""
        if self.status not in (*STATUSES, "all"):
            raise HTTPException(422, f"status: one of {', '.join(STATUSES)} or all")
        if self.tagged not in ("untagged", "tagged", "all"):
            raise HTTPException(422, "tagged: untagged, tagged or all")
        if self.assignee not in ("any", "me", "unassigned"):
            raise HTTPException(422, "assignee: any, me or unassigned")
        if self.copies not in ("show", "hide"):
            raise HTTPException(422, "copies: show or hide")
        cluster = self.cluster_id()
        if cluster is not None and len(split_values([self.brand])) != 1:
            # cluster ids are per brand
            raise HTTPException(422, "cluster: with one brand")
        try:
            since = parse_local_datetime(self.since, self.tz) if self.since.strip() else None
            until = parse_local_datetime(self.until, self.tz) if self.until.strip() else None
        except ValueError:
            raise HTTPException(422, "since/until: a date and time, 2026-11-01T09:00") from None
        return InboxFilters(
            brands=split_values([self.brand]) or None,
            langs=split_values([self.lang]) or None,
            sentiments=split_values([self.sentiment]) or None,
            platforms=split_values([self.platform]) or None,
            since=since,
            until=until,
            statuses=None if self.status == "all" else [self.status],
            assignee_user_id=user.id if self.assignee == "me" else None,
            unassigned=self.assignee == "unassigned",
            q=self.q.strip() or None,
            tagged={"untagged": False, "tagged": True, "all": None}[self.tagged],
            hide_copies=self.copies == "hide",
            duplicate_cluster=cluster,
        )

    def cluster_id(self) -> int | None:
        """The ``cluster`` asked for, or None; HTTPException 422 when it is not an id."""
        text = self.cluster.strip()
        if not text:
            return None
        if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**63:
            raise HTTPException(422, "cluster: a near-duplicate cluster's number")
        return int(text)


def _inbox_query(
    brand: Annotated[str, Query(max_length=200)] = "",
    lang: Annotated[str, Query(max_length=200)] = "",
    sentiment: Annotated[str, Query(max_length=100)] = "",
    platform: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(max_length=20)] = "open",
    assignee: Annotated[str, Query(max_length=20)] = "any",
    q: Annotated[str, Query(max_length=500)] = "",
    tagged: Annotated[str, Query(max_length=20)] = "untagged",
    copies: Annotated[str, Query(max_length=20)] = "show",
    cluster: Annotated[str, Query(max_length=20)] = "",
    tz: Annotated[int, Query(ge=-1000, le=1000)] = 0,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> InboxQuery:
    return InboxQuery(
        brand=brand,
        lang=lang,
        sentiment=sentiment,
        platform=platform,
        since=since,
        until=until,
        status=status or "open",
        assignee=assignee or "any",
        q=q,
        tagged=tagged or "untagged",
        copies=copies or "show",
        cluster=cluster,
        tz=tz,
        offset=offset,
    )


async def _assignees(conn: AsyncConnection) -> tuple[list[User], list[dict[str, Any]]]:
    """The people (active admins and agents) and teams one may assign items to."""
    people = [u for u in await list_users(conn) if not u.disabled and u.can_change]
    rows = await conn.execute(select(teams.c.name, teams.c.brands).order_by(teams.c.name))
    return people, [{"name": r.name, "brands": list(r.brands or [])} for r in rows]


async def latest_audit_id(conn: AsyncConnection) -> int:
    """Where live updates start: changes after this one are news to a page."""
    found = (await conn.execute(select(func.max(audit_log.c.id)))).scalar()
    return int(found or 0)


def _brand_choices(user: User, found: list[InboxItem]) -> list[str]:
    if user.scope.all_brands:
        return sorted({item.brand for item in found})
    return sorted(user.scope.brands)


@router.get("/")
@router.get("/inbox")
async def inbox_view(
    request: Request, signed: SignedIn, q: Annotated[InboxQuery, Depends(_inbox_query)]
) -> Response:
    web = state(request)
    user = signed.user
    filters = q.filters(user)
    now = web.now()
    async with web.engine.connect() as conn:
        items = await inbox.inbox_page(
            conn, user.scope, filters, now=now, offset=q.offset, limit=PAGE_SIZE + 1
        )
        people, team_list = await _assignees(conn) if user.can_change else ([], [])
        audit_id = await latest_audit_id(conn)
    more = len(items) > PAGE_SIZE
    items = items[:PAGE_SIZE]
    params = q.params()
    events = "/events?" + query(
        {k: v for k, v in params.items() if k not in ("status", "assignee", "since", "until")},
        after=now.isoformat(),
        audit=audit_id,
    )
    return _render(
        request,
        "inbox.html",
        {
            "signed": signed,
            "active": "inbox",
            "items": items,
            "q": q,
            "params": params,
            "here": request.url.path + ("?" + request.url.query if request.url.query else ""),
            "more": more,
            "offset": q.offset,
            "page_size": PAGE_SIZE,
            "brands": _brand_choices(user, items),
            "people": people,
            "teams": team_list,
            "events_url": events,
        },
    )


@router.get("/rows/{brand}/{mention_id:path}")
async def item_row(request: Request, signed: SignedIn, brand: str, mention_id: str) -> Response:
    """One item's row of the inbox (what live updates swap in)."""
    item, people, team_list = await _load_item(request, signed.user, brand, mention_id)
    return _render(
        request,
        "_item.html",
        {
            "signed": signed,
            "item": item,
            "people": people,
            "teams": team_list,
            "here": local_path(request.query_params.get("next")),
        },
    )


async def _load_item(
    request: Request, user: User, brand: str, mention_id: str
) -> tuple[InboxItem, list[User], list[dict[str, Any]]]:
    web = state(request)
    async with web.engine.connect() as conn:
        item = await inbox.get_item(conn, user.scope, brand, mention_id, now=web.now())
        if item is None:
            raise HTTPException(404, "There is no such mention in your brands.")
        people, team_list = await _assignees(conn) if user.can_change else ([], [])
    return item, people, team_list


@router.get("/mentions/{brand}/{mention_id:path}")
async def item_page(request: Request, signed: SignedIn, brand: str, mention_id: str) -> Response:
    web = state(request)
    user = signed.user
    async with web.engine.connect() as conn:
        item = await inbox.get_item(conn, user.scope, brand, mention_id, now=web.now())
        if item is None:
            raise HTTPException(404, "There is no such mention in your brands.")
        trail = await inbox.audit_trail(conn, user.scope, brand, mention_id)
        people, team_list = await _assignees(conn) if user.can_change else ([], [])
        audit_id = await latest_audit_id(conn)
    here = item_path(brand, mention_id)
    return _render(
        request,
        "item.html",
        {
            "signed": signed,
            "active": "inbox",
            "item": item,
            "trail": trail,
            "people": people,
            "teams": team_list,
            "here": here,
            "swap_rows": False,
            "events_url": "/events?" + query({}, after=web.now().isoformat(), audit=audit_id),
        },
    )


# --- changes ---------------------------------------------------------------------------------


@dataclass
class ChangeForm:
    status: str | None
    snoozed_until: datetime | None
    assignee_user_id: int | EllipsisType | None
    assignee_team: str | EllipsisType | None
    note: str | None

    def describe(self) -> str:
        parts = []
        if self.status == "snoozed" and self.snoozed_until is not None:
            parts.append(f"snoozed until {self.snoozed_until:%Y-%m-%d %H:%M} UTC")
        elif self.status:
            parts.append(f"marked {self.status.replace('_', ' ')}")
        if self.assignee_user_id is None and self.assignee_team is None:
            parts.append("unassigned")
        elif self.assignee_user_id is not ... or self.assignee_team is not ...:
            parts.append("assigned")
        if self.note:
            parts.append("note added")
        return ", ".join(parts) or "nothing changed"


def parse_change(
    user: User,
    *,
    status: str = "",
    snoozed_until: str = "",
    tz: int = 0,
    assignee: str = "",
    note: str = "",
) -> ChangeForm:
    """A change as the forms send it; HTTPException 422 for nonsense."""
    status = status.strip()
    if status and status not in STATUSES:
        raise HTTPException(422, f"status: one of {', '.join(ACTION_STATUSES)}")
    until = None
    if snoozed_until.strip():
        try:
            until = parse_local_datetime(snoozed_until, tz)
        except ValueError:
            raise HTTPException(422, "snoozed_until: a date and time, 2026-11-01T09:00") from None
        status = status or "snoozed"
    if status == "snoozed" and until is None:
        raise HTTPException(422, "snooze: choose until when")
    assignee_user_id: int | EllipsisType | None = ...
    assignee_team: str | EllipsisType | None = ...
    assignee = assignee.strip()
    if assignee == "me":
        assignee_user_id = user.id
    elif assignee == "none":
        assignee_user_id, assignee_team = None, None
    elif assignee.startswith("user:"):
        try:
            assignee_user_id = int(assignee[5:])
        except ValueError:
            raise HTTPException(422, "assignee: user:<id>") from None
        assignee_team = None
    elif assignee.startswith("team:") and assignee[5:].strip():
        assignee_team = assignee[5:].strip()
        assignee_user_id = None
    elif assignee:
        raise HTTPException(422, "assignee: me, none, user:<id> or team:<name>")
    return ChangeForm(
        status=status or None,
        snoozed_until=until,
        assignee_user_id=assignee_user_id,
        assignee_team=assignee_team,
        note=note if note.strip() else None,
    )


def _announce(response: Response, message: str) -> None:
    """An htmx event that app.js reads out in the page's aria-live region."""
    response.headers["HX-Trigger"] = json.dumps({"buzzwire:announce": {"message": message}})


@router.post("/mentions/{brand}/{mention_id:path}")
async def change(
    request: Request,
    signed: SignedIn,
    brand: str,
    mention_id: str,
    status: Annotated[str, Form(max_length=20)] = "",
    snoozed_until: Annotated[str, Form(max_length=40)] = "",
    tz: Annotated[int, Form(ge=-1000, le=1000)] = 0,
    assignee: Annotated[str, Form(max_length=300)] = "",
    note: Annotated[str, Form(max_length=10_000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    user = signed.user
    require_change(user)
    form = parse_change(
        user, status=status, snoozed_until=snoozed_until, tz=tz, assignee=assignee, note=note
    )
    web = state(request)
    try:
        async with web.engine.begin() as conn:
            item = await inbox.change_item(
                conn,
                user.scope,
                user.id,
                brand,
                mention_id,
                status=form.status,
                snoozed_until=form.snoozed_until,
                assignee_user_id=form.assignee_user_id,
                assignee_team=form.assignee_team,
                note=form.note,
                now=web.now(),
            )
            people, team_list = await _assignees(conn)
    except NotFound:
        raise HTTPException(404, "There is no such mention in your brands.") from None
    except InvalidChange as exc:
        raise HTTPException(422, str(exc)) from None
    message = f"{brand}/{mention_id}: {form.describe()}"
    if _is_htmx(request):
        response = _render(
            request,
            "_item.html",
            {
                "signed": signed,
                "item": item,
                "people": people,
                "teams": team_list,
                "here": local_path(next),
            },
        )
        _announce(response, message)
        return response
    return RedirectResponse(local_path(next, item_path(brand, mention_id)), status_code=303)


BULK_ACTIONS = (*ACTION_STATUSES, "assign_me", "unassign")


@router.post("/inbox/bulk")
async def bulk(
    request: Request,
    signed: SignedIn,
    items: Annotated[list[str] | None, Form()] = None,
    action: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/inbox",
) -> Response:
    """The same change to the selected items (checkboxes ``items`` = ``brand:mention id``)."""
    user = signed.user
    require_change(user)
    if action not in BULK_ACTIONS:
        raise HTTPException(422, f"action: one of {', '.join(BULK_ACTIONS)}")
    chosen: list[tuple[str, str]] = []
    for value in items or []:
        brand, sep, mention_id = value.partition(":")
        if not sep or not brand or not mention_id:
            raise HTTPException(422, "items: brand:mention id")
        chosen.append((brand, mention_id))
    if not chosen:
        raise HTTPException(422, "Select at least one item.")
    if len(chosen) > 500:
        raise HTTPException(422, "At most 500 items at once.")
    kwargs: dict[str, Any] = {}
    if action == "assign_me":
        kwargs["assignee_user_id"] = user.id
    elif action == "unassign":
        kwargs["assignee_user_id"] = None
        kwargs["assignee_team"] = None
    else:
        kwargs["status"] = action
    web = state(request)
    try:
        async with web.engine.begin() as conn:
            await inbox.change_items(conn, user.scope, user.id, chosen, now=web.now(), **kwargs)
    except NotFound:
        raise HTTPException(404, "Some of these mentions are not in your brands.") from None
    except InvalidChange as exc:
        raise HTTPException(422, str(exc)) from None
    target = local_path(next)
    if _is_htmx(request):
        response = Response(status_code=204, headers={"HX-Location": target})
        return response
    return RedirectResponse(target, status_code=303)


# --- alerts ----------------------------------------------------------------------------------


def thread_inbox_link(thread: dict[str, Any]) -> str:
    """The inbox of the thread's brand over the crisis's time: from an hour before it opened
    (posts that led up to it) to its resolution (an open one: up to now), any status."""
    from streams.inbox.priority import CRISIS_LEAD

    minute = "%Y-%m-%dT%H:%M"
    start = (thread["opened_at"] - CRISIS_LEAD).astimezone(UTC)
    params: dict[str, Any] = {
        "brand": thread["brand"],
        "since": start.strftime(minute),
        "status": "all",
        "tagged": "all",
    }
    if thread.get("status") != "open" and thread.get("resolved_at") is not None:
        end = thread["resolved_at"].astimezone(UTC) + timedelta(minutes=1)
        params["until"] = end.strftime(minute)
    return "/inbox?" + query(params)


@router.get("/alerts")
async def alerts(request: Request, signed: SignedIn) -> Response:
    web = state(request)
    user = signed.user
    async with web.engine.connect() as conn:
        open_threads = await inbox.alert_threads_page(conn, user.scope, "open", limit=100)
        resolved = await inbox.alert_threads_page(conn, user.scope, "resolved", limit=50)
        names = await _names(conn, [*open_threads, *resolved])
    return _render(
        request,
        "alerts.html",
        {
            "signed": signed,
            "active": "alerts",
            "open_threads": open_threads,
            "resolved": resolved,
            "names": names,
            "inbox_link": thread_inbox_link,
        },
    )


async def _names(conn: AsyncConnection, threads: list[dict[str, Any]]) -> dict[int, str]:
    from streams.store.users import user_names

    ids = set()
    for t in threads:
        for key in ("acknowledged_by", "assignee_user_id"):
            if t.get(key) is not None:
                ids.add(int(t[key]))
    return await user_names(conn, ids)


@router.get("/alerts/{thread_id}")
async def alert_thread(request: Request, signed: SignedIn, thread_id: str) -> Response:
    web = state(request)
    user = signed.user
    async with web.engine.connect() as conn:
        thread = await inbox.get_thread(conn, user.scope, thread_id)
        if thread is None:
            raise HTTPException(404, "There is no such alert in your brands.")
        names = await _names(conn, [thread])
        people = [
            u
            for u in (await _assignees(conn))[0]
            if user.can_change and u.scope.allows(thread["brand"])
        ]
    explanation = (thread.get("latest") or {}).get("explanation") or {}
    return _render(
        request,
        "alert.html",
        {
            "signed": signed,
            "active": "alerts",
            "thread": thread,
            "names": names,
            "people": people,
            "inbox_link": thread_inbox_link(thread),
            "why": explanation_lines(explanation),
            "first_post_url": first_post(explanation).get("url"),
        },
    )


@router.post("/alerts/{thread_id}/acknowledge")
async def acknowledge(
    request: Request,
    signed: SignedIn,
    thread_id: str,
    assignee: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    user = signed.user
    require_change(user)
    assignee_user_id: int | None = None
    if assignee == "me":
        assignee_user_id = user.id
    elif assignee.startswith("user:"):
        try:
            assignee_user_id = int(assignee[5:])
        except ValueError:
            raise HTTPException(422, "assignee: user:<id>") from None
    elif assignee:
        raise HTTPException(422, "assignee: me or user:<id>")
    web = state(request)
    try:
        async with web.engine.begin() as conn:
            await inbox.acknowledge_thread(
                conn, user.scope, user.id, thread_id, assignee_user_id, now=web.now()
            )
    except NotFound:
        raise HTTPException(404, "There is no such alert in your brands.") from None
    except InvalidChange as exc:
        raise HTTPException(422, str(exc)) from None
    return RedirectResponse(f"/alerts/{quote(thread_id, safe='')}", status_code=303)


# --- trends ----------------------------------------------------------------------------------


@router.get("/trends")
async def trends_page(
    request: Request,
    signed: SignedIn,
    brand: Annotated[str, Query(max_length=200)] = "",
    period: Annotated[str, Query(max_length=20)] = "week",
) -> Response:
    """A brand's trends per week, month or quarter (``streams.web.trends``), for every role,
    in the user's brand scope: another brand is 404, like one that does not exist."""
    from streams.web import trends

    web = state(request)
    user = signed.user
    if period not in trends.PAGE_PERIODS:
        raise HTTPException(422, f"period: one of {', '.join(trends.PAGE_PERIODS)}")
    catalog = trends.brand_catalog(web.settings.brands)
    choices = [b.id for b in catalog if user.scope.allows(b.id)]
    names = {b.id: b.name for b in catalog}
    brand = brand.strip() or (choices[0] if choices else "")
    if brand and brand not in choices:
        raise HTTPException(404, "There is no such brand in your brands.")
    context: dict[str, Any] = {
        "signed": signed,
        "active": "trends",
        "brands": choices,
        "names": names,
        "brand": brand,
        "brand_name": names.get(brand, brand),
        "period": period,
        "periods": [(key, label) for key, (label, _) in trends.PAGE_PERIODS.items()],
        "period_label": trends.PAGE_PERIODS[period][0],
        "view": None,
    }
    if brand:
        entry = catalog[brand]
        competitors = list(entry.competitors)
        taxonomy = trends.taxonomy(web.settings.topics)
        departments = {t.id: t.department for t in taxonomy}
        now = web.now()
        async with web.engine.connect() as conn:
            data = await trends.load(
                conn,
                brand=brand,
                competitors=competitors,
                period=period,  # type: ignore[arg-type]
                timezone=entry.timezone,
                now=now,
            )
        context["view"] = trends.build(
            data,
            brand=brand,
            competitors=competitors,
            names=names,
            spans=trends.spans_shown(period, now, entry.timezone),  # type: ignore[arg-type]
            departments=departments,
            topic_names={t.id: t.name for t in taxonomy},
        )
        context["timezone"] = entry.timezone
    return _render(request, "trends.html", context)
