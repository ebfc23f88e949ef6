import functools

from ..models import Source


def catalogue(request):
    """The catalogue version and sources, for every page's footer.

    The version is the one the cache middleware read for this request (no second query); the
    sources are one query, made only by a page that shows the footer."""

    @functools.cache
    def footer_sources():
        # At most six: the footer names five and links the rest, whatever the catalogue's size.
        return list(Source.objects.only("slug", "title", "author", "date")[:6])

    return {
        "catalogue_version": getattr(request, "catalogue_version", None),
        "footer_sources": footer_sources,
    }
