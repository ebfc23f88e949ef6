"""Costly work taken in turns: searches by the whole server, streamed answers by each worker.

Searches, so that they cannot crowd out every other page.

A search (`q`, on `/search/` and on every list) is the one request whose cost a client chooses
and whose answer misses every cache (shuffle its words and each is a new page); most of its cost
is Python matching and marking words, which no statement time limit bounds, and each worker's
threads share one interpreter lock. Sixteen clients asking for searches of ten short words over
20,000 projects left a normal client 2% of its throughput. So at most SEARCHES_AT_ONCE searches
are answered at once by all the workers of a server (`flock` on one file per turn, named by the
checkout, so the workers of one server share them and a worker that dies gives its turn up with
its process); one more waits up to SEARCH_WAIT_SECONDS for a turn, then is a 503 with
`Retry-After`. A cached search page needs no turn (it is answered before any build).

Streamed answers (the CSVs, `/catalogue.json`): each holds one of the worker's threads for as long
as its client takes to read it (300 clients reading at 50 bytes/s made 153 threads and 1.1 GB a
worker). At most STREAMS_AT_ONCE are sent at once by each worker (`streams`); one more is a 503
with `Retry-After`. None holds the database while it is sent (`formats.exports.buffered`).
"""

import contextlib
import fcntl
import hashlib
import os
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings

# Seconds between two looks for a free turn while waiting.
POLL = 0.005


def _turn_files():
    checkout = hashlib.sha256(str(settings.BASE_DIR).encode()).hexdigest()[:8]
    folder = Path(tempfile.gettempdir())
    return [
        folder / f"catalogue-{checkout}-search-turn-{n}.lock"
        for n in range(settings.SEARCHES_AT_ONCE)
    ]


def _take(files):
    """An open descriptor holding one of `files`' locks, or None when every one is held."""
    for name in files:
        fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        except BaseException:
            os.close(fd)
            raise
        return fd
    return None


def is_search(request):
    return bool(request.GET.get("q", "").strip())


@contextlib.contextmanager
def search_turn():
    """Hold a turn while the block runs; yields False when none came free in time."""
    files = _turn_files()
    deadline = time.monotonic() + settings.SEARCH_WAIT_SECONDS
    fd = _take(files)
    while fd is None and time.monotonic() < deadline:
        time.sleep(POLL)
        fd = _take(files)
    if fd is None:
        yield False
        return
    try:
        yield True
    finally:
        os.close(fd)  # closing the only descriptor of the open file gives the lock up


class Streams:
    """The streamed answers this process is sending, at most STREAMS_AT_ONCE."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sending = 0

    def take(self):
        """Whether one more may be sent (it is counted until `give_back`)."""
        with self.lock:
            if self.sending >= settings.STREAMS_AT_ONCE:
                return False
            self.sending += 1
            return True

    def give_back(self):
        with self.lock:
            self.sending -= 1


streams = Streams()
