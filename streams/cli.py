"""The ``buzzwire`` command: worker, sink, web, db, kafka, postgres, replay, report, digest, users,
tokens, demo."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streams.config import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may download at run time


# Faust's worker CLI spells log levels its own way.
_FAUST_LEVELS = {"warning": "warn", "critical": "crit"}


def _cmd_worker(args: argparse.Namespace) -> int:
    from streams.alerts.routes import RoutesFileError
    from streams.brands.catalog import BrandsFileError
    from streams.config import get_settings

    if get_settings().database_url is not None and not _schema_ok(get_settings()):
        return 2

    # Importing the app reads the settings; validate them and the brands file before Faust
    # starts, so a broken brands file stops the worker with a clear message.
    try:
        from streams.pipeline import runtime
        from streams.pipeline.app import app, metrics, settings

        runtime.install(runtime.build_runtime(settings, metrics))
    except (BrandsFileError, RoutesFileError) as exc:
        print(f"buzzwire worker: {exc}", file=sys.stderr)
        return 2
    data_dir = prepare_data_dir(settings)
    print(f"buzzwire worker: state in {data_dir}", file=sys.stderr)
    _declare_topics(settings)
    level = args.loglevel or settings.log_level
    argv = ["buzzwire", "worker", "-l", _FAUST_LEVELS.get(level, level)]
    argv += ["--web-port", str(settings.web_port), "--web-bind", settings.web_bind]
    sys.argv = argv
    app.main()  # runs until SIGTERM/SIGINT, then shuts down cleanly
    return 0


def _schema_ok(settings: Settings) -> bool:
    """With a store configured, a worker refuses a schema that is behind. It does not write
    to the store itself, so a database it cannot reach is only a warning."""
    from sqlalchemy.exc import SQLAlchemyError

    from streams.store.database import SchemaBehind, check_schema

    assert settings.database_url is not None
    try:
        check_schema(settings.database_url)
    except SchemaBehind as exc:
        print(f"buzzwire worker: {exc}", file=sys.stderr)
        return False
    except SQLAlchemyError as exc:
        reason = type(getattr(exc, "orig", None) or exc).__name__
        print(f"buzzwire worker: the store's schema was not checked ({reason})", file=sys.stderr)
    return True


def prepare_data_dir(settings: Settings) -> Path:
    """Create the worker's state directory with its parents (Faust creates only the last
    part, so a fresh directory or a new absolute path crashed the worker at start)."""
    path = Path(settings.data_dir).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _declare_topics(settings: Settings) -> None:
    """Create missing pipeline topics with our partition count before Faust starts.

    Faust declares only the topics it consumes; output topics would otherwise be auto-created
    by the broker with its own default partition count.
    """
    from streams.pipeline.admin import create_pipeline_topics

    try:
        asyncio.run(asyncio.wait_for(create_pipeline_topics(settings), timeout=60))
    except Exception as exc:  # the broker may be coming up; Faust keeps retrying itself
        print(f"buzzwire worker: could not create topics yet ({exc!r})", file=sys.stderr)


def _cmd_kafka(args: argparse.Namespace) -> int:
    from streams.devstack import localkafka

    return localkafka.run(args)


def _cmd_postgres(args: argparse.Namespace) -> int:
    from streams.devstack import localpostgres

    return localpostgres.run(args)


def _cmd_sink(args: argparse.Namespace) -> int:
    from streams.config import get_settings
    from streams.sink.main import run_sink

    return run_sink(get_settings())


def _cmd_web(args: argparse.Namespace) -> int:
    from streams.config import get_settings
    from streams.web.main import run_web

    return run_web(get_settings())


def _cmd_db(args: argparse.Namespace) -> int:
    from streams.config import get_settings
    from streams.sink.main import run_db

    return run_db(args.db_action, get_settings())


def _cmd_replay(args: argparse.Namespace) -> int:
    import time

    from streams.config import get_settings, sample_stream_path
    from streams.devstack.synthetic import demo_history
    from streams.replay import replay, replay_history

    if args.file is None and not args.history:
        print("buzzwire replay: give a FILE, or --history", file=sys.stderr)
        return 2
    settings = get_settings()
    topic = args.topic or settings.topic("mentions.raw")
    if args.history:
        sent = asyncio.run(
            replay_history(
                demo_history(time.time()),
                bootstrap_servers=settings.bootstrap_servers,
                topic=topic,
                window_seconds=settings.crisis_window_seconds,
                pause_seconds=0.01,
            )
        )
        print(f"replayed {sent} mentions of history to {topic}", flush=True)
    file = Path(args.file) if args.file is not None else sample_stream_path()
    stats = asyncio.run(
        replay(
            file,
            bootstrap_servers=settings.bootstrap_servers,
            topic=topic,
            rate=args.rate,
            live=args.live,
            limit=args.limit,
        )
    )
    rate = stats.sent / stats.seconds if stats.seconds else 0.0
    print(f"replayed {stats.sent} messages to {topic} in {stats.seconds:.1f}s ({rate:.0f}/s)")
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from prometheus_client import CollectorRegistry

    from streams.analyze import analyze_file
    from streams.config import get_settings
    from streams.pipeline.metrics import Metrics
    from streams.pipeline.runtime import build_runtime

    settings = get_settings()
    runtime = build_runtime(settings, Metrics.create(CollectorRegistry()))
    stats = analyze_file(Path(args.file), Path(args.out), runtime, batch_size=args.batch_size)
    print(
        f"analyzed {stats.lines} lines: {stats.scored} scored, {stats.errors} with errors "
        f"(sentiment model: {runtime.sentiment.name})",
        file=sys.stderr,
    )
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from streams.config import get_settings
    from streams.importer import run_import

    return run_import(
        Path(args.file),
        get_settings(),
        batch_size=args.batch_size,
        rejects=Path(args.rejects) if args.rejects else None,
        progress=False if args.no_progress else None,
    )


def _cmd_report(args: argparse.Namespace) -> int:
    from streams.config import get_settings
    from streams.reporting.cli import run_report

    return run_report(
        get_settings(),
        brand=args.brand,
        period=args.period,
        at=args.at,
        fmt=args.format,
        output=Path(args.output) if args.output else None,
        topics=Path(args.topics) if args.topics else None,
    )


def _cmd_digest(args: argparse.Namespace) -> int:
    from streams.config import get_settings
    from streams.reporting.cli import run_digest

    return run_digest(
        get_settings(),
        routes_file=Path(args.routes),
        at=args.at,
        dry_run=args.dry_run,
        topics=Path(args.topics) if args.topics else None,
    )


def _cmd_users(args: argparse.Namespace) -> int:
    from streams.config import get_settings
    from streams.usercli import run_users

    return run_users(args, get_settings())


def _cmd_tokens(args: argparse.Namespace) -> int:
    from streams.config import get_settings
    from streams.usercli import run_tokens

    return run_tokens(args, get_settings())


def _cmd_demo(args: argparse.Namespace) -> int:
    from streams.devstack.demo import run_demo

    return run_demo(
        duration=args.duration,
        rate=args.rate,
        file=Path(args.file) if args.file else None,
        with_history=not args.no_history,
        with_trends_history=not args.no_trends_history,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="buzzwire", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    worker = sub.add_parser("worker", help="run a stream-processing worker")
    worker.add_argument("-l", "--loglevel", default=None, help="log level (default: settings)")
    worker.set_defaults(func=_cmd_worker)

    kafka = sub.add_parser("kafka", help="manage the local single-node Kafka broker")
    from streams.devstack import localkafka

    localkafka.add_arguments(kafka)
    kafka.set_defaults(func=_cmd_kafka)

    postgres = sub.add_parser("postgres", help="manage the local PostgreSQL cluster")
    from streams.devstack import localpostgres

    localpostgres.add_arguments(postgres)
    postgres.set_defaults(func=_cmd_postgres)

    sink = sub.add_parser(
        "sink", help="store mentions, alerts and benchmarks in PostgreSQL (docs/store.md)"
    )
    sink.set_defaults(func=_cmd_sink)

    web = sub.add_parser(
        "web", help="the response inbox: web pages, JSON API, live updates (docs/web.md)"
    )
    web.set_defaults(func=_cmd_web)

    db = sub.add_parser("db", help="the store's schema: upgrade (apply migrations) or status")
    db.add_argument("db_action", metavar="action", choices=("upgrade", "status"))
    db.set_defaults(func=_cmd_db)

    rep = sub.add_parser("replay", help="produce a JSONL or CSV file of mentions to mentions.raw")
    rep.add_argument(
        "file",
        nargs="?",
        default=None,
        help="a .jsonl (one mention per line) or .csv (dotted headers) file; with --history, "
        "default: the bundled multilingual sample",
    )
    rep.add_argument(
        "--history",
        action="store_true",
        help="first 30 hours of synthetic history for the sample brands, with a crisis, "
        "compressed window by window (what the demo replays)",
    )
    rep.add_argument("--rate", type=float, default=None, help="messages per second (default: max)")
    rep.add_argument("--live", action="store_true", help="set created_at to the send time")
    rep.add_argument("--limit", type=int, default=None, help="send at most this many")
    rep.add_argument("--topic", default=None, help="target topic (default: mentions.raw)")
    rep.set_defaults(func=_cmd_replay)

    ana = sub.add_parser("analyze", help="language + sentiment for a JSONL file of texts")
    ana.add_argument(
        "file", help="input JSONL, one object per line with at least 'text' (- = stdin)"
    )
    ana.add_argument("--out", required=True, help="output JSONL (- = stdout)")
    ana.add_argument("--batch-size", type=int, default=256)
    ana.set_defaults(func=_cmd_analyze)

    imp = sub.add_parser(
        "import", help="backfill the store from a JSONL or CSV file of mentions (docs/store.md)"
    )
    imp.add_argument("file", help="a .jsonl (one mention per line) or .csv (dotted headers) file")
    imp.add_argument("--batch-size", type=int, default=1000, help="mentions a batch (default 1000)")
    imp.add_argument("--rejects", default=None, help="write the invalid lines here (JSONL)")
    imp.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    imp.set_defaults(func=_cmd_import)

    report = sub.add_parser(
        "report", help="a brand's trend report for a week, month, quarter or year (docs/trends.md)"
    )
    report.add_argument("--brand", required=True, help="brand id from the brands file")
    report.add_argument("--period", choices=("week", "month", "quarter", "year"), default="quarter")
    report.add_argument(
        "--at",
        default=None,
        help="a day (YYYY-MM-DD, the brand's time zone) in the period; default: the latest "
        "complete period",
    )
    report.add_argument("--format", choices=("csv", "json", "html"), default="html")
    report.add_argument("--output", "-o", default=None, help="write here instead of stdout")
    report.add_argument("--topics", default=None, help="topic taxonomy (YAML) for the departments")
    report.set_defaults(func=_cmd_report)
    digest = sub.add_parser(
        "digest",
        help="send the scheduled digests of a digests file to Slack or webhooks (docs/trends.md)",
    )
    digest.add_argument("--routes", required=True, help="the digests file (YAML)")
    digest.add_argument("--at", default=None, help="a day in the period (default: latest complete)")
    digest.add_argument("--dry-run", action="store_true", help="print the payloads, send nothing")
    digest.add_argument("--topics", default=None, help="topic taxonomy (YAML) for the departments")
    digest.set_defaults(func=_cmd_digest)

    users = sub.add_parser("users", help="people who use the inbox (docs/users-and-access.md)")
    users_sub = users.add_subparsers(dest="users_action", required=True)
    u_add = users_sub.add_parser("add", help="add a user (password from stdin, or generated)")
    u_add.add_argument("name")
    u_add.add_argument("--role", required=True, choices=("admin", "agent", "viewer"))
    u_add.add_argument("--brands", default="", help="comma-separated brand ids: acme,globex")
    u_add.add_argument("--all-brands", action="store_true", help="every brand (admins always)")
    u_add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    users_sub.add_parser("list", help="names, roles and brands")
    u_dis = users_sub.add_parser("disable", help="refuse a user's logins, sessions and tokens")
    u_dis.add_argument("name")
    u_pw = users_sub.add_parser("set-password", help="a new password (stdin, or generated)")
    u_pw.add_argument("name")
    u_pw.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    users.set_defaults(func=_cmd_users)

    tokens = sub.add_parser("tokens", help="API tokens (docs/users-and-access.md)")
    tokens_sub = tokens.add_subparsers(dest="tokens_action", required=True)
    t_new = tokens_sub.add_parser("create", help="a new token, printed once on the last line")
    t_new.add_argument("name", help="the token's name (and its user's, without --user)")
    t_new.add_argument("--user", default=None, help="the user it acts as (default: NAME)")
    t_rev = tokens_sub.add_parser("revoke", help="revoke a token by its id")
    t_rev.add_argument("id", type=int)
    tokens_sub.add_parser("list", help="ids, names, users, last use (never the tokens)")
    tokens.set_defaults(func=_cmd_tokens)

    # listed here for the help text only: main() hands everything after "backtest" to the
    # backtest's own parser (argparse would take its -h for ours)
    sub.add_parser(
        "backtest",
        help="anomaly scores and alerts for a timestamp,value CSV (see buzzwire backtest -h)",
        add_help=False,
    )

    demo = sub.add_parser("demo", help="local broker + worker + the bundled sample, live summary")
    demo.add_argument(
        "--duration",
        type=float,
        default=None,
        help="stop after this many seconds (default: when the sample is processed; Ctrl-C stops)",
    )
    demo.add_argument("--rate", type=float, default=150.0, help="replay rate, mentions/s")
    demo.add_argument("--file", default=None, help="replay this file instead of the sample")
    demo.add_argument(
        "--no-history",
        action="store_true",
        help="skip the compressed 30 hours of history (with a crisis) replayed first",
    )
    demo.add_argument(
        "--no-trends-history",
        action="store_true",
        help="skip importing the 460 days of history of the Trends page",
    )
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["backtest"]:
        # its own parser, options and help
        from streams.crisis import backtest

        return backtest.main(argv[1:])
    psql_args: list[str] = []
    if argv[:1] == ["postgres"] and "--" in argv:
        # `buzzwire postgres psql -- -c '...'`: what follows -- is psql's (argparse's
        # subparsers do not pass it on)
        cut = argv.index("--")
        argv, psql_args = argv[:cut], argv[cut + 1 :]
    args = build_parser().parse_args(argv)
    args.postgres_psql_args = psql_args
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
