"""Which database errors pause the sink and which dead-letter a row."""

from __future__ import annotations

import psycopg
from psycopg import errors
from sqlalchemy.exc import DBAPIError, OperationalError

from streams.sink.service import error_kind
from streams.store.writer import is_row_error


def wrapped(exc: Exception) -> DBAPIError:
    return DBAPIError("statement", {}, exc)


def test_a_lost_server_pauses_and_bad_data_dead_letters() -> None:
    assert error_kind(OperationalError("s", {}, psycopg.OperationalError("gone"))) == "unavailable"
    assert error_kind(wrapped(errors.AdminShutdown())) == "unavailable"  # 57P01
    assert error_kind(ConnectionRefusedError()) == "unavailable"
    assert error_kind(wrapped(errors.UndefinedTable())) == "schema"  # 42P01
    assert is_row_error(wrapped(errors.CheckViolation()))  # 23514
    assert is_row_error(errors.UntranslatableCharacter())  # 22P05, raw from COPY
    assert not is_row_error(wrapped(errors.AdminShutdown()))
    assert not is_row_error(wrapped(errors.UndefinedTable()))
