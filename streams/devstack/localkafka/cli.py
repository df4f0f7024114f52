"""``buzzwire kafka start|stop|status``: the command line of the local broker."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from streams.devstack.localkafka.broker import BrokerStatus, LocalKafka
from streams.devstack.localkafka.settings import (
    DEFAULT_CONTROLLER_PORT,
    DEFAULT_PORT,
    LocalKafkaError,
)

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``buzzwire kafka``: ``start|stop|status`` and the broker's settings.
    Destinations are prefixed ``kafka_`` so they cannot clash with the parent parser's."""
    parser.add_argument(
        "kafka_action",
        metavar="action",
        choices=("start", "stop", "status"),
        help="start (idempotent), stop or status of the local broker",
    )
    parser.add_argument(
        "--port",
        dest="kafka_port",
        metavar="PORT",
        type=int,
        default=None,
        help=f"broker port (default: $BUZZWIRE_KAFKA_PORT or {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--controller-port",
        dest="kafka_controller_port",
        metavar="PORT",
        type=int,
        default=None,
        help=f"KRaft controller port (default: $BUZZWIRE_KAFKA_CONTROLLER_PORT or "
        f"{DEFAULT_CONTROLLER_PORT})",
    )
    parser.add_argument(
        "--state-dir",
        dest="kafka_state_dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="data, logs and pid file (default: $BUZZWIRE_KAFKA_HOME or "
        "~/.cache/buzzwire/kafka-state/<port>)",
    )
    parser.add_argument(
        "--partitions",
        dest="kafka_partitions",
        metavar="N",
        type=int,
        default=4,
        help="partitions of auto-created topics (default: 4)",
    )
    parser.add_argument(
        "--timeout",
        dest="kafka_timeout",
        metavar="SECONDS",
        type=float,
        default=None,
        help="seconds to wait for start (default 120) or for a clean stop (default 30)",
    )


def _print_status(st: BrokerStatus, broker: LocalKafka) -> None:
    if st.running:
        state = "serving" if st.serving else "starting (port not open yet)"
        print(f"kafka {st.version}: running, pid {st.pid}, {state} on {st.bootstrap}")
        print(f"  url:       {broker.url}")
    else:
        print(f"kafka {st.version}: not running ({st.bootstrap})")
    print(f"  state dir: {st.state_dir}")
    print(f"  log:       {broker.log_file}")


def run(args: argparse.Namespace) -> int:
    """Run ``buzzwire kafka <action>``; 0 on success (``status``: 0 running, 3 not running)."""
    try:
        kwargs: dict[str, object] = {"partitions": args.kafka_partitions}
        if args.kafka_port is not None:
            kwargs["port"] = args.kafka_port
        if args.kafka_controller_port is not None:
            kwargs["controller_port"] = args.kafka_controller_port
        if args.kafka_state_dir is not None:
            kwargs["state_dir"] = args.kafka_state_dir
        broker = LocalKafka(**kwargs)  # type: ignore[arg-type]
        action = args.kafka_action
        if action == "start":
            before = broker.status()
            if before.running:
                print(f"kafka {broker.version}: already running (pid {before.pid}), checking ...")
            else:
                print(f"kafka {broker.version}: starting on {broker.bootstrap} ...", flush=True)
            began = time.monotonic()
            broker.start(timeout=args.kafka_timeout or 120.0)
            print(f"kafka {broker.version}: ready in {time.monotonic() - began:.1f}s")
            _print_status(broker.status(), broker)
            return 0
        if action == "stop":
            st = broker.status()
            if not st.running:
                broker.stop()  # clears a stale pid file
                print(f"kafka {broker.version}: not running ({broker.bootstrap})")
                return 0
            broker.stop(timeout=args.kafka_timeout or 30.0)
            print(f"kafka {broker.version}: stopped (pid {st.pid})")
            return 0
        st = broker.status()
        _print_status(st, broker)
        return 0 if st.running else 3
    except LocalKafkaError as exc:
        print(f"buzzwire kafka: {exc}", file=sys.stderr)
        return 1
