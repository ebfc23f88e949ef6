"""The downloads kept as files, once per catalogue version, under DOWNLOADS_DIR (default
`var/downloads/`): the whole catalogue (`views.downloads.catalogue_json`) and every list's whole
CSV (`/projects.csv` and the others, without parameters), so that answering one costs a file read,
not the query and the cells of every row.

Each file is named by the version and the load time (a reload of the same fixtures is a new file)
and, for the CSVs, by the SITE_URL their links are made of. It is written whole or not at all: into
`.<name>.part`, renamed into place when complete. The loader, `load_dump` and `synthesize` write
the lists' files once the catalogue is committed (`write_after_commit`); a list whose file is
missing (a folder emptied, another SITE_URL) is written by the first request for it as it streams
its answer, while the requests arriving meanwhile stream theirs. A folder that cannot be written
costs the speed, never the answer: every request streams as if there were no file. Of each list,
the files of the two latest versions written are kept (a request still reading the previous
version's snapshot right after a reload would otherwise write its file over and over)."""

import contextlib
import hashlib
import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import QueryDict

from ..formats import exports
from ..kinds import KINDS
from ..models import CatalogueVersion
from .summaries import reading_from

logger = logging.getLogger(__name__)

KEEP = 2  # versions' files kept per list
# A `.part` file not written to for this long was left by a writer that died: taken over.
ABANDONED_AFTER = 120


def downloads_root():
    return Path(settings.DOWNLOADS_DIR)


def version_stamp(version):
    return f"{version.version[:16]}-{int(version.loaded_at.timestamp() * 1e6)}"


def list_csv_path(version, kind):
    site = hashlib.sha256(settings.SITE_URL.encode()).hexdigest()[:8]
    return downloads_root() / f"{kind.prefix}-{version_stamp(version)}-{site}.csv"


def _claim(path):
    """The open `.part` file of `path`, this process's to write; None when another writer holds
    it or the folder cannot be written."""
    part = path.with_name(f".{path.name}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                return part, os.fdopen(fd, "wb")
            except FileExistsError:
                if time.time() - part.stat().st_mtime < ABANDONED_AFTER:
                    return None
                part.unlink(missing_ok=True)
    except OSError:
        logger.warning("cannot write %s; answering without it", path, exc_info=True)
    return None


def _prune(path, keep):
    """Remove the files of the list's older versions, keeping the `keep` newest written."""
    stem = path.name.split("-", 1)[0]
    files = sorted(
        path.parent.glob(f"{stem}-*{path.suffix}"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for old in [p for p in files if p != path][keep - 1 :]:
        with contextlib.suppress(OSError):
            old.unlink()


def saved(chunks, path, keep=KEEP):
    """The text `chunks`, encoded, as they come; written to `path` as well when this process can
    claim it, the files of the `keep` newest versions kept. The file is renamed into place only
    once every chunk is written: should the chunks fail or the reader stop (a client gone, the
    database lost), it is removed."""
    claimed = _claim(path)
    if claimed is None:
        for chunk in chunks:
            yield chunk.encode()
        return
    part, fh = claimed
    try:
        for chunk in chunks:
            data = chunk.encode()
            if fh is not None:
                try:
                    fh.write(data)
                except OSError:  # a full disk: the answer goes on without its file
                    logger.warning("cannot write %s; streaming without it", path, exc_info=True)
                    fh.close()
                    fh = None
                    part.unlink(missing_ok=True)
            yield data
        if fh is not None:
            fh.close()
            os.replace(part, path)
            fh = None
            _prune(path, keep)
    finally:
        if fh is not None:
            fh.close()
            part.unlink(missing_ok=True)


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
            path = list_csv_path(version, kind)
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
