"""All caching, keyed to the catalogue version.

The catalogue changes only when the loader runs, and every load writes a `CatalogueVersion` row. So
a page is a pure function of (catalogue version, load time, path, query string):

- every 200 answer to a GET or HEAD carries an `ETag` derived from those and a `Last-Modified` of
  the load time, with `Cache-Control: public, max-age=CACHE_MAX_AGE` so a CDN or proxy can keep it;
- a conditional request whose validator still holds gets `304 Not Modified` before the view runs
  (Django's `get_conditional_response`: If-None-Match, weakly compared, wins over
  If-Modified-Since);
- rendered pages are kept in Django's cache under a key that contains the version and load time,
  so after a reload no process can serve a page of the previous catalogue; each process also
  keeps the pages it served last, ready to send (`LocalPages`, CACHE_LOCAL_MB), under the same
  keys, so a page asked for again costs no cache round trip;
- what a page computes from the catalogue alone (facet counts, funding-chart totals, the API
  description, the whole-catalogue download) is kept the same way, through `version_cached`.

The version is one raw single-row query per request on the kept connection (`current_version`),
handed on as `request.catalogue_version` (the footer, the facets and the views read it from
there): another process (the loader, or a second app server) may reload at any moment, so it is
never taken from a per-process copy; only the `CatalogueVersion` object built from the row is
kept while the row stays the same.

A 304 or a cached page is answered from that one statement alone: it is atomic on its own, and
the page it finds is keyed by the version it read. A cached page is answered before any other
middleware (`CachedPageMiddleware`), with the headers they added when it was built. A page that
must be built is built from one snapshot of the database: the middleware opens a read
transaction (REPEATABLE READ on PostgreSQL, see settings; a deferred BEGIN on SQLite in WAL
mode), reads the version again inside it, and closes it when the answer is built — a CSV is
written whole first (`formats.exports.buffered`) and sent after, its pooled connections given
back (`give_back_pooled_connections`). So the ETag names the catalogue the body was built from
even while the loader commits a reload.

An unreachable cache (Redis down) slows the site down and never takes it down: every read and
write here falls back to computing. An unreachable database does not take down the pages already
in the page cache: the page of the last version this process read is served, with an `Age` header
saying how old it is; other pages get the quick 503 (`error_pages.server_error`). A damaged SQLite
file is answered the same way (`outages.database_damaged`), the log naming it.
"""

import datetime
import functools
import hashlib
import logging
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.http.response import ResponseHeaders
from django.middleware.gzip import re_accepts_gzip
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date

from ..models import CatalogueVersion
from ..outages import answered_as_outage, database_unavailable
from . import turns
from .error_pages import service_unavailable

logger = logging.getLogger(__name__)

CACHE_ALIAS = "default"
KEY_PREFIX = "catalogue-page"
# A non-200 answer may change (a typo'd slug may become a record) and is cheap; keep it briefly.
ERROR_CACHE_CONTROL = "public, max-age=60"
SERVER_ERROR_CACHE_CONTROL = "no-store"
# Headers that describe one transfer, not the page, and so are not stored with it.
UNSTORED_HEADERS = {"set-cookie", "date", "content-length", "connection"}


def _digest(parts):
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]


# The latest load: ordered as `CatalogueVersionQuerySet.current()`, whose index serves it.
VERSION_SQL = (
    "SELECT {id}, {version}, {loaded_at} FROM {table} ORDER BY {loaded_at} DESC, {id} DESC"
)
_versions = {}  # database alias -> (row, CatalogueVersion built from it)
_last_seen = {}  # "version": the latest CatalogueVersion this process read, for stale-if-error
_open = threading.local()  # the snapshot of this thread's request, while it is open


_version_sqls = {}  # database vendor -> VERSION_SQL quoted for it


def _version_sql(connection):
    sql = _version_sqls.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        sql = _version_sqls[connection.vendor] = (
            VERSION_SQL.format(
                table=quote(CatalogueVersion._meta.db_table),
                id=quote("id"),
                version=quote("version"),
                loaded_at=quote("loaded_at"),
            )
            + " LIMIT 1"
        )
    return sql


def _version_row(connection, sql):
    """The version's row, read on the driver's own connection: Django's cursor costs as much
    again as the statement (13 µs against 6 on SQLite) on every request. Its errors are Django's
    (`wrap_database_errors`), so an outage is recognised as before. Where statements are being
    counted or logged (a test's query count, DEBUG), through Django's cursor like any other."""
    if connection.force_debug_cursor or connection.execute_wrappers or settings.DEBUG:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = connection.connection.execute(sql)
        try:
            return cursor.fetchone()
        finally:
            cursor.close()


def current_version(alias):
    """The latest CatalogueVersion in `alias`, or None: one single-row query, no ORM.

    The ORM would build the query and a model instance on every request; this reads the three
    columns and builds the object only when the row differs from the last one seen."""
    connection = connections[alias]
    row = _version_row(connection, _version_sql(connection))
    if row is None:
        return None
    row = tuple(row)
    kept = _versions.get(alias)
    if kept is not None and kept[0] == row:
        version = kept[1]
    else:
        pk, name, loaded_at = row
        if isinstance(loaded_at, str):  # SQLite hands back the stored text
            loaded_at = parse_datetime(loaded_at)
        if timezone.is_naive(loaded_at):
            loaded_at = timezone.make_aware(loaded_at, datetime.UTC)
        version = CatalogueVersion(pk=pk, version=name, loaded_at=loaded_at)
        _versions[alias] = (row, version)
    _last_seen["version"] = version
    return version


class Snapshot:
    """One read transaction on `alias`, opened and closed by hand: a streamed answer outlives the
    view and the middleware, so a `with` block cannot hold it. savepoint=False: inside an outer
    transaction (the tests') it adds no statement of its own."""

    def __init__(self, alias):
        self.atomic = transaction.atomic(using=alias, savepoint=False)
        self.is_open = False

    def open(self):
        leftover = getattr(_open, "snapshot", None)
        if leftover is not None:  # a server that never closed the last answer's stream
            logger.warning("closing a snapshot its request left open")
            leftover.close()
        self.atomic.__enter__()
        self.is_open = True
        _open.snapshot = self

    def close(self, exc_type=None, exc_value=None, traceback=None):
        if not self.is_open:
            return
        self.is_open = False
        _open.snapshot = None
        try:
            self.atomic.__exit__(exc_type, exc_value, traceback)
        except Exception:  # nothing was written: a failed COMMIT of a read loses nothing
            logger.warning("closing a read snapshot failed", exc_info=True)


def give_back_pooled_connections():
    """Return this thread's connections to their pool: Django does so when the request ends,
    which for a streamed answer is when its client has read it, and twelve clients reading
    slowly would hold every connection of the pool while no page reads from them."""
    for connection in connections.all(initialized_only=True):
        if getattr(connection, "pool", None) is not None and not connection.in_atomic_block:
            connection.close()


def close_open_snapshot():
    """Close this thread's open snapshot, if any (a test client that did not read a stream)."""
    snapshot = getattr(_open, "snapshot", None)
    if snapshot is not None:
        snapshot.close()


class SnapshotStream:
    """A streamed body that closes the request's snapshot when it ends or is closed.

    A class, not a generator: the server may close an answer whose body it never started (a HEAD,
    a client gone), and a generator that never ran would not run its `finally`."""

    def __init__(self, content, snapshot):
        self.content = iter(content)
        self.snapshot = snapshot

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self.content)
        except BaseException as exc:
            if isinstance(exc, StopIteration):
                self.close()
            else:
                self.close(type(exc), exc, exc.__traceback__)
            raise

    def close(self, *exc_info):
        closer = getattr(self.content, "close", None)
        try:
            if closer is not None:
                closer()
        finally:
            self.snapshot.close(*exc_info)


# Settings that change what a page says (its links, rows per page, headers, asset addresses):
# servers sharing one Redis with different values must not serve each other's pages.
PAGE_SETTINGS = ("SITE_URL", "PAGE_SIZE", "MAX_PAGE_SIZE", "HTTPS", "CACHE_MAX_AGE", "STATIC_URL")


@functools.cache
def settings_stamp():
    """A digest of PAGE_SETTINGS, computed once per process (and again after a test changes
    a setting)."""
    return _digest([repr(getattr(settings, name, None)) for name in PAGE_SETTINGS])


setting_changed.connect(
    lambda **kwargs: settings_stamp.cache_clear(), weak=False, dispatch_uid="caching.stamp"
)


def etag_for(request, version):
    # The path names the format (`.json`, `.csv`), so path and query string say it all, with
    # the settings that change a page.
    parts = [version.version, version.loaded_at.isoformat(), settings_stamp(), request.path]
    return f'"{_digest([*parts, request.META.get("QUERY_STRING", "")])}"'


def cache_get(key):
    try:
        return caches[CACHE_ALIAS].get(key)
    except Exception:  # an unreachable Redis must slow the site down, not take it down
        logger.warning("cache unavailable; computing %s", key, exc_info=True)
        return None


def cache_set(key, value):
    try:
        caches[CACHE_ALIAS].set(key, value)
    except Exception:
        logger.warning("cache unavailable; not storing %s", key, exc_info=True)


def version_cached(version, key, compute, enabled=True):
    """compute(), kept under the catalogue version and load time plus `key` (a list whose first
    item names what is kept), when `enabled`. A reload changes every key, so nothing of the
    previous catalogue is read again (entries age out of the bounded cache). Without a version
    (no catalogue loaded) or a reachable cache, computed anew."""
    if not (enabled and version):
        return compute()
    name, *parts = key
    digest = hashlib.sha256(
        repr([version.version, version.loaded_at.isoformat(), *parts]).encode()
    ).hexdigest()
    full_key = f"{name}:{digest[:40]}"
    value = cache_get(full_key)
    if value is None:
        value = compute()
        cache_set(full_key, value)
    return value


def computed_once(request, key, compute):
    """compute(), once per catalogue version, for what the catalogue alone decides (facet counts,
    chart totals): CACHE_FACETS turns it off."""
    return version_cached(
        getattr(request, "catalogue_version", None), key, compute, settings.CACHE_FACETS
    )


def document_once(request, key, compute):
    """compute(), once per catalogue version, for a whole document (the API description, the
    catalogue download) whether or not pages are cached: CACHE_PAGES turns it off."""
    return version_cached(
        getattr(request, "catalogue_version", None), key, compute, settings.CACHE_PAGES
    )


def is_anonymous(request):
    # The catalogue has no accounts; a request that carries credentials is not a shared page.
    return "HTTP_AUTHORIZATION" not in request.META


CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def is_conditional(request):
    meta = request.META
    return any(header in meta for header in CONDITIONAL_HEADERS)


def page_key(request, etag):
    """The page cache's key: the ETag's digest, and `:gzip` for the compressed variant that
    GZipMiddleware (below this one) gives a client that accepts it."""
    key = f"{KEY_PREFIX}:{etag[1:-1]}"
    if re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        key += ":gzip"
    if request.is_secure():  # the page is kept with the headers its scheme gets (HSTS)
        key += ":https"
    return key


class LocalPages:
    """The pages this process stored or read last, ready to send, bounded in bytes.

    In front of the configured cache (Redis or local memory), so that a page asked for again
    costs no round trip and no unpickling. Its keys are the page cache's, which carry the
    catalogue version: the version is still read for every request, so a reload is seen at once
    and the previous version's pages are never read again (they age out of the bound)."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.entries = OrderedDict()  # key -> (content, headers, stored_at)
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        size = len(entry[0])
        if not 0 < size <= self.max_bytes:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old[0])
            self.entries[key] = entry
            self.size += size
            while self.size > self.max_bytes:
                _, evicted = self.entries.popitem(last=False)
                self.size -= len(evicted[0])


_local_pages = LocalPages(0)


def local_pages():
    if _local_pages.max_bytes != settings.CACHE_LOCAL_BYTES:
        reset_local_pages()
    return _local_pages


def reset_local_pages(**kwargs):
    """A new, empty local copy (and whenever the cache settings change, as tests do)."""
    global _local_pages
    if kwargs.get("setting") not in (None, "CACHES", "CACHE_PAGES", "CACHE_LOCAL_BYTES"):
        return
    _local_pages = LocalPages(settings.CACHE_LOCAL_BYTES)


setting_changed.connect(reset_local_pages, dispatch_uid="programmes.http.caching.local_pages")


def ready(entry):
    """A page as the cache keeps it, (content, [(name, value)], stored_at), with its headers
    checked and encoded once, as the response's header mapping holds them."""
    content, kept = entry[0], entry[1]
    return content, ResponseHeaders(kept), entry[2] if len(entry) > 2 else None


def stored_page(key):
    """(content, headers, stored_at) kept under `key`: this process's copy, else the cache's."""
    pages = local_pages()
    page = pages.get(key)
    if page is None:
        entry = cache_get(key)
        if entry is not None:
            page = ready(entry)
            pages.put(key, page)
    return page


class CachedPageMiddleware:
    """A stored page, answered before any other middleware runs, with every header it was sent
    with: those the middlewares above the views add (security, frame, content and resource
    policies) were stored with it, so a hit sets none of them again (13 µs of the 63 µs a cached
    page costs in one process).

    Only a plain GET or HEAD of a page is answered here: static files, conditional requests,
    other methods and credentials pass to the middlewares below, and so does everything when
    the version cannot be read (CatalogueCacheMiddleware answers the outage). The page is built
    and stored below it, by CatalogueCacheMiddleware, which names the key on the response; this
    layer keeps the page as it leaves, with all its headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.static = settings.STATIC_URL

    def __call__(self, request):
        if not (
            settings.CACHE_PAGES
            and request.method in ("GET", "HEAD")
            and is_anonymous(request)
            and not is_conditional(request)
            and not request.path.startswith(self.static)
        ):
            return self.get_response(request)
        try:
            version = current_version(router.db_for_read(CatalogueVersion))
        except Exception:
            return self.get_response(request)
        if version is not None:
            stored = stored_page(page_key(request, etag_for(request, version)))
            if stored is not None:
                return rebuild(request, stored)
        request.catalogue_version_seen = version  # looked for, not found: built below
        response = self.get_response(request)
        key = getattr(response, "catalogue_page_key", None)
        if key is not None:
            store(key, response)
        return response


class CatalogueCacheMiddleware:
    """Conditional GETs, shared-cache headers and a server-side page cache, per catalogue version.

    Sits below WhiteNoise (static files have their own hashed names and headers) and above
    compression and the views, so a 304 or a cached page costs one small query, no rendering and
    no compression. That query runs on its own (one statement is atomic, and the page is keyed by
    the version it read); only a page that must be built opens the request's snapshot, and reads
    the version again inside it. Under CachedPageMiddleware, which answers a plain GET of a
    stored page before any middleware, it builds the pages that one did not find and names
    their key, for that one to keep them with every header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return finish(self.get_response(request))
        alias = router.db_for_read(CatalogueVersion)
        if hasattr(request, "catalogue_version_seen"):  # read, and the page looked for, above
            return self.in_snapshot(request, alias, request.catalogue_version_seen)
        seen = None
        if (settings.CACHE_PAGES and is_anonymous(request)) or is_conditional(request):
            try:
                seen = current_version(alias)
            except Exception as exc:
                return self.unreachable(request, exc)
            if seen is not None:
                answer = self.answer_at_once(request, seen)
                if answer is not None:
                    return answer
        return self.in_snapshot(request, alias, seen)

    def unreachable(self, request, exc):
        if not database_unavailable(exc):
            raise exc
        stale = stale_page(request)
        if stale is None:
            raise exc  # handler500 answers an unreachable database with the quick 503
        answered_as_outage(exc)
        logger.error("database unavailable; serving the cached page of %s", request.path)
        return finish(stale)

    def answer_at_once(self, request, version):
        """A 304 or the cached page of `version`, or None when the page must be built."""
        etag = etag_for(request, version)
        if is_conditional(request):
            conditional = get_conditional_response(
                request, etag=etag, last_modified=int(version.loaded_at.timestamp())
            )
            if conditional is not None:
                return finish(not_modified(conditional, etag, version))
        if settings.CACHE_PAGES and is_anonymous(request):
            stored = stored_page(page_key(request, etag))
            if stored is not None:
                return rebuild(request, stored)
        return None

    def in_snapshot(self, request, alias, seen):
        if not turns.is_search(request):
            return self.built(request, alias, seen)
        with turns.search_turn() as turn:
            if not turn:
                return finish(service_unavailable(request, "searches"))
            return self.built(request, alias, seen)

    def built(self, request, alias, seen):
        snapshot = Snapshot(alias)
        try:
            snapshot.open()
            version = current_version(alias)
        except Exception as exc:
            snapshot.close()
            return self.unreachable(request, exc)
        try:
            response = self.respond(request, version, seen)
        except BaseException as exc:
            snapshot.close(type(exc), exc, exc.__traceback__)
            raise
        if response.streaming:
            if not turns.streams.take():
                # Dropped unsent (its file closed as it is collected): close() would also end
                # the request for Django, its connections with it.
                snapshot.close()
                return finish(service_unavailable(request, "streams"))
            # Called by the response's close(), which the server calls once it is sent or its
            # client is gone (for a file, through the file's own close).
            response._resource_closers.append(turns.streams.give_back)
        # A streamed body read from the database is read in the snapshot; a file written for
        # the version (a list's whole CSV, the catalogue) or a body built whole already
        # (`reads_database` False) needs no database while it is sent, so a slow client does
        # not hold a read transaction open.
        if (
            response.streaming
            and getattr(response, "file_to_stream", None) is None
            and getattr(response, "reads_database", True)
        ):
            response.streaming_content = SnapshotStream(response.streaming_content, snapshot)
        else:
            snapshot.close()
            if response.streaming:
                give_back_pooled_connections()
        return response

    def respond(self, request, version, seen):
        request.catalogue_version = version
        if version is None:
            return finish(self.get_response(request))
        if version is not seen:  # a reload since the version was read on its own
            answer = self.answer_at_once(request, version)
            if answer is not None:
                return answer
        etag = etag_for(request, version)
        response = self.get_response(request)
        if response.status_code != 200:
            return finish(response)
        # A streamed body (the CSV twins, the download) is built in the same snapshot as the
        # version was read in, so it carries the validators too; it is not kept in the cache.
        headers(response, etag, version)
        if response.streaming:
            return finish(response)
        if settings.CACHE_PAGES and is_anonymous(request) and request.method == "GET":
            varies = {v.strip().lower() for v in response.get("Vary", "").split(",")}
            if varies <= {"", "accept-encoding"}:  # the key names the encoding
                if hasattr(request, "catalogue_version_seen"):  # kept above, with all headers
                    response.catalogue_page_key = page_key(request, etag)
                else:
                    store(page_key(request, etag), response)
        return finish(response)


def headers(response, etag, version):
    # A compressed body is another representation of the page: its ETag is weak (RFC 9110
    # 8.8.1), as GZipMiddleware makes it, so a conditional request still matches it.
    compressed = response.has_header("Content-Encoding")
    response.headers["ETag"] = f"W/{etag}" if compressed else etag
    response.headers["Last-Modified"] = http_date(version.loaded_at.timestamp())
    response.headers["Cache-Control"] = f"public, max-age={settings.CACHE_MAX_AGE}"
    return response


def not_modified(response, etag, version):
    """A 304 carries what the 200 would (RFC 9110 15.4.5): its validators, Cache-Control, and
    `Vary: Accept-Encoding`, since every page is sent compressed to clients that ask."""
    headers(response, etag, version)
    if response.status_code == 304:
        patch_vary_headers(response, ("Accept-Encoding",))
    return response


def finish(response):
    """No page sets a cookie, so shared caches may keep any of them."""
    response.cookies.clear()
    if "Set-Cookie" in response.headers:
        del response.headers["Set-Cookie"]
    if response.status_code >= 500:
        response.headers["Cache-Control"] = SERVER_ERROR_CACHE_CONTROL
    elif response.status_code not in (200, 304) and not response.has_header("Cache-Control"):
        response.headers["Cache-Control"] = ERROR_CACHE_CONTROL
    return response


def stale_page(request):
    """The cached page of the last catalogue version this process read, or None: served while
    the database cannot be reached, its `Age` the seconds since it was stored."""
    version = _last_seen.get("version")
    if version is None or not settings.CACHE_PAGES or not is_anonymous(request):
        return None
    etag = etag_for(request, version)
    conditional = get_conditional_response(
        request, etag=etag, last_modified=int(version.loaded_at.timestamp())
    )
    if conditional is not None:
        return not_modified(conditional, etag, version)
    stored = stored_page(page_key(request, etag))
    if stored is None:
        return None
    response = rebuild(request, stored)
    stored_at = stored[2] or version.loaded_at.timestamp()
    response.headers["Age"] = str(max(0, int(time.time() - stored_at)))
    return response


def rebuild(request, stored):
    """The stored page with the headers it was stored with, its validators among them.

    The headers were checked and encoded when the page was kept (`ready`); copying the mapping
    that holds them, rather than setting each one again, saves about 6 µs of the 100 µs a cached
    page costs in one process. The test of a cached page's headers against the page as built
    holds it."""
    content, stored_headers = stored[0], stored[1]
    response = HttpResponse(b"" if request.method == "HEAD" else content)
    response.headers._store.update(stored_headers._store)
    response.headers["Content-Length"] = str(len(content))
    return response


def store(key, response):
    kept = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in UNSTORED_HEADERS
    ]
    entry = (response.content, kept, time.time())
    local_pages().put(key, ready(entry))
    cache_set(key, entry)
