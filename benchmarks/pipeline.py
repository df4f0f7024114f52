"""End-to-end pipeline benchmark on a real Kafka broker.

    python benchmarks/pipeline.py [--count 200000] [--partitions 8] [--profile]

1. throughput: ``--count`` synthetic mentions are produced to ``mentions.raw`` first; then a
   worker starts and drains them. Throughput = mentions / (last output - first output), from
   the Kafka timestamps of the enriched messages.
2. latency: a worker (already warm) gets mentions at a fixed rate below its capacity;
   event-to-output latency = when a ``read_committed`` reader receives the enriched message -
   ``created_at`` (with transactions, a batch's output is visible once it is committed).
3. passthrough: the same raw messages consumed and produced again with plain aiokafka, on the
   same broker: the ceiling that Kafka and the client library give on this machine.

Peak RSS of the worker comes from /proc (VmHWM). ``--profile`` samples the worker with py-spy
during the throughput phase and prints where the time goes. ``--transactions off`` runs the
worker at least once (``BUZZWIRE_TRANSACTIONS=false``), to measure what exactly once costs;
``--insight off`` without the brands' insight state (``BUZZWIRE_CRISIS_INSIGHT=false``), to
measure what near-duplicates, author caps and term trends cost. With its own broker it also
prints the bytes the worker wrote to the broker's logs (outputs and table changelogs), per
mention; ``--compression`` sets the worker's ``BUZZWIRE_PRODUCER_COMPRESSION``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.config import Settings  # noqa: E402
from streams.devstack.ports import free_port  # noqa: E402
from streams.devstack.synthetic import generate  # noqa: E402
from streams.devstack.workerproc import WorkerProcess, worker_env  # noqa: E402
from streams.pipeline.admin import PIPELINE_TOPICS, create_topics, delete_topics_with_prefix  # noqa: E402


def peak_rss_mib(pid: int) -> float:
    total = 0
    for p in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        return []
    return [int(x) for x in out.split()]


async def produce(
    bootstrap: str, topic: str, values: list[tuple[bytes, bytes]], rate: float | None
) -> float:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=10, max_batch_size=256 * 1024
    )
    await producer.start()
    started = time.monotonic()
    try:
        pending = []
        for i, (key, value) in enumerate(values):
            if rate:
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            pending.append(await producer.send(topic, key=key, value=value))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.monotonic() - started


async def collect(bootstrap: str, topic: str, n: int, timeout: float) -> list[tuple[int, bytes]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        max_poll_records=5000,
        fetch_max_bytes=64 << 20,
        isolation_level="read_committed",
    )
    await consumer.start()
    out: list[tuple[int, bytes]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(out) < n and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                out.extend((r.timestamp, r.value) for r in records)
    finally:
        await consumer.stop()
    return out


async def passthrough(bootstrap: str, src: str, dst: str, n: int) -> float:
    consumer = AIOKafkaConsumer(
        src,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=f"passthrough-{uuid.uuid4().hex[:6]}",
        max_poll_records=5000,
        fetch_max_bytes=64 << 20,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=10, max_batch_size=256 * 1024
    )
    await consumer.start()
    await producer.start()
    seen = 0
    started = time.monotonic()
    try:
        while seen < n:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            pending = []
            for records in batches.values():
                for r in records:
                    pending.append(await producer.send(dst, key=r.key, value=r.value))
                seen += sum(1 for _ in records)
            await asyncio.gather(*pending)
            await consumer.commit()
    finally:
        elapsed = time.monotonic() - started
        await producer.stop()
        await consumer.stop()
    return n / elapsed


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def receive_times(
    bootstrap: str, topic: str, prefix: str, n: int, ready: asyncio.Event, timeout: float
) -> dict[str, float]:
    """When a read_committed reader receives each record of ``topic`` whose id starts with
    ``prefix`` (reading from the end of the topic as it was when ``ready`` is set)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="latest",
        enable_auto_commit=False,
        group_id=None,
        isolation_level="read_committed",
    )
    await consumer.start()
    got: dict[str, float] = {}
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        await consumer.seek_to_end()
        ready.set()
        deadline = time.monotonic() + timeout
        while len(got) < n and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                now = time.time()
                for r in records:
                    mid = orjson.loads(r.value)["id"]
                    if mid.startswith(prefix):
                        got.setdefault(mid, now)
    finally:
        await consumer.stop()
    return got


def start_worker(
    settings: Settings, logdir: Path, name: str, env: dict[str, str] | None = None
) -> WorkerProcess:
    worker_settings = settings.model_copy(
        update={"data_dir": logdir / f"{name}-data", "log_level": "warning"}
    )
    worker = WorkerProcess(
        env={**worker_env(worker_settings), **(env or {})},
        log_path=logdir / f"{name}.log",
        web_port=free_port(),
    )
    worker.start()
    worker.wait_ready(timeout=180)
    return worker


def bytes_written(data_dir: Path, settings: Settings) -> dict[str, int]:
    """Bytes in the broker's log segments of what the worker wrote: its output topics (all of
    the run's topics but the raw input and the passthrough's) and its tables' changelogs."""
    inputs = {settings.topic("mentions.raw"), settings.topic("passthrough.out")}
    written = {"outputs": 0, "changelogs": 0}
    for part in data_dir.iterdir():
        topic = part.name.rsplit("-", 1)[0]
        if topic.startswith(settings.topic_prefix) and topic not in inputs:
            kind = "outputs"
        elif topic.startswith(settings.app_id) and topic.endswith("-changelog"):
            kind = "changelogs"
        else:
            continue
        written[kind] += sum(f.stat().st_size for f in part.glob("*.log"))
    return written


def profile_summary(raw_path: Path, top: int = 25) -> str:
    """Aggregate py-spy's collapsed stacks into self-time and inclusive-time tables."""
    self_time: dict[str, int] = {}
    incl: dict[str, int] = {}
    total = 0
    for line in raw_path.read_text().splitlines():
        stack, _, count_s = line.rpartition(" ")
        count = int(count_s)
        total += count
        frames = stack.split(";")
        leaf = frames[-1]
        self_time[leaf] = self_time.get(leaf, 0) + count
        for f in set(frames):
            incl[f] = incl.get(f, 0) + count
    lines = [f"profile: {total} samples", "  self time:"]
    for f, c in sorted(self_time.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"    {100 * c / total:5.1f}%  {f}")
    lines.append("  inclusive (buzzwire + faust + aiokafka frames):")
    interesting = [
        (f, c)
        for f, c in incl.items()
        if any(k in f for k in ("streams/", "models/", "faust/", "aiokafka/", "mode/"))
    ]
    for f, c in sorted(interesting, key=lambda kv: -kv[1])[:top]:
        lines.append(f"    {100 * c / total:5.1f}%  {f}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--count", type=int, default=200_000)
    ap.add_argument("--latency-count", type=int, default=20_000)
    ap.add_argument("--latency-rate", type=float, default=None, help="default: 50%% of throughput")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--profile", action="store_true", help="py-spy the worker (pip install py-spy)")
    ap.add_argument("--profile-out", type=Path, default=None, help="keep py-spy's raw stacks here")
    ap.add_argument(
        "--transactions",
        choices=("on", "off"),
        default="on",
        help="off: the worker runs at least once (BUZZWIRE_TRANSACTIONS=false)",
    )
    ap.add_argument("--model", default=None, help="BUZZWIRE_SENTIMENT_MODEL of the worker")
    ap.add_argument(
        "--insight",
        choices=("on", "off"),
        default="on",
        help="off: no near-duplicates, author caps or term trends per brand "
        "(BUZZWIRE_CRISIS_INSIGHT=false)",
    )
    ap.add_argument(
        "--compression",
        choices=("none", "gzip", "lz4", "zstd"),
        default="zstd",
        help="BUZZWIRE_PRODUCER_COMPRESSION of the worker",
    )
    args = ap.parse_args()

    from streams.devstack.localkafka import LocalKafka

    tmp = Path(tempfile.mkdtemp(prefix="buzzwire-bench-"))
    broker = None
    if "BROKER_URL" in os.environ:
        url = os.environ["BROKER_URL"]
    else:
        broker = LocalKafka(
            port=free_port(),
            controller_port=free_port(),
            state_dir=tmp / "kafka",
            partitions=args.partitions,
        )
        broker.start()
        url = broker.url
    run = uuid.uuid4().hex[:6]
    settings = Settings(
        broker_url=url,
        topic_prefix=f"bench-{run}.",
        app_id=f"buzzwire-bench-{run}",
        topic_partitions=args.partitions,
    )
    bootstrap = settings.bootstrap_servers
    raw_topic = settings.topic("mentions.raw")
    enriched_topic = settings.topic("mentions.enriched")
    workers: list[WorkerProcess] = []
    try:
        asyncio.run(
            create_topics(bootstrap, [settings.topic(t) for t in PIPELINE_TOPICS], args.partitions)
        )
        asyncio.run(create_topics(bootstrap, [settings.topic("passthrough.out")], args.partitions))
        print(f"broker {bootstrap}; generating {args.count} mentions ...", flush=True)
        gen_ts = time.time()
        values = [
            (m.value["id"].encode(), orjson.dumps(m.value))
            for m in generate(args.count, start_ts=gen_ts, step_seconds=0.0, id_prefix=f"b{run}")
        ]
        payload_mib = sum(len(v) for _, v in values) / 2**20
        secs = asyncio.run(produce(bootstrap, raw_topic, values, None))
        print(f"produced {args.count} mentions ({payload_mib:.1f} MiB) in {secs:.1f}s", flush=True)

        # -- 1. throughput: drain the backlog
        worker_extra = {
            "BUZZWIRE_TRANSACTIONS": "true" if args.transactions == "on" else "false",
            "BUZZWIRE_CRISIS_INSIGHT": "true" if args.insight == "on" else "false",
            "BUZZWIRE_PRODUCER_COMPRESSION": args.compression,
        }
        if args.model:
            worker_extra["BUZZWIRE_SENTIMENT_MODEL"] = args.model
        worker = start_worker(settings, tmp, "throughput", worker_extra)
        workers.append(worker)
        spy = None
        if args.profile and shutil.which("py-spy") and worker.proc is not None:
            spy = subprocess.Popen(
                [
                    "py-spy",
                    "record",
                    "--pid",
                    str(worker.proc.pid),
                    "--rate",
                    "50",
                    "--format",
                    "raw",
                    "--output",
                    str(tmp / "profile.txt"),
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        out = asyncio.run(collect(bootstrap, enriched_topic, args.count, timeout=1800))
        if spy is not None:
            spy.send_signal(2)
            spy.wait(timeout=60)
        stamps = sorted(ts for ts, _ in out)
        span = (stamps[-1] - stamps[0]) / 1000
        throughput = len(out) / span if span else float("nan")
        rss = peak_rss_mib(worker.proc.pid) if worker.proc else float("nan")
        m = worker.metrics()
        batches = m.get("buzzwire_batch_size_mentions_count", 0.0)
        mean_batch = m.get("buzzwire_batch_size_mentions_sum", 0.0) / batches if batches else 0.0
        busy = m.get('buzzwire_batch_processing_seconds_sum{stage="enrich"}', 0.0)

        # -- 2. latency at a fixed rate below capacity (same warm worker): half the measured
        # throughput (a floor of 100/s was the whole capacity of an e5 worker on an AVX2 CPU)
        rate = args.latency_rate or max(1.0, 0.5 * throughput)
        lat_values = []
        for i in range(args.latency_count):
            mid = f"lat{run}-{i}"
            lat_values.append((mid.encode(), mid))

        async def latency_phase() -> list[float]:
            ready = asyncio.Event()
            prefix = f"lat{run}-"
            reader = asyncio.create_task(
                receive_times(bootstrap, enriched_topic, prefix, len(lat_values), ready, 600)
            )
            await ready.wait()
            producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
            await producer.start()
            template = next(generate(1, start_ts=time.time())).value
            created: dict[str, float] = {}
            started = time.monotonic()
            try:
                pending = []
                for i, (key, mid) in enumerate(lat_values):
                    delay = started + i / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    created[mid] = time.time()
                    value = {**template, "id": mid, "created_at": created[mid]}
                    pending.append(
                        await producer.send(raw_topic, key=key, value=orjson.dumps(value))
                    )
                await asyncio.gather(*pending)
            finally:
                await producer.stop()
            received = await reader
            return [received[mid] - created[mid] for mid in received]

        lats = asyncio.run(latency_phase())
        rss = max(rss, peak_rss_mib(worker.proc.pid) if worker.proc else 0.0)

        # -- 3. raw aiokafka passthrough of the same messages on the same broker
        pt = asyncio.run(
            passthrough(bootstrap, raw_topic, settings.topic("passthrough.out"), args.count)
        )

        print()
        print(
            f"machine: {os.cpu_count()} cores; partitions: {args.partitions}; one worker "
            f"process; transactions {args.transactions}"
        )
        print(
            f"pipeline throughput : {throughput:10.0f} mentions/s "
            f"({len(out)} mentions in {span:.1f}s)"
        )
        print(
            f"latency @ {rate:.0f}/s    : p50 {1000 * statistics.median(lats):.0f} ms, "
            f"p99 {1000 * percentile(lats, 0.99):.0f} ms ({len(lats)} mentions)"
        )
        print(f"worker peak RSS     : {rss:10.0f} MiB")
        print(
            f"worker batches      : {batches:.0f}, mean {mean_batch:.0f} mentions; "
            f"{busy:.1f}s of {span:.1f}s inside process_events"
        )
        if broker is not None:
            written = bytes_written(tmp / "kafka" / "data", settings)
            total = args.count + args.latency_count
            print(
                f"broker bytes written: outputs {written['outputs'] / 2**20:.1f} MiB, "
                f"changelogs {written['changelogs'] / 2**20:.1f} MiB "
                f"({sum(written.values()) / total:.0f} bytes a mention; "
                f"compression {args.compression})"
            )
        print(f"aiokafka passthrough: {pt:10.0f} messages/s")
        print(f"ratio pipeline/passthrough: {throughput / pt:.2f}")
        if (tmp / "profile.txt").exists():
            if args.profile_out:
                shutil.copy(tmp / "profile.txt", args.profile_out)
            print()
            print(profile_summary(tmp / "profile.txt"))
        return 0
    finally:
        for w in workers:
            w.stop()
        with contextlib.suppress(Exception):
            asyncio.run(
                delete_topics_with_prefix(bootstrap, [settings.topic_prefix, settings.app_id])
            )
        if broker is not None:
            broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
