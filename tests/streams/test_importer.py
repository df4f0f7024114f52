"""``buzzwire import`` on the real PostgreSQL server: the rows are what the worker's enrichment
and the sink's conversion give for the same records, an import run twice stores nothing new,
invalid lines are counted and kept aside without stopping the rest, old history gets its
month partitions, and the command refuses to start without a database or on a schema behind
(never printing the password)."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from streams.config import Settings
from streams.importer import read_lines, run_import
from streams.kernel.timestamps import iso_utc
from streams.mentions.logic import Limits, parse_mention
from streams.pipeline.metrics import Metrics
from streams.pipeline.runtime import Runtime, build_runtime
from streams.replay import write_csv
from streams.store.rows import mention_rows
from streams.store.schema import mention_brands, mentions

NOW = time.time()
TWO_YEARS_AGO = NOW - 2 * 365 * 86400


def record(mention_id: str, text_: str, *, ago_days: float = 3.0, **extra: Any) -> dict[str, Any]:
    return {
        "id": mention_id,
        "platform": "x",
        "author": {"id": f"u-{mention_id}", "handle": f"@{mention_id}", "followers": 12},
        "text": text_,
        "created_at": iso_utc(NOW - ago_days * 86400),
        "url": f"https://example.social/{mention_id}",
        "engagement": {"likes": 2, "shares": 1, "replies": 0},
        **extra,
    }


RECORDS = [
    record("m1", "@acme my internet is down again, terrible service, I hate this"),
    record("m2", "Globex just launched a great new plan, love it"),
    record("m3", "la tienda abre a las nueve el lunes, nada que ver con marcas"),
    record("m4", "Acme Telecom dan Globex sama-sama lambat hari ini #acmefail", lang="id"),
    record("m5", "Zeltā Piena piens ir garšīgs, paldies!", ago_days=40),
    record("m6", "أكمي خدمة سيئة جدا", reply_to_handle="@acme_help", ago_days=75),
    record("m7", "odlično, hvala @jadranska", ago_days=100),
    record("m8", "just a post about the weather", ago_days=0.5),
]


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    """The worker's runtime with the linear model (what the imports below load)."""
    return build_runtime(Settings(sentiment_model="linear"), Metrics.create(CollectorRegistry()))


def settings_for(url: SecretStr) -> Settings:
    return Settings(database_url=url, sentiment_model="linear")


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def expected_rows(runtime: Runtime, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The rows the worker and the sink would store for ``records``: the worker's validation
    and enrichment (``Runtime``), then the sink's conversion."""
    limits = Limits()
    parsed = [parse_mention(orjson.dumps(r), now=time.time(), limits=limits) for r in records]
    outs = asyncio.run(runtime.annotate_async([p.mention for p in parsed]))
    rows = [mention_rows(out) for out in outs]
    return {
        "mentions": {r.mention["id"]: r.mention for r in rows},
        "brands": {(b["brand"], b["mention_id"]): b for r in rows for b in r.brands},
    }


def stored_rows(url: SecretStr) -> dict[str, Any]:
    """The stored rows, in the columns the sink's conversion fills (the others, such as the
    inbox's, take their defaults)."""
    engine = create_engine(url.get_secret_value())
    try:
        with engine.connect() as conn:
            found = [dict(r._mapping) for r in conn.execute(select(mentions))]
            brand_rows = [dict(r._mapping) for r in conn.execute(select(mention_brands))]
    finally:
        engine.dispose()
    sample = mention_rows(
        {"id": "x", "created_at": "2026-01-01T00:00:00Z", "brands": [{"id": "b", "tagged": True}]}
    )
    return {
        "mentions": {r["id"]: {k: r[k] for k in sample.mention} for r in found},
        "brands": {
            (b["brand"], b["mention_id"]): {k: b[k] for k in sample.brands[0]} for b in brand_rows
        },
    }


def test_a_jsonl_file_is_stored_as_the_worker_would_enrich_it(
    store_url: SecretStr, runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(tmp_path / "export.jsonl", RECORDS)
    assert (
        run_import(path, settings_for(store_url), batch_size=3, progress=False, runtime=runtime)
        == 0
    )
    out = capsys.readouterr().out
    assert f"{len(RECORDS)} lines" in out
    assert "stored new:     8" in out and "already stored: 0" in out and "invalid:        0" in out
    stored = stored_rows(store_url)
    assert stored == expected_rows(runtime, RECORDS)
    # and that is the enrichment one would expect of these posts
    m = stored["mentions"]
    assert m["m1"]["tagged_brands"] == ["acme"] and not m["m1"]["untagged"]
    assert m["m2"]["brands"] == ["globex"] and m["m2"]["untagged"]
    assert m["m3"]["brands"] == [] and m["m3"]["lang"] == "es"
    assert m["m4"]["lang"] == "id" and m["m4"]["lang_confidence"] == 1.0  # the collector's
    assert m["m1"]["sentiment"] == "negative" and m["m1"]["sentiment_model"].startswith("linear")
    assert {"lv", "ar", "hr"} <= {row["lang"] for row in m.values()}


def test_a_csv_file_gives_the_same_rows(
    store_url: SecretStr, runtime: Runtime, tmp_path: Path
) -> None:
    buf = io.StringIO()
    write_csv(RECORDS, buf)
    path = tmp_path / "export.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    assert run_import(path, settings_for(store_url), progress=False, runtime=runtime) == 0
    assert stored_rows(store_url) == expected_rows(runtime, RECORDS)


def test_an_import_run_twice_stores_nothing_new_and_repeats_are_stored_once(
    store_url: SecretStr, runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repeated = [
        *RECORDS[:3],
        RECORDS[0],  # again in the same batch
        *RECORDS[3:],
        RECORDS[1],  # a batch later
        {**RECORDS[2], "created_at": iso_utc(NOW - 9 * 86400)},  # the same id, another time
    ]
    path = write_jsonl(tmp_path / "export.jsonl", repeated)
    settings = settings_for(store_url)
    assert run_import(path, settings, batch_size=4, progress=False, runtime=runtime) == 0
    first = capsys.readouterr().out
    assert "stored new:     8" in first and "already stored: 3" in first
    before = stored_rows(store_url)
    assert len(before["mentions"]) == 8
    assert run_import(path, settings, batch_size=4, progress=True, runtime=runtime) == 0
    second = capsys.readouterr().out
    assert "stored new:     0" in second and f"already stored: {len(repeated)}" in second
    assert stored_rows(store_url) == before


def test_invalid_lines_are_counted_and_set_aside_and_the_rest_is_stored(
    store_url: SecretStr, runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = [orjson.dumps(r) for r in RECORDS[:4]]
    lines = [
        good[0],
        b'{"id": "broken", "text": "no closing brace"',  # 2: not JSON
        good[1],
        orjson.dumps({"id": "no-text", "created_at": iso_utc(NOW)}),  # 4: missing text
        orjson.dumps(record("binary", "\x01\x02\x03 \x04\x05")),  # 5: binary text
        b"",  # 6: blank, skipped
        orjson.dumps(record("bad-date", "@acme hi", created_at="2026-13-45T25:61:00Z")),  # 7
        orjson.dumps(record("y1999", "@acme hi", created_at="1999-12-31T23:00:00Z")),  # 8
        b'{"id": "latin1", "text": "caf\xe9", "created_at": 1}',  # 9: not UTF-8
        good[2],
        good[3],
    ]
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    rejects = tmp_path / "rejects.jsonl"
    assert (
        run_import(path, settings_for(store_url), rejects=rejects, progress=False, runtime=runtime)
        == 0
    )
    captured = capsys.readouterr()
    assert "10 lines" in captured.out and "stored new:     4" in captured.out
    assert (
        "invalid:        6 (binary_text 1, invalid_timestamp 2, missing_field 1, " in captured.out
    )
    assert "not_json 1, not_utf8 1)" in captured.out
    for shown in ("line 2: not_json", "line 4: missing_field", "line 5: binary_text"):
        assert shown in captured.err
    assert "line 7: invalid_timestamp" in captured.err
    assert "line 8: invalid_timestamp: created_at is before the year 2000" in captured.err
    assert "line 9: not_utf8" in captured.err
    written = [orjson.loads(line) for line in rejects.read_bytes().splitlines()]
    assert [(r["line"], r["reason"]) for r in written] == [
        (2, "not_json"),
        (4, "missing_field"),
        (5, "binary_text"),
        (7, "invalid_timestamp"),
        (8, "invalid_timestamp"),
        (9, "not_utf8"),
    ]
    assert written[0]["original"] == lines[1].decode()
    assert written[0]["error"].startswith("not JSON")
    assert written[-1]["original_not_utf8"] is True and "caf\ufffd" in written[-1]["original"]
    assert sorted(stored_rows(store_url)["mentions"]) == ["m1", "m2", "m3", "m4"]


def test_history_from_years_back_is_stored_in_its_own_months(
    store_url: SecretStr, runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = [
        record("old-1", "@acme back then it worked", ago_days=2 * 365),
        record("old-2", "Globex was fine in those days", ago_days=2 * 365 + 40),
        record("older", "@initech the very first post", ago_days=6 * 365),
    ]
    path = write_jsonl(tmp_path / "history.jsonl", old)
    settings = Settings(database_url=store_url, sentiment_model="linear", store_retention_months=36)
    assert run_import(path, settings, progress=False, runtime=runtime) == 0
    captured = capsys.readouterr()
    assert "stored new:     3" in captured.out
    # what the sink's retention will drop is said
    assert "BUZZWIRE_STORE_RETENTION_MONTHS=36" in captured.err
    months = {
        datetime.fromisoformat(r["created_at"]).astimezone(UTC).strftime("y%Ym%m") for r in old
    }
    engine = create_engine(store_url.get_secret_value())
    try:
        with engine.connect() as conn:
            tables = set(conn.execute(text("SELECT tablename FROM pg_tables")).scalars())
            stored = dict(conn.execute(select(mentions.c.id, mentions.c.created_at)).all())
    finally:
        engine.dispose()
    for month in months:
        assert f"mentions_{month}" in tables and f"mention_brands_{month}" in tables
    assert stored["old-1"] < datetime.now(UTC) - timedelta(days=729)


def test_the_reader_skips_overlong_lines_and_numbers_csv_rows_by_their_first_line(
    tmp_path: Path,
) -> None:
    jsonl = io.BytesIO(b'\xef\xbb\xbf{"a": 1}\r\n' + b"x" * 5000 + b"\n\n" + b'{"b": 2}')
    got = list(read_lines(jsonl, csv_file=False, max_bytes=1024))
    assert [(ln.lineno, ln.raw[:10], ln.problem is None) for ln in got] == [
        (1, b'{"a": 1}', True),
        (2, b"x" * 10, False),
        (4, b'{"b": 2}', True),
    ]
    assert got[1].problem == ("message_too_large", "line has 5000 bytes; the limit is 1024")
    assert got[-1].position == len(jsonl.getvalue())
    rows = io.BytesIO(
        b'id,text,author.followers\r\na,"two\nlines",3\r\n\r\nb,caf\xe9,x\r\nc,plain,1\r\n'
    )
    got = list(read_lines(rows, csv_file=True, max_bytes=1024))
    assert [ln.lineno for ln in got] == [2, 5, 6]
    assert orjson.loads(got[0].raw) == {"id": "a", "text": "two\nlines", "author": {"followers": 3}}
    assert got[1].problem == ("not_utf8", "a cell is not UTF-8")
    assert orjson.loads(got[2].raw) == {"id": "c", "text": "plain", "author": {"followers": 1}}


# ------------------------------------------------------------------------------ the command


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BUZZWIRE_")}
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        env={**base, "BUZZWIRE_SENTIMENT_MODEL": "linear", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def unmigrated_url(empty_database: SecretStr) -> str:
    """A database of its own on the test server, created and never migrated."""
    return empty_database.get_secret_value()


def test_the_command_refuses_without_a_database(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "export.jsonl", RECORDS)
    result = run_cli("import", str(path), env={})
    assert result.returncode == 2
    assert "BUZZWIRE_DATABASE_URL is not set" in result.stderr


def test_the_command_refuses_a_schema_behind_without_printing_the_password(
    unmigrated_url: str, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "export.jsonl", RECORDS)
    result = run_cli("import", str(path), env={"BUZZWIRE_DATABASE_URL": unmigrated_url})
    assert result.returncode == 2
    assert "run `buzzwire db upgrade`" in result.stderr
    password = make_url(unmigrated_url).password
    if password:
        assert password not in result.stdout + result.stderr


def test_the_command_imports_and_never_prints_the_password(
    store_url: SecretStr, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "export.jsonl", [*RECORDS, {"id": "x"}])
    url = store_url.get_secret_value()
    result = run_cli(
        "import",
        str(path),
        "--batch-size",
        "5",
        "--rejects",
        str(tmp_path / "rejects.jsonl"),
        "--no-progress",
        env={"BUZZWIRE_DATABASE_URL": url},
    )
    assert result.returncode == 0, result.stderr
    assert (
        "stored new:     8" in result.stdout
        and "invalid:        1 (missing_field 1)" in result.stdout
    )
    assert "line 9: missing_field" in result.stderr
    assert len((tmp_path / "rejects.jsonl").read_bytes().splitlines()) == 1
    password = make_url(url).password
    if password:
        assert password not in result.stdout + result.stderr


def test_an_unreachable_database_is_named_without_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(tmp_path / "export.jsonl", RECORDS)
    settings = Settings(
        database_url=SecretStr("postgresql://ana:s3cr3t-pw@127.0.0.1:1/buzzwire"),
        sentiment_model="linear",
    )
    assert run_import(path, settings, progress=False) == 1
    err = capsys.readouterr().err
    assert "ana:***@127.0.0.1:1/buzzwire" in err and "run the import again" in err
    assert "s3cr3t-pw" not in err
