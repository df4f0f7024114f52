"""A local PostgreSQL cluster for development and tests, run by buzzwire.

Used by ``buzzwire postgres start|stop|status`` and by the test suite (``postgres_server`` in
``tests/conftest.py``). It runs the PostgreSQL that is installed (Debian's ``postgresql``
package: ``initdb``, ``pg_ctl`` and ``postgres`` from the newest ``/usr/lib/postgresql/*/bin``)
with ``initdb`` and ``pg_ctl``, listens on 127.0.0.1 only, and logs in with SCRAM passwords
only: the superuser ``buzzwire`` has a random password made on the first start. Nothing runs
through a shell of ours; every command is an argv list.

The package, by concern: :mod:`.settings` (defaults, the environment, the server settings,
the tools), :mod:`.osuser` (who runs the server), :mod:`.statefiles` (lock, password file, log
tails), :mod:`.cluster` (:class:`LocalPostgres` and :class:`RemotePostgres`), :mod:`.probe`
(does a login work?) and :mod:`.cli` (``buzzwire postgres``). What other code uses is
importable from the package itself.

Layout
    ``<state dir>/password``          the superuser's password (mode 0600, your own file)
    ``<state dir>/.lock``             held while starting or stopping
    ``<runtime>/data/``               the cluster (``PGDATA``), made by ``initdb`` on first start
    ``<runtime>/data/buzzwire.conf``  port, listen address, socket dir and the server settings
                                      (``SERVER_SETTINGS``: fsync on), written on every start and
                                      included from ``postgresql.conf``
    ``<runtime>/run/``                the unix socket (TCP only when that path is too long)
    ``<runtime>/postgres.log``        the server log

``<runtime>`` is the state dir itself, except in one case. As root, ``initdb`` and
``postgres`` refuse to run, so they run as the OS user ``postgres`` (Debian's package creates
it; without it start fails saying so), which owns the data. That user must reach the files:
when it cannot traverse the state dir (e.g. under ``/root`` or pytest's
``/tmp/pytest-of-root``, both mode 0700), buzzwire changes no permission of any folder but
makes a ``buzzwire-pg-*`` folder (mode 0755) under ``/var/tmp`` (kept across reboots; else the
temp dir) for the runtime files and records its path in ``<state dir>/runtime-dir``; the
password file stays in the state dir. ``LocalPostgres.destroy()`` deletes both.

Environment variables
    ``BUZZWIRE_POSTGRES_PORT``        server port; default 55432 (not 5432: no clash with a
                                      cluster of the system)
    ``BUZZWIRE_POSTGRES_HOME``        the state dir itself; default
                                      ``~/.cache/buzzwire/postgres-state/<port>``
    ``BUZZWIRE_POSTGRES_BIN``         folder of ``initdb``, ``pg_ctl`` and ``postgres``; default
                                      the newest ``/usr/lib/postgresql/*/bin``, else ``PATH``

Constructor arguments win over the environment; the environment is read when a
``LocalPostgres`` is created.
"""

from __future__ import annotations

from streams.devstack.localpostgres.cli import add_arguments, run
from streams.devstack.localpostgres.cluster import (
    LocalPostgres,
    PostgresStatus,
    RemotePostgres,
    render_settings,
)
from streams.devstack.localpostgres.probe import libpq_url, probe_connection
from streams.devstack.localpostgres.settings import (
    DEFAULT_PORT,
    SERVER_SETTINGS,
    LocalPostgresError,
)

__all__ = [
    "DEFAULT_PORT",
    "SERVER_SETTINGS",
    "LocalPostgres",
    "LocalPostgresError",
    "PostgresStatus",
    "RemotePostgres",
    "add_arguments",
    "libpq_url",
    "probe_connection",
    "render_settings",
    "run",
]
