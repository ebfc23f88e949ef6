"""Every record page and its `.json` twin: one view, given the kind's registry entry; and the home
page. A record page shows the record (its kind's `for_detail()` QuerySet method), what its head
says to machines and sharing sites (`linked_data`), what `related` adds for its kind (the
function its entry names), and breadcrumbs Home › list › record.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe

from .. import kinds, models
from ..formats import descriptions, exports
from ..http.errors import bad_request, unknown_parameters
from ..loading import datapackage
from ..loading import releases as history
from . import pictures, related
from .linked_data import dataset_script, linked_data


def record_page(request, slug, kind, format="html"):
    record = get_object_or_404(kind.detail_queryset(), slug=slug)
    refused = unknown_parameters(request, kind.parameters if format == "html" else ())
    if refused:
        return refused
    if format == "json":
        return exports.detail_json_response(request, kind, record)
    if format != "html":
        raise Http404("no such format")
    context = {
        "record": record,
        kind.key: record,
        "list_url": kind.list_url(),
        "list_title": kind.title,
        "ld": linked_data(request, kind, record),
    }
    if kind.related:
        try:
            context.update(getattr(related, kind.related)(record, request))
        except related.PageError as error:
            return bad_request(request, error.errors)
    context["ld"].description = descriptions.for_record(kind, record, context)
    return render(request, kind.detail_template, context)


def record_text(request, slug, kind):
    """The record's whole text as it was loaded (a source's, byte for byte as its file), in
    which its passages' `start` and `end` count code points."""
    record = get_object_or_404(kind.model.objects.only("slug", kind.text), slug=slug)
    return unknown_parameters(request, ()) or HttpResponse(
        getattr(record, kind.text), content_type="text/plain; charset=utf-8"
    )


def _home_summary(version):
    """The catalogue's record counts and its map as the load stored them for `version` (a
    COUNT of every table and the map of every city cost hundreds of milliseconds on a large
    catalogue); counted and drawn here when nothing was stored. Two queries."""
    if version is None:
        return kinds.counts(), None
    stored = models.CatalogueVersion.objects.filter(pk=version.pk).values_list("counts", flat=True)
    counts = stored.first() or kinds.counts()
    # The map of every city is drawn, when the catalogue is loaded, with the list that shows it.
    mapped = next(kind for kind in kinds.KINDS if kind.picture == "map")
    drawn = models.ListSummary.objects.for_list(version, mapped.key).get("map")
    return counts, mark_safe(drawn) if drawn else None  # the loader's drawing, escaped when drawn


def home(request):
    version = getattr(request, "catalogue_version", None)
    counts, drawn_map = _home_summary(version)
    cited = history.of(version)  # dated as the release: the day the site first held it
    release = (
        {
            "version": version.version[:12],
            "catalogue_version": version.version,
            "citation": datapackage.citation_text(cited, settings.SITE_URL.rstrip("/")),
        }
        if version
        else None
    )
    dated = models.Milestone.objects.filter(date__isnull=False)
    return render(
        request,
        "programmes/home.html",
        {
            "counts": counts,
            "sources": models.Source.objects.for_home(),
            "oldest": dated.order_by("date", "title").first(),
            "newest": dated.order_by("-date", "title").first(),
            "map": None if drawn_map else pictures.city_map(),
            "map_drawn": drawn_map,
            "page_description": descriptions.for_home(counts),
            "package": release,
            "dataset_ld": dataset_script(cited),
        },
    )
