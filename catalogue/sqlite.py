"""A time limit for each statement on SQLite, as PostgreSQL's `statement_timeout` gives.

SQLite has no timeout of its own: a costly query (a search of many terms over a large catalogue)
would hold its thread for as long as it takes. `time_limited(ms)` is the connection class the
settings hand to `sqlite3.connect` (`OPTIONS["factory"]`): each connection calls a progress
handler every `PROGRESS_STEPS` virtual-machine steps, which aborts the statement once it has run
longer than the limit; SQLite then raises `OperationalError: interrupted`, which the site answers
as PostgreSQL's cancelled statement is answered (`outages.database_unavailable`: a cached page or
a quick 503 with `Retry-After`).

The clock starts again whenever the statement is asked for more rows (`fetchone`, `fetchmany`,
`fetchall`), as each `FETCH` of a PostgreSQL cursor is a statement of its own: a download read
by a slow client in chunks is bounded per chunk, never cut for the time its client takes.
"""

import contextlib
import functools
import math
import sqlite3
import time

# Virtual-machine steps between two looks at the clock: about a millisecond of work, and under
# 1% of a statement's time spent looking.
PROGRESS_STEPS = 10_000


def _clocked(base, names, connection_of):
    """Methods of `base` named `names` that start the clock of the connection
    (`connection_of(self)`) before they run."""

    def clocked(name):
        inner = getattr(base, name)

        def method(self, *args, **kwargs):
            connection_of(self).start_clock()
            return inner(self, *args, **kwargs)

        method.__name__ = name
        return method

    return {name: clocked(name) for name in names}


# A statement begins, or asks for more rows.
CURSOR_CALLS = ("execute", "executemany", "executescript", "fetchone", "fetchmany", "fetchall")
# The statements a connection runs without a cursor of ours (its own COMMIT included).
CONNECTION_CALLS = ("execute", "executemany", "executescript", "commit", "rollback")


@functools.cache
def _timed(factory):
    """The cursor class `factory` with its statements and fetches timed."""
    return type(
        f"Timed{factory.__name__}",
        (factory,),
        _clocked(factory, CURSOR_CALLS, lambda cursor: cursor.connection),
    )


class TimeLimitedConnection(sqlite3.Connection):
    """A connection whose statements are aborted after `time_limit` seconds (None: no limit; a
    command doing bulk work lifts it, `lift_time_limit`, as it sets PostgreSQL's
    `statement_timeout` to 0)."""

    time_limit = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline = math.inf
        self.set_progress_handler(self._over_time, PROGRESS_STEPS)

    def _over_time(self):
        return time.monotonic() > self.deadline

    def start_clock(self):
        limit = self.time_limit
        self.deadline = math.inf if limit is None else time.monotonic() + limit

    def cursor(self, factory=sqlite3.Cursor):
        return super().cursor(_timed(factory))


for _name, _method in _clocked(sqlite3.Connection, CONNECTION_CALLS, lambda c: c).items():
    setattr(TimeLimitedConnection, _name, _method)


@functools.cache
def time_limited(milliseconds):
    """The connection class whose statements may run `milliseconds` each (0: no limit)."""
    return type(
        f"TimeLimitedConnection{milliseconds}",
        (TimeLimitedConnection,),
        {"time_limit": milliseconds / 1000 if milliseconds else None},
    )


@contextlib.contextmanager
def lift_time_limit(connection):
    """No time limit on the statements of Django's `connection` during the block, on SQLite (on
    PostgreSQL: `SET statement_timeout = 0`)."""
    connection.ensure_connection()
    raw = connection.connection
    if not isinstance(raw, TimeLimitedConnection):
        yield
        return
    kept = raw.time_limit
    raw.time_limit = None
    try:
        yield
    finally:
        raw.time_limit = kept
