"""Whether a server accepts connections: one real login and ``SELECT 1`` with psycopg (an open
port or ``pg_isready`` would not prove the password and the database)."""

from __future__ import annotations

__all__ = ["libpq_url", "probe_connection"]


def libpq_url(url: str) -> str:
    """A libpq URL (what ``psycopg.connect`` takes) from a SQLAlchemy one: the ``+driver`` part
    of the scheme dropped, ``postgres://`` spelt ``postgresql://``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    base = scheme.split("+", 1)[0]
    return f"{'postgresql' if base == 'postgres' else base}://{rest}"


def probe_connection(url: str, timeout: float) -> str | None:
    """Log in to ``url`` (libpq or SQLAlchemy form) and run ``SELECT 1``; None if that worked,
    else why not (psycopg's message, which never holds the password)."""
    import psycopg

    try:
        with psycopg.connect(
            libpq_url(url), connect_timeout=max(1, int(timeout)), autocommit=True
        ) as conn:
            conn.execute("SELECT 1").fetchone()
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {str(exc).strip()}"
    return None
