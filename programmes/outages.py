"""Whether an error means the database cannot be reached, as opposed to a fault in the code: the
error pages answer it with a quick 503, and a streamed download with a clean end. A SQLite file
damaged under the server (`database_damaged`) is answered the same way: the pages already in the
page cache are served, the others are a 503, and the log names the file and what to do."""

import logging
import sqlite3
import threading
import time

from django.db import InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)


class NoRoom(OSError):
    """No room left to write an answer before it is sent (a full temporary folder)."""


# Errors that mean "the database cannot be reached or is overloaded", not "the code is wrong".
UNAVAILABLE = (OperationalError, InterfaceError, NoRoom)
# The driver's own names, should one escape Django's wrapping (psycopg, psycopg_pool).
DRIVER_UNAVAILABLE = {"OperationalError", "InterfaceError", "PoolTimeout", "PoolClosed"}
# SQLite's primary result codes for a file that is not, or is no longer, a database.
DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


def _causes(exception):
    """The exception and what caused it, five deep at most."""
    seen = 0
    while exception is not None and seen < 5:
        yield exception
        exception, seen = exception.__cause__ or exception.__context__, seen + 1


def database_damaged(exception):
    """True when the exception, or what caused it, says an SQLite file is not a database (any
    longer): garbage bytes, a truncated or overwritten file ("file is not a database",
    "database disk image is malformed")."""
    return any(
        isinstance(exc, sqlite3.DatabaseError)
        and ((getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF) in DAMAGED
        for exc in _causes(exception)
    )


def database_unavailable(exception):
    """True when the exception, or what caused it, says the database cannot be reached or its
    file is damaged."""
    return any(
        isinstance(exc, UNAVAILABLE) or type(exc).__name__ in DRIVER_UNAVAILABLE
        for exc in _causes(exception)
    ) or database_damaged(exception)


def damaged_database_message(alias="default", command="manage.py serve"):
    """One line naming the damaged SQLite file of `alias` and what to do about it."""
    name = connections[alias].settings_dict["NAME"]
    return (
        f"the database file {name} is damaged (not an SQLite database): "
        f"delete it and run `{command}` again"
    )


def report_damage(exception, alias="default"):
    """Log, when `exception` says the database file is damaged, which file and what to do."""
    if database_damaged(exception):
        logger.error(damaged_database_message(alias))


# Seconds a pool given anew is left to connect before a failure may give one anew again.
RENEWED_POOL_GRACE = 1.0
_renewed = {}  # database alias -> when its pool was last given anew
_renewing = threading.Lock()


def renew_failing_pools():
    """Give anew each connection pool of this process that failed to connect since last looked.

    A pool whose server went away retries on its own, waiting twice as long after each failed
    attempt (psycopg_pool's backoff): after a 20 s outage every page was still a 503 8 s after
    the server was back, each worker's pool trying again at its own time. A new pool connects
    at once, so the first request after the server is back is answered. A pool that failed no
    connection (all of them in use, a statement cancelled) is kept."""
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        alias = connection.alias
        pool = getattr(connection, "pool", None)
        if pool is None or now - _renewed.get(alias, -RENEWED_POOL_GRACE) < RENEWED_POOL_GRACE:
            continue
        if not pool.pop_stats().get("connections_errors"):  # busy, not unreachable
            continue
        with _renewing:
            if time.monotonic() - _renewed.get(alias, -RENEWED_POOL_GRACE) < RENEWED_POOL_GRACE:
                continue
            _renewed[alias] = time.monotonic()
            try:
                connection.close_pool()
            except Exception:  # a pool that cannot close cleanly is dropped all the same
                logger.warning("closing the pool of %s failed", alias, exc_info=True)


def answered_as_outage(exception, alias="default"):
    """What follows an outage answered (a cached page, a 503): the log names a damaged file, and
    pools left without a connection are given anew, to connect as soon as the server is back."""
    report_damage(exception, alias)
    renew_failing_pools()
