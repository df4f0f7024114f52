"""A local single-node Apache Kafka broker (KRaft, broker+controller) for development and tests.

Used by ``buzzwire kafka start|stop|status``, by the demo and by the test suite. No Kafka
download is needed beyond Maven Central: the broker's jars are resolved with Maven (``mvn``)
from ``streams/devstack/kafka/pom.xml`` into a per-version cache, and the broker runs straight
from them with ``java`` (17 or newer). The broker listens on 127.0.0.1 only.

The package, by concern: :mod:`.settings` (versions, defaults, the environment, the tools),
:mod:`.maven` (the jar cache), :mod:`.properties` (``server.properties`` and the cluster id),
:mod:`.broker` (:class:`LocalKafka` and :class:`RemoteKafka`), :mod:`.probe` (is it serving?),
:mod:`.statefiles` (the lock and the log tails of a state dir) and :mod:`.cli`
(``buzzwire kafka``). What other code uses is importable from the package itself.

Layout
    ``<cache>/<version>/lib/*.jar``     the jars (``<cache>`` = ``~/.cache/buzzwire/kafka``);
                                        a ``.complete`` marker makes later runs skip Maven.
    ``<state dir>/server.properties``   rendered on every start (``render_properties``)
    ``<state dir>/data/``               KRaft metadata and topic data (formatted on first start)
    ``<state dir>/logs/server.log``     the broker log (INFO, rolled at 10 MB, 3 kept)
    ``<state dir>/kafka.out``           the JVM's stdout/stderr (WARN and above)
    ``<state dir>/kafka.pid``           the broker's pid while it runs

Environment variables
    ``BUZZWIRE_KAFKA_PORT``             broker (client) port; default 9092
    ``BUZZWIRE_KAFKA_CONTROLLER_PORT``  KRaft controller port; default 9093
    ``BUZZWIRE_KAFKA_HOME``             the state dir itself (data, logs, pid file); default
                                        ``~/.cache/buzzwire/kafka-state/<port>``
    ``BUZZWIRE_KAFKA_CACHE``            jar cache root; default ``~/.cache/buzzwire/kafka``
    ``BUZZWIRE_KAFKA_HEAP``             JVM heap: a size (``2g`` -> ``-Xmx2g``) or JVM options
                                        (``-Xms512m -Xmx2g``); default ``-Xms256m -Xmx1g``
    ``BUZZWIRE_KAFKA_VERSION``          Kafka version to resolve instead of the pinned one
                                        (``KAFKA_VERSION``); must exist on Maven Central

Constructor arguments win over the environment; the environment is read when a ``LocalKafka``
is created. ``JAVA_HOME`` is honoured (``$JAVA_HOME/bin/java``), else ``java`` from ``PATH``.
"""

from __future__ import annotations

from streams.devstack.localkafka.broker import BrokerStatus, LocalKafka, RemoteKafka
from streams.devstack.localkafka.cli import add_arguments, run
from streams.devstack.localkafka.properties import render_properties
from streams.devstack.localkafka.settings import (
    DEFAULT_HEAP,
    KAFKA_VERSION,
    LocalKafkaError,
    jvm_heap_options,
    kafka_version,
)

__all__ = [
    "DEFAULT_HEAP",
    "KAFKA_VERSION",
    "BrokerStatus",
    "LocalKafka",
    "LocalKafkaError",
    "RemoteKafka",
    "add_arguments",
    "jvm_heap_options",
    "kafka_version",
    "render_properties",
    "run",
]
