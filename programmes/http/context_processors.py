import functools

from ..models import CatalogueVersion, Source


def catalogue(request):
    """The catalogue version and sources, for every page's footer; one query each, lazily."""

    @functools.cache
    def catalogue_version():
        # Read by the synthetic-data banner and the footer: once per page.
        return CatalogueVersion.objects.order_by("-loaded_at").first()

    @functools.cache
    def footer_sources():
        # At most six: the footer names five and links the rest, whatever the catalogue's size.
        return list(Source.objects.only("slug", "title", "author", "date")[:6])

    return {
        "catalogue_version": catalogue_version,
        "footer_sources": footer_sources,
    }
