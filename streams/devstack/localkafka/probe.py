"""Whether a broker is serving: one Kafka metadata round trip with aiokafka."""

from __future__ import annotations

import asyncio
import threading

__all__ = ["probe_metadata"]


def probe_metadata(bootstrap: str, timeout: float) -> str | None:
    """One Kafka metadata round trip with aiokafka; None if the broker answered with itself
    in the cluster metadata, else why not. Runs its own event loop in a thread, so it works
    whether or not the caller is inside a running loop."""
    result: list[str | None] = ["probe did not run"]

    async def probe() -> str | None:
        from aiokafka import AIOKafkaClient

        client = AIOKafkaClient(
            bootstrap_servers=bootstrap, request_timeout_ms=max(1000, int(timeout * 1000))
        )
        try:
            await asyncio.wait_for(client.bootstrap(), timeout)
            if not client.cluster.brokers():
                return "metadata lists no brokers yet"
            return None
        finally:
            await client.close()

    def target() -> None:
        try:
            result[0] = asyncio.run(probe())
        except Exception as exc:
            result[0] = f"{type(exc).__name__}: {exc}"

    thread = threading.Thread(target=target, name="localkafka-probe", daemon=True)
    thread.start()
    thread.join(timeout + 5)
    return result[0]
