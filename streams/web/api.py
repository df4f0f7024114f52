"""The JSON API, under ``/api``: the ranked inbox, one item, and changes to it.

Every call needs ``Authorization: Bearer TOKEN`` (``buzzwire tokens create``; 401 without a
valid one); a token acts with its user's role and brands. An item is addressed by its brand and
its mention id (``/api/mentions/{brand}/{id}``: a mention id is unique within a brand in the
store, and a post naming two brands is two items). A brand out of the user's scope answers 404,
like one that does not exist; a viewer's PATCH 403; bad input 422 with ``detail`` saying what is
wrong. FastAPI serves the OpenAPI document at ``/api/openapi.json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from streams.store import inbox
from streams.store.inbox import InboxFilters, InboxItem, InvalidChange, NotFound
from streams.store.users import User, get_user
from streams.web.auth import api_user, require_change, state
from streams.web.views import split_values

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["inbox"])

ApiUser = Annotated[User, Depends(api_user)]

Status = Literal["open", "in_progress", "done", "dismissed", "snoozed"]


class Note(BaseModel):
    id: int
    author: str | None
    body: str
    created_at: datetime


class Item(BaseModel):
    """An inbox item: a brand a mention names, with its state and its rank."""

    brand: str
    id: str = Field(description="the mention's id (unique within the brand)")
    created_at: datetime
    platform: str
    author_handle: str | None
    author_name: str | None
    author_followers: int
    url: str | None
    text: str
    lang: str | None
    sentiment: str | None
    sentiment_scores: dict[str, float | None]
    tagged: bool
    reach: int
    status: Status = Field(description="`open` also for a snooze whose time has passed")
    snoozed_until: datetime | None
    assignee: str | None = Field(description="the assigned user's name")
    assignee_team: str | None
    score: float = Field(description="the ranking score at the time of asking")
    reasons: list[str] = Field(description="why it ranks where it does, largest part first")
    suggestion: str | None = Field(
        description="answer_question, recover_customer, thank_fan, or null"
    )
    in_crisis: bool
    duplicate_cluster: int | None = Field(
        default=None, description="its near-duplicate cluster of the brand, or null"
    )
    #: ``copy`` in the JSON (an attribute ``copy`` would shadow ``BaseModel.copy``)
    is_copy: bool = Field(
        default=False,
        serialization_alias="copy",
        description="a later post of its near-duplicate cluster",
    )
    similar: int = Field(default=0, description="other posts of the brand in its cluster")
    notes: list[Note] | None = Field(default=None, description="GET and PATCH of one item only")


class InboxPage(BaseModel):
    items: list[Item]
    offset: int
    limit: int
    next_offset: int | None = Field(description="the offset of the next page; null on the last")


class ItemChange(BaseModel):
    """Fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    assignee: str | None = Field(
        default=None, max_length=200, description="a user's name; null unassigns"
    )
    snoozed_until: AwareDatetime | None = Field(
        default=None, description="with status snoozed (implied when left out): a future time"
    )
    note: str | None = Field(default=None, min_length=1, max_length=10_000)


def item_json(item: InboxItem, *, with_notes: bool = False) -> Item:
    return Item(
        brand=item.brand,
        id=item.mention_id,
        created_at=item.created_at,
        platform=item.platform,
        author_handle=item.author_handle,
        author_name=item.author_name,
        author_followers=item.author_followers,
        url=item.url,
        text=item.text,
        lang=item.lang,
        sentiment=item.sentiment,
        sentiment_scores={
            "negative": item.sentiment_negative,
            "neutral": item.sentiment_neutral,
            "positive": item.sentiment_positive,
        },
        tagged=item.tagged,
        reach=item.reach,
        status=item.status,  # type: ignore[arg-type]
        snoozed_until=item.snoozed_until,
        assignee=item.assignee_name,
        assignee_team=item.assignee_team,
        score=round(item.score, 4),
        reasons=item.reasons,
        suggestion=item.suggestion,
        in_crisis=item.in_crisis,
        duplicate_cluster=item.duplicate_cluster,
        is_copy=item.copy,
        similar=item.similar,
        notes=[
            Note(
                id=n["id"],
                author=n.get("author_name"),
                body=n["body"],
                created_at=n["created_at"],
            )
            for n in item.notes
        ]
        if with_notes
        else None,
    )


def _not_found(brand: str) -> HTTPException:
    return HTTPException(404, f"no such item in brand {brand!r} (or not one of your brands)")


@router.get("/inbox", response_model=InboxPage, response_model_exclude_none=False)
async def api_inbox(
    request: Request,
    user: ApiUser,
    brand: Annotated[
        list[str] | None, Query(description="one or more brand ids; default: all yours")
    ] = None,
    status: Annotated[
        list[Status] | None, Query(description="default: open (expired snoozes included)")
    ] = None,
    lang: Annotated[list[str] | None, Query(description="language codes: en, de ...")] = None,
    q: Annotated[str | None, Query(max_length=500, description="text contains")] = None,
    tagged: Annotated[
        Literal["untagged", "tagged", "all"], Query(description="default: untagged")
    ] = "untagged",
    copies: Annotated[
        Literal["show", "hide"], Query(description="hide: leave near-duplicate copies out")
    ] = "show",
    cluster: Annotated[
        int | None,
        Query(ge=1, lt=2**63, description="a near-duplicate cluster of the one `brand` given"),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> InboxPage:
    """The ranked inbox: highest score first, ``limit`` items from ``offset``."""
    brands = split_values(brand)
    for one in brands:
        if not user.scope.allows(one):
            raise HTTPException(404, f"no brand {one!r} among yours")
    if cluster is not None and len(brands) != 1:
        raise HTTPException(422, "cluster: with one brand (cluster ids are per brand)")
    filters = InboxFilters(
        brands=brands or None,
        statuses=list(status) if status else None,
        langs=split_values(lang) or None,
        q=(q or "").strip() or None,
        tagged={"untagged": False, "tagged": True, "all": None}[tagged],
        hide_copies=copies == "hide",
        duplicate_cluster=cluster,
    )
    web = state(request)
    async with web.engine.connect() as conn:
        found = await inbox.inbox_page(
            conn, user.scope, filters, now=web.now(), offset=offset, limit=limit + 1
        )
    more = len(found) > limit
    return InboxPage(
        items=[item_json(i) for i in found[:limit]],
        offset=offset,
        limit=limit,
        next_offset=offset + limit if more else None,
    )


@router.get("/mentions/{brand}/{mention_id:path}", response_model=Item)
async def api_item(request: Request, user: ApiUser, brand: str, mention_id: str) -> Item:
    """One item with its notes."""
    web = state(request)
    async with web.engine.connect() as conn:
        found = await inbox.get_item(conn, user.scope, brand, mention_id, now=web.now())
    if found is None:
        raise _not_found(brand)
    return item_json(found, with_notes=True)


@router.patch("/mentions/{brand}/{mention_id:path}", response_model=Item)
async def api_change(
    request: Request, user: ApiUser, brand: str, mention_id: str, change: ItemChange
) -> Item:
    """Change an item's status, assignee, snooze or add a note (admins and agents). Each
    change is audited; a status change queues an inbox webhook."""
    web = state(request)
    given = change.model_fields_set
    kwargs: dict[str, Any] = {}
    status = change.status
    if change.snoozed_until is not None and status is None:
        status = "snoozed"
    async with web.engine.begin() as conn:
        # scope first: a brand the user may not see is 404 for a viewer too (change_item's own
        # scoped lookup answers NotFound for an item that is missing)
        if not user.scope.allows(brand):
            raise _not_found(brand)
        require_change(user)
        if "assignee" in given:
            if change.assignee is None:
                kwargs["assignee_user_id"] = None
            else:
                assignee = await get_user(conn, change.assignee)
                if assignee is None or assignee.disabled:
                    raise HTTPException(422, f"assignee: no active user named {change.assignee!r}")
                if not assignee.can_change:
                    raise HTTPException(
                        422, f"assignee: {assignee.name} is a viewer and cannot work items"
                    )
                if not assignee.scope.allows(brand):
                    raise HTTPException(
                        422, f"assignee: {assignee.name} may not see brand {brand!r}"
                    )
                kwargs["assignee_user_id"] = assignee.id
        try:
            changed = await inbox.change_item(
                conn,
                user.scope,
                user.id,
                brand,
                mention_id,
                status=status,
                snoozed_until=change.snoozed_until,
                note=change.note,
                now=web.now(),
                **kwargs,
            )
        except NotFound:
            raise _not_found(brand) from None
        except InvalidChange as exc:
            raise HTTPException(422, str(exc)) from None
    return item_json(changed, with_notes=True)
