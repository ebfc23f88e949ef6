"""HTTP caching keyed to the catalogue version.

The catalogue changes only when the loader runs, and every load writes a `CatalogueVersion` row. So
a page is a pure function of (catalogue version, load time, path, query string, format):

- every 200 answer to a GET or HEAD carries an `ETag` derived from those and a `Last-Modified` of
  the load time, with `Cache-Control: public, max-age=CACHE_MAX_AGE` so a CDN or proxy can keep it;
- a conditional request whose validator still holds gets `304 Not Modified` before the view runs;
- rendered pages are kept in Django's cache under a key that contains the version and load time,
  so after a reload no process can serve a page of the previous catalogue.

The version is read with one small query per request rather than cached per process: another
process (the loader, or a second app server) may reload at any moment, and a per-process copy
would serve the old catalogue until it expired.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from ..models import CatalogueVersion

logger = logging.getLogger(__name__)

CACHE_ALIAS = "default"
KEY_PREFIX = "catalogue-page"
# A non-200 answer may change (a typo'd slug may become a record) and is cheap; keep it briefly.
ERROR_CACHE_CONTROL = "public, max-age=60"
SERVER_ERROR_CACHE_CONTROL = "no-store"
# Headers that describe one transfer, not the page, and so are not stored with it.
UNSTORED_HEADERS = {"set-cookie", "date", "content-length", "connection"}


def request_format(request):
    """The representation asked for: a `.json`/`.csv` suffix, a `format` parameter, or HTML."""
    last = request.path.rstrip("/").rsplit("/", 1)[-1]
    if "." in last:
        return last.rsplit(".", 1)[-1].lower()
    return request.GET.get("format", "html").lower() or "html"


def etag_for(request, version):
    name, loaded_at = version
    digest = hashlib.sha256(
        "\0".join(
            [
                name,
                loaded_at.isoformat(),
                request.path,
                request.META.get("QUERY_STRING", ""),
                request_format(request),
            ]
        ).encode()
    ).hexdigest()
    return f'"{digest[:40]}"'


def not_modified(request, etag, loaded_at):
    """RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since when both are sent."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        tags = parse_etags(if_none_match)
        # Weak comparison: a proxy that compressed the page may have weakened the tag.
        return "*" in tags or etag in {t.removeprefix("W/") for t in tags}
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and int(loaded_at.timestamp()) <= since


def is_anonymous(request):
    # The catalogue has no accounts; a request that carries credentials is not a shared page.
    return "HTTP_AUTHORIZATION" not in request.META


class CatalogueCacheMiddleware:
    """Conditional GETs, shared-cache headers and a server-side page cache, per catalogue version.

    Sits below WhiteNoise (static files have their own hashed names and headers) and above the
    views, so a 304 or a cached page costs one small query and no rendering.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.finish(self.get_response(request))
        version = CatalogueVersion.objects.current()
        request.catalogue_version = version  # for caches below (facet counts) without a query
        if version is None:
            return self.finish(self.get_response(request))
        etag, loaded_at = etag_for(request, version), version[1]
        if not_modified(request, etag, loaded_at):
            return self.finish(self.headers(HttpResponseNotModified(), etag, loaded_at))

        cacheable = settings.CACHE_PAGES and is_anonymous(request)
        key = f"{KEY_PREFIX}:{etag[1:-1]}"
        if cacheable:
            stored = self.cache_get(key)
            if stored is not None:
                return self.finish(self.headers(self.rebuild(request, stored), etag, loaded_at))

        response = self.get_response(request)
        if response.status_code != 200 or response.streaming:
            return self.finish(response)
        self.headers(response, etag, loaded_at)
        if cacheable and request.method == "GET" and not response.has_header("Vary"):
            self.cache_set(key, response)
        return self.finish(response)

    # --- responses ---------------------------------------------------------------------------

    @staticmethod
    def headers(response, etag, loaded_at):
        response.headers["ETag"] = etag
        response.headers["Last-Modified"] = http_date(loaded_at.timestamp())
        response.headers["Cache-Control"] = f"public, max-age={settings.CACHE_MAX_AGE}"
        return response

    @staticmethod
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

    @staticmethod
    def rebuild(request, stored):
        content, headers = stored
        response = HttpResponse(b"" if request.method == "HEAD" else content)
        for name, value in headers:
            response.headers[name] = value
        if request.method == "HEAD":
            response.headers["Content-Length"] = str(len(content))
        return response

    # --- the server-side cache ---------------------------------------------------------------

    @staticmethod
    def cache_get(key):
        try:
            return caches[CACHE_ALIAS].get(key)
        except Exception:  # an unreachable Redis must slow the site down, not take it down
            logger.warning("page cache unavailable; rendering %s", key, exc_info=True)
            return None

    @staticmethod
    def cache_set(key, response):
        headers = [
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in UNSTORED_HEADERS
        ]
        try:
            caches[CACHE_ALIAS].set(key, (response.content, headers))
        except Exception:
            logger.warning("page cache unavailable; not storing %s", key, exc_info=True)
