"""The downloads kept as files, once per catalogue version, under DOWNLOADS_DIR (default
`var/downloads/`): the whole catalogue (`views.downloads.catalogue_json`) and every list's whole
CSV (`/projects.csv` and the others, without parameters), so that answering one costs a file read,
not the query and the cells of every row.

Each file is named by the database it is read from (`database_key`: servers of several databases
may share one folder), the version and the load time (a reload of the same fixtures is a new file)
and, for the CSVs, by the SITE_URL their links are made of. The loader, `load_dump` and
`synthesize` write the lists' files once the catalogue is committed (`write_after_commit`); a list
whose file is missing (a folder emptied, another SITE_URL) is written by the first request for it
as it streams its answer, while the requests arriving meanwhile stream theirs.

A file is written whole or not at all, by one writer at a time (`Claim`): the writer holds an
exclusive lock on `.<name>.lock` (`flock`, which the kernel releases when its process dies, so a
writer that is merely slow, its client reading at 50 bytes/s, keeps its claim for as long as it
takes, and only a dead one's is taken over) and writes a temporary file of its own, which it
renames into place (`os.replace`) only once every byte is written and synced; nothing else is
ever renamed into place, so a partial file is never served. Its size and SHA-256 travel with
it, in an extended attribute (`WHOLE`) set before it is renamed, and a file is served only when
it proves itself whole against them (`open_whole`: its size every time, its hash the first time
a process serves it); one cut or changed by anything else is removed, to be written again, and
the answer streamed. A folder that cannot be written, or a full disk (or one that keeps no
extended attributes), costs the speed, never the answer: the request streams as if there were
no file. Of each list, the files of the two latest versions written are kept
(a request still reading the previous version's snapshot right after a reload would otherwise
write its file over and over)."""

import contextlib
import fcntl
import hashlib
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.http import QueryDict

from ..formats import exports
from ..kinds import KINDS
from ..models import CatalogueVersion
from .summaries import reading_from

logger = logging.getLogger(__name__)

KEEP = 2  # versions' files kept per list
# Files this process is writing: on NFS, Linux emulates flock with POSIX locks, which a process's
# threads share, so the lock alone would not keep two of its threads apart.
_writing = set()
_writing_lock = threading.Lock()


def downloads_root():
    return Path(settings.DOWNLOADS_DIR)


def database_key(using="default"):
    """Eight hex digits naming the database `using` is (engine, host, port, name): files of
    several databases in one folder never share a name, nor prune each other. Requests name the
    primary, whichever replica they read: a replica holds the primary's catalogue."""
    database = connections[using].settings_dict
    parts = [str(database.get(key) or "") for key in ("ENGINE", "HOST", "PORT", "NAME")]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:8]


def version_stamp(version):
    return f"{version.version[:16]}-{int(version.loaded_at.timestamp() * 1e6)}"


def list_csv_path(version, kind, using="default"):
    site = hashlib.sha256(settings.SITE_URL.encode()).hexdigest()[:8]
    name = f"{kind.prefix}-{database_key(using)}-{version_stamp(version)}-{site}.csv"
    return downloads_root() / name


def catalogue_path(version, using="default"):
    return downloads_root() / f"catalogue-{database_key(using)}-{version_stamp(version)}.json"


def lock_path(path):
    return path.with_name(f".{path.name}.lock")


# The extended attribute of a written file: "<size> <SHA-256>" of its bytes.
WHOLE = "user.catalogue.whole"


_proven = set()  # (path, device, inode, size, mtime) of files whose hash this process checked
_proven_lock = threading.Lock()


def _digest(fh):
    digest = hashlib.sha256()
    for block in iter(lambda: fh.read(1024 * 1024), b""):
        digest.update(block)
    return digest.hexdigest()


def open_whole(path):
    """`path` open for reading when it is there and proves itself whole (the size and SHA-256
    recorded before it was put in place), else None (the answer is then streamed)."""
    try:
        fh = path.open("rb")
    except OSError:
        return None
    try:
        size, sha256 = os.getxattr(fh.fileno(), WHOLE).decode().split()
        stat = os.fstat(fh.fileno())
        if stat.st_size != int(size):
            raise ValueError(f"{stat.st_size} bytes, not the {size} recorded")
        key = (path, stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if key not in _proven:
            if _digest(fh) != sha256:
                raise ValueError("its SHA-256 is not the one recorded")
            fh.seek(0)
            with _proven_lock:
                _proven.add(key)
        return fh
    except (OSError, ValueError) as exc:
        logger.warning("%s is not whole (%s); removed, answering without it", path, exc)
        with contextlib.suppress(OSError):
            if os.path.samestat(os.fstat(fh.fileno()), os.stat(path)):  # not a newer one
                path.unlink()
        fh.close()
        return None


def _temporary_files(path):
    return path.parent.glob(f".{path.name}.*.tmp")


def _lock(path):
    """An open descriptor of `path`'s lock file, exclusively locked by it, or None when another
    writer holds the lock. The lock file is removed by the writer that holds it, so a descriptor
    locked after that is of a file no longer at the name: opened again."""
    name = lock_path(path)
    for _ in range(3):
        fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        try:
            if os.path.samestat(os.fstat(fd), os.stat(name)):
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)
    return None


class Claim:
    """The right to write `path`: its lock held, its own temporary file open. `write` never
    raises (a failure drops the file, the answer goes on); `publish` renames the temporary file
    into place when it is complete; `release` removes what is left and gives the lock up."""

    def __init__(self, path, lock_fd):
        self.path = path
        self.lock_fd = lock_fd
        self.fh = None
        self.temporary = None
        self.published = False
        for leftover in _temporary_files(path):  # of a writer that died holding the lock
            with contextlib.suppress(OSError):
                leftover.unlink()
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        self.temporary = Path(name)
        try:
            os.fchmod(fd, 0o644)  # read by every server sharing the folder, as static files are
            self.fh = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            self.temporary.unlink(missing_ok=True)
            raise
        self.identity = os.fstat(fd)
        self.digest, self.size = hashlib.sha256(), 0

    def write(self, data):
        if self.fh is None:
            return
        try:
            self.fh.write(data)
            self.digest.update(data)
            self.size += len(data)
        except OSError:  # a full disk: the answer goes on without its file
            logger.warning("cannot write %s; streaming without it", self.path, exc_info=True)
            self._drop()

    def publish(self):
        """Rename the complete temporary file into place; False when there is none to rename."""
        if self.fh is None:
            return False
        try:
            self.fh.flush()
            os.setxattr(self.fh.fileno(), WHOLE, f"{self.size} {self.digest.hexdigest()}".encode())
            os.fsync(self.fh.fileno())
            self.fh.close()
            self.fh = None
            # Ours still: a file of another writer is never renamed into place.
            if not os.path.samestat(self.identity, os.stat(self.temporary)):
                raise FileNotFoundError(f"{self.temporary} is no longer this writer's")
            os.replace(self.temporary, self.path)
        except OSError:
            logger.warning("cannot write %s; answering without it", self.path, exc_info=True)
            self._drop()
            return False
        self.published = True
        return True

    def _drop(self):
        if self.fh is not None:
            # Unwritten bytes are thrown away: a buffered close would hit the full disk again.
            with contextlib.suppress(OSError):
                self.fh.close()
            self.fh = None
        if self.temporary is not None and not self.published:
            with contextlib.suppress(OSError):
                if os.path.samestat(self.identity, os.stat(self.temporary)):
                    self.temporary.unlink()
        self.temporary = None

    def release(self):
        try:
            self._drop()
            with contextlib.suppress(OSError):
                lock_path(self.path).unlink()  # while locked: see `_lock`
        finally:
            os.close(self.lock_fd)
            with _writing_lock:
                _writing.discard(self.path)


def _claim(path):
    """The Claim on `path`, this writer's; None when another writer holds it, the file is there
    already or the folder cannot be written."""
    with _writing_lock:
        if path in _writing:
            return None
        _writing.add(path)
    lock_fd = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = _lock(path)
        if lock_fd is not None and not path.exists():  # not written meanwhile by the last holder
            return Claim(path, lock_fd)
    except OSError:
        logger.warning("cannot write %s; answering without it", path, exc_info=True)
    if lock_fd is not None:
        with contextlib.suppress(OSError):
            lock_path(path).unlink()
        os.close(lock_fd)
    with _writing_lock:
        _writing.discard(path)
    return None


def _prune(path, keep):
    """Remove the files of the list's older versions of the same database, keeping the `keep`
    newest written."""
    stem, database, _ = path.name.split("-", 2)
    dated = []
    for candidate in path.parent.glob(f"{stem}-{database}-*{path.suffix}"):
        with contextlib.suppress(OSError):  # removed meanwhile by another writer's prune
            dated.append((candidate.stat().st_mtime, candidate))
    files = [p for _, p in sorted(dated, key=lambda item: item[0], reverse=True)]
    for old in [p for p in files if p != path][keep - 1 :]:
        with contextlib.suppress(OSError):
            old.unlink()


def saved(chunks, path, keep=KEEP):
    """The text `chunks`, encoded, as they come; written to `path` as well when this writer can
    claim it, the files of the `keep` newest versions kept. The file is renamed into place only
    once every chunk is written: should the chunks fail or the reader stop (a client gone, the
    database lost), or the disk be full, there is no file, and the answer is whole all the same."""
    claim = _claim(path)
    if claim is None:
        for chunk in chunks:
            yield chunk.encode()
        return
    try:
        for chunk in chunks:
            data = chunk.encode()
            claim.write(data)
            yield data
        if claim.publish():
            _prune(path, keep)
    finally:
        claim.release()


def whole_list(kind):
    """The records of the kind's CSV without parameters, as `views.lists.list_page` reads them."""
    return kind.filterset(QueryDict(), queryset=kind.list_queryset("csv")).qs


def write_lists(version, using="default"):
    """Write every list's CSV file of `version` (the catalogue in `using`) that is not there yet,
    each from one snapshot in which `version` is still the current one; seconds per kind."""
    took = {}
    with reading_from(using), transaction.atomic(using=using):
        if CatalogueVersion.objects.using(using).current() != version:
            return took  # reloaded since: the newer load writes its own
        for kind in KINDS:
            path = list_csv_path(version, kind, using)
            if path.exists():
                continue
            began = time.monotonic()
            for _ in saved(exports.csv_chunks(kind, whole_list(kind)), path):
                pass
            took[kind.prefix] = time.monotonic() - began
    return took


def write_after_commit(version, using="default", report=None):
    """Write the lists' files once the load that made `version` is committed (at once outside a
    transaction); a load that rolls back writes none. `report` (default: the log) is told how
    long they took."""

    def write():
        took = write_lists(version, using)
        if took:
            (report or logger.info)(
                f"list downloads written in {sum(took.values()):.1f} s ("
                + ", ".join(f"{name} {s:.1f} s" for name, s in took.items())
                + ")"
            )

    transaction.on_commit(write, using=using)
