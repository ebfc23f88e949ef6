"""The bounds on what the loader reads, so that `check_fixtures` and `load_catalogue` answer any
fixtures within seconds and bounded memory, however large or malformed (a 4 MB file of a million
empty records took 40 s and 1.7 GB, a 50 MB source over two minutes, an unmatched 30 KB quote
over a minute). Each is many times what the catalogue holds (its largest fixture file is 176 KB,
its largest source 8 KB, its longest quote a sentence), and each is named, with the size found,
by the one-line message of the file it stops.

A file or source over its bound is a problem of its own and the others are still checked; past
the bound of all the files together, or of all the records, reading stops there (`Exceeded`).
The search for a missing quote's nearest passage (`quotes.nearest_passage`, seconds on a large
source) stops once NEAR_MISS_SECONDS have been spent on it; quotes found missing after that are
named without their nearest passage.
"""

import contextlib
import contextvars
import time

from .errors import LoadError

MAX_FIXTURE_BYTES = 1024 * 1024  # one fixture file
MAX_SOURCE_BYTES = 1024 * 1024  # one source's text
MAX_TOTAL_BYTES = 4 * 1024 * 1024  # every fixture file and source together
MAX_RECORDS = 5_000  # records of every fixture file together
MAX_QUOTE_CHARS = 2_000  # one quote: a long passage is cited as several
NEAR_MISS_SECONDS = 2.0  # spent looking for missing quotes' nearest passages, in all


class Exceeded(LoadError):
    """A bound on the fixtures as a whole: nothing after it is read."""


def _size(n):
    return f"{n:,} bytes" if n < 10 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def over(what, found, limit):
    """The message of `what` (its `found` size in bytes) over `limit` bytes."""
    return f"{what} is {_size(found)}: over the limit of {_size(limit)}"


def check_size(path, limit, what, file, record="", field_name=""):
    """The size of the file at `path`, refused when over `limit` (the error naming `what`, and
    where it is read: `file`, `record`, `field_name`)."""
    size = path.stat().st_size
    if size > limit:
        raise LoadError(file, record, field_name, over(what, size, limit))
    return size


_near_miss_deadline = contextvars.ContextVar("near_miss_deadline", default=None)


@contextlib.contextmanager
def near_miss_search(seconds=NEAR_MISS_SECONDS):
    """Nearest passages are looked for during the block for `seconds` in all."""
    token = _near_miss_deadline.set([seconds])
    try:
        yield
    finally:
        _near_miss_deadline.reset(token)


@contextlib.contextmanager
def near_miss():
    """Time spent looking for one nearest passage, taken from what is left."""
    left = _near_miss_deadline.get()
    began = time.monotonic()
    try:
        yield
    finally:
        if left is not None:
            left[0] -= time.monotonic() - began


def may_look_for_near_miss(text):
    """Whether a nearest passage of `text` (a quote or a quoted wording) is looked for: it is
    no longer than a quote may be, and time is left (always, outside `near_miss_search`)."""
    left = _near_miss_deadline.get()
    return len(text) <= MAX_QUOTE_CHARS and (left is None or left[0] > 0)


NO_NEAR_MISS = (
    f"(its nearest passage is not looked for: the search for near misses stops after "
    f"{NEAR_MISS_SECONDS:g} s in all; fix the quotes above first)"
)
