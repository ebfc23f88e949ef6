"""All caching, keyed to the catalogue version.

The catalogue changes only when the loader runs, and every load writes a `CatalogueVersion` row. So
a page is a pure function of (catalogue version, load time, path, query string):

- every 200 answer to a GET or HEAD carries an `ETag` derived from those and a `Last-Modified` of
  the load time, with `Cache-Control: public, max-age=CACHE_MAX_AGE` so a CDN or proxy can keep it;
- a conditional request whose validator still holds gets `304 Not Modified` before the view runs
  (Django's `get_conditional_response`: If-None-Match, weakly compared, wins over
  If-Modified-Since);
- rendered pages are kept in Django's cache under a key that contains the version and load time,
  so after a reload no process can serve a page of the previous catalogue;
- what a page computes from the catalogue alone (facet counts, funding-chart totals, the API
  description, the whole-catalogue download) is kept the same way, through `version_cached`.

The version is read with one small query per request, here, and handed on as
`request.catalogue_version` (the footer, the facets and the views read it from there): another
process (the loader, or a second app server) may reload at any moment, and a per-process copy
would serve the old catalogue until it expired. An unreachable cache (Redis down) slows the site
down and never takes it down: every read and write here falls back to computing.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from ..models import CatalogueVersion

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


def etag_for(request, version):
    # The path names the format (`.json`, `.csv`), so path and query string say it all.
    parts = [version.version, version.loaded_at.isoformat(), request.path]
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


class CatalogueCacheMiddleware:
    """Conditional GETs, shared-cache headers and a server-side page cache, per catalogue version.

    Sits below WhiteNoise (static files have their own hashed names and headers) and above the
    views, so a 304 or a cached page costs one small query and no rendering.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return finish(self.get_response(request))
        version = CatalogueVersion.objects.current()
        request.catalogue_version = version
        if version is None:
            return finish(self.get_response(request))
        etag, last_modified = etag_for(request, version), int(version.loaded_at.timestamp())
        conditional = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if conditional is not None:
            return finish(headers(conditional, etag, version))

        cacheable = settings.CACHE_PAGES and is_anonymous(request)
        key = f"{KEY_PREFIX}:{etag[1:-1]}"
        if cacheable:
            stored = cache_get(key)
            if stored is not None:
                return finish(headers(rebuild(request, stored), etag, version))

        response = self.get_response(request)
        if response.status_code != 200:
            return finish(response)
        # A streamed download (a whole list as CSV) is not kept, but is validated like a page.
        headers(response, etag, version)
        if response.streaming:
            return finish(response)
        if cacheable and request.method == "GET" and not response.has_header("Vary"):
            store(key, response)
        return finish(response)


def headers(response, etag, version):
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(version.loaded_at.timestamp())
    response.headers["Cache-Control"] = f"public, max-age={settings.CACHE_MAX_AGE}"
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


def rebuild(request, stored):
    content, stored_headers = stored
    response = HttpResponse(b"" if request.method == "HEAD" else content)
    for name, value in stored_headers:
        response.headers[name] = value
    if request.method == "HEAD":
        response.headers["Content-Length"] = str(len(content))
    return response


def store(key, response):
    kept = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in UNSTORED_HEADERS
    ]
    cache_set(key, (response.content, kept))
