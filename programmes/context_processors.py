from .models import CatalogueVersion, Source


def catalogue(request):
    """The catalogue version and sources, for every page's footer; one query each, lazily."""
    return {
        "catalogue_version": lambda: CatalogueVersion.objects.order_by("-loaded_at").first(),
        "footer_sources": lambda: list(Source.objects.only("slug", "title", "author", "date")),
    }
