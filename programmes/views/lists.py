"""Every list page and its `.json` and `.csv` twins: one view, given the kind's registry entry.

The parameters are checked by `lists.parameters` (unknown names, then the FilterSet and the
`PageForm`), the records filtered by the kind's FilterSet over its page's QuerySet method, the
facets counted by the kind's `Facet`s (kept per catalogue version), and the page drawn with
everything it shows: chips, the title's words, sort links and page links (`lists.links`), and
the picture its kind's entry names (`PICTURES`).
"""

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils.safestring import mark_safe

from ..formats import descriptions, exports
from ..http.caching import computed_once
from ..http.errors import bad_request
from ..lists.links import active_chips, describe, page_links, sort_columns
from ..lists.paging import KeysFirstPaginator
from ..lists.parameters import (
    CSV_PARAMETERS,
    MAX_VALUE_LENGTH,
    PAGE_PARAMETERS,
    checked,
    flat,
    wants_bom,
)
from ..models import ListSummary
from ..pictures import drawings, funding
from . import downloads, pictures


def list_page(request, kind, format="html"):
    data = request.GET
    filterset, paging, errors = checked(data, kind.filterset, kind.list_queryset(format), format)
    if errors:
        return bad_request(request, errors)

    records = filterset.qs
    pairs = flat(data)
    chips = active_chips(pairs, filterset)
    description = describe(chips, filterset)
    bom = wants_bom(data)
    if format == "csv" and "page" not in data:
        # A download holds every matching row, in the page's order; the whole list's is a file.
        whole = set(data) <= set(CSV_PARAMETERS)
        if whole and getattr(request, "catalogue_version", None):
            return downloads.list_csv(request, kind, records, bom)
        stream = exports.csv_chunks(kind, records)
        return exports.csv_response(request, kind, stream, chips, bom)

    summary = _summary(request, kind, filterset)
    in_own_order = not filterset.form.cleaned_data.get("sort")
    paginator = KeysFirstPaginator(
        records,
        paging.cleaned_data["page_size"],
        first_keys=summary.get("first_keys", ()) if in_own_order else (),
    )
    if "count" in summary:  # counted when the catalogue was loaded
        paginator.count = summary["count"]
    last = max(1, paginator.num_pages)
    if paging.cleaned_data["page"] > last:
        # A well-formed page number of a page there is not: not found, as Django's ListView.
        return bad_request(request, {"page": f"is past the last page ({last})"}, status=404)
    if format == "csv":  # one page of the download
        keys = paginator.page_keys(paging.cleaned_data["page"])
        stream = exports.csv_chunks(kind, records, keys)
        return exports.csv_response(request, kind, stream, chips, bom)
    page = paginator.page(paging.cleaned_data["page"])

    if format == "json":
        return exports.json_list_response(request, kind, page, chips, description)

    rows = list(page.object_list)
    context = {
        "kind": kind,
        "title": kind.title + (f" {description}" if description else ""),
        "page": page,
        "records": rows,
        "filterset": filterset,
        "chips": chips,
        "facets": [
            (
                facet,
                facet.values(_facet_rows(request, facet, filterset, summary), filterset, pairs),
            )
            for facet in kind.facets
        ],
        "columns": sort_columns(kind, filterset, pairs),
        "query": pairs,
        "max_value_length": MAX_VALUE_LENGTH,
        "query_string": urlencode(pairs),
        "page_links": page_links(page, pairs),
        "json_url": _twin(request, ".json", pairs),
        "csv_url": _twin(request, ".csv", [(k, v) for k, v in pairs if k not in PAGE_PARAMETERS]),
        "page_description": descriptions.for_list(kind, page.paginator.count, description),
    }
    if kind.picture:
        context.update(PICTURES[kind.picture](request, kind, filterset, rows, summary))
    return render(request, kind.list_template, context)


def _twin(request, suffix, pairs):
    return request.path.rstrip("/") + suffix + ("?" + urlencode(pairs) if pairs else "")


def _summary(request, kind, filterset):
    """What the loader computed for this list (`loading.summaries`): without filters, or with a
    single filter of one value; {} for any other list, or one the loader left to the view."""
    version = getattr(request, "catalogue_version", None)
    active = [
        (name, values)
        for name, values in filterset.data.lists()
        if name not in ("sort", *PAGE_PARAMETERS, *CSV_PARAMETERS) and any(values)
    ]
    if version is None or len(active) > 1 or (active and len(active[0][1]) > 1):
        return {}
    param, value = (active[0][0], active[0][1][0]) if active else ("", "")
    if param and param not in {facet.param for facet in kind.facets}:
        return {}
    return computed_once(
        request,
        ["catalogue-summary", kind.key, param, value],
        lambda: ListSummary.objects.for_list(version, kind.key, param, value),
    )


def _facet_rows(request, facet, filterset, summary):
    rows = summary.get("facets", {}).get(facet.param)
    if rows is not None:
        return rows
    return computed_once(request, facet.cache_key(filterset), lambda: facet.rows(filterset))


# --- the pictures some lists draw (`Kind.picture`): picture -> context --------------------------


def _funding_chart(request, kind, filterset, rows, summary):
    """The funded projects as filtered (every page, not this one), summed in the database and
    kept per catalogue version like the facet counts (the totals depend only on the filters);
    without filters or with one, computed when the catalogue was loaded."""
    # The table's groups are values of the list's facets: it says what their facets say of them.
    notes = {facet.param: facet.interpreted for facet in kind.facets}
    if "chart_svg" in summary:  # drawn when the catalogue was loaded
        groups = funding.from_json(summary["chart"])
        svg = mark_safe(summary["chart_svg"])  # the loader's own drawing, escaped when drawn
        chart = drawings.drawn_funding_chart(groups, svg)
    else:
        if "chart" in summary:
            groups = funding.from_json(summary["chart"])
        else:
            projects = filterset.qs
            groups = computed_once(
                request,
                ["catalogue-funding-chart", str(projects.order_by().values("pk").query)],
                lambda: pictures.funding_rows(projects),
            )
        chart = drawings.draw_funding_chart(groups)
    return {"funding_chart": chart, "funding_notes": notes}


def _map(request, kind, filterset, rows, summary):
    """The map of every city, whatever the filters: drawn when the catalogue was loaded."""
    if "map" in summary:
        return {"map_drawn": mark_safe(summary["map"])}
    return {"map": pictures.city_map()}


def _timeline(request, kind, filterset, rows, summary):
    return {"timeline": drawings.timeline(rows)}


PICTURES = {"funding_chart": _funding_chart, "map": _map, "timeline": _timeline}
