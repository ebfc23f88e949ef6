"""The catalogue's public address: every absolute URL it hands out is built here.

Absolute URLs (the JSON `url` of a record, canonical links, og:image, JSON-LD ids, Web Annotation
ids, permalinks) come from `settings.SITE_URL`, never from the request's Host header: a client
chooses its Host, and a page built from one would be kept in the shared page cache and served to
everyone after it.
"""

from django.conf import settings


def absolute_url(path):
    """`path` (an absolute path such as `/cities/dalian/`) as a URL of the catalogue's site."""
    if not path.startswith("/"):
        raise ValueError(f"an absolute path is needed, not {path!r}")
    return settings.SITE_URL + path
