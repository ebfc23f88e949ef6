import functools

from .models import CatalogueVersion, Source


def catalogue(request):
    """The catalogue version and sources, for every page's footer; one query each, lazily."""

    @functools.cache
    def catalogue_version():
        # Read by the synthetic-data banner and the footer: once per page.
        return CatalogueVersion.objects.order_by("-loaded_at").first()

    return {
        "catalogue_version": catalogue_version,
        # At most six: the footer names five and links the rest, whatever the catalogue's size.
        "footer_sources": lambda: list(Source.objects.only("slug", "title", "author", "date")[:6]),
    }
