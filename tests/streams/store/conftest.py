"""An async engine on a test's own migrated database (``store_url``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from streams.store.database import async_engine


@pytest.fixture
async def engine(store_url: SecretStr) -> AsyncIterator[AsyncEngine]:
    eng = async_engine(store_url, pool_size=2)
    try:
        yield eng
    finally:
        await eng.dispose()
