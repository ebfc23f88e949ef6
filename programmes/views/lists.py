"""Every list page and its `.json` and `.csv` twins: one view, given the kind's registry entry.

The parameters are checked by `lists.parameters` (unknown names, then the FilterSet and the
`PageForm`), the records filtered by the kind's FilterSet over its page's QuerySet method, the
facets counted by the kind's `Facet`s (kept per catalogue version), and the page drawn with
everything it shows computed here: chips, title, sort links, page links, the pictures.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.shortcuts import render
from django.utils.safestring import mark_safe

from ..formats import exports
from ..http.caching import computed_once
from ..http.errors import bad_request
from ..kinds import BY_KEY
from ..lists.paging import KeysFirstPaginator
from ..lists.parameters import (
    MAX_VALUE_LENGTH,
    PAGE_PARAMETERS,
    PageForm,
    filter_errors,
    flat,
    link,
    unknown_parameters,
)
from ..models import ListSummary
from ..pictures import drawings, funding
from . import descriptions, downloads, pictures


@dataclass
class Chip:
    param: str
    value: str
    label: str
    remove_url: str


def list_page(request, kind, format="html"):
    errors = unknown_parameters(request.GET, kind.filterset)
    if errors:
        return bad_request(request, errors)
    filterset = kind.filterset(request.GET, queryset=kind.list_queryset(format))
    paging = PageForm(request.GET)
    errors = filter_errors(filterset) if not filterset.is_valid() else {}
    if not paging.is_valid():
        errors.update(paging.errors)
    if errors:
        return bad_request(request, errors)

    records = filterset.qs
    pairs = flat(request.GET)
    chips = active_chips(pairs, filterset)
    description = describe(chips)
    if format == "csv" and "page" not in request.GET:
        # A download holds every matching row, in the page's order; the whole list's is a file.
        if not request.GET and getattr(request, "catalogue_version", None):
            return downloads.list_csv(request, kind, records)
        return exports.csv_response(request, kind, records, chips)

    summary = _summary(request, kind, filterset)
    paginator = KeysFirstPaginator(records, paging.cleaned_data["page_size"])
    if "count" in summary:  # counted when the catalogue was loaded
        paginator.count = summary["count"]
    last = max(1, paginator.num_pages)
    if paging.cleaned_data["page"] > last:
        return bad_request(request, {"page": f"is past the last page ({last})"})
    if format == "csv":  # one page of the download
        keys = paginator.page_keys(paging.cleaned_data["page"])
        return exports.csv_response(request, kind, records, chips, keys=keys)
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
    picture = PICTURES.get(kind.key)
    if picture:
        context.update(picture(request, filterset, rows, summary))
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
        if name not in ("sort", *PAGE_PARAMETERS) and any(values)
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


# --- the pictures some lists draw: kind key -> context ------------------------------------------


def _funding_chart(request, filterset, rows, summary):
    """The funded projects as filtered (every page, not this one), summed in the database and
    kept per catalogue version like the facet counts (the totals depend only on the filters);
    without filters or with one, computed when the catalogue was loaded."""
    # The table's groups are values of the list's facets: it says what their facets say of them.
    notes = {facet.param: facet.interpreted for facet in BY_KEY["project"].facets}
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


def _map(request, filterset, rows, summary):
    """The map of every city, whatever the filters: drawn when the catalogue was loaded."""
    if "map" in summary:
        return {"map_drawn": mark_safe(summary["map"])}
    return {"map": pictures.city_map()}


def _timeline(request, filterset, rows, summary):
    return {"timeline": drawings.timeline(rows)}


PICTURES = {"project": _funding_chart, "city": _map, "milestone": _timeline}


# --- what the page says about its filters -------------------------------------------------------


def active_chips(pairs, filterset):
    """One removable chip per active filter value, named as people know it."""
    names = {}
    for name, value in filterset.form.cleaned_data.items():
        # Records chosen by slug or code (a list of them): named here, from the records the
        # filter found, so that no chip reads its field's choices (every programme, on a large
        # catalogue ten thousand rows).
        chosen = value if isinstance(value, (list, tuple, QuerySet)) else ()
        for obj in chosen:
            if isinstance(obj, Model):
                key = getattr(obj, "code", None) or obj.slug
                names[(name, str(key))] = (
                    str(obj) if not hasattr(obj, "code") else f"{obj.code} {obj.name}"
                )
    chips = []
    for name, value in pairs:
        if name in PAGE_PARAMETERS or name == "sort" or value == "":
            continue
        field = filterset.form.fields.get(name)
        label = names.get((name, value))
        if label is None and field is not None and hasattr(field, "choices"):
            label = {str(k): v for k, v in field.choices}.get(value, value)
        chips.append(Chip(name, value, label or value, link(pairs, drop=(name, value))))
    return chips


PHRASES = {
    "sector": "in sector {}",
    "sector_category": "in sector category {}",
    "city": "in {}",
    "programme": "under {}",
    "funder": "funded by {}",
    "partner": "with {}",
    "instrument": "by instrument {}",
    "status": "with status {}",
    "kind": "of kind {}",
    "role": "with role {}",
    "country": "in country {}",
    "recipient": "awarded to {}",
    "conferred_by": "conferred by {}",
    "recommended_by": "recommended by {}",
    "organisation": "of {}",
    "year_from": "from {}",
    "year_to": "to {}",
    "q": "matching “{}”",
}


def describe(chips):
    """What is filtered, in words: "in sector 14022 Sanitation - large systems"."""
    grouped = {}
    for chip in chips:
        grouped.setdefault(chip.param, []).append(chip.label)
    return " ".join(
        PHRASES.get(param, param + " {}").format(" or ".join(labels))
        for param, labels in grouped.items()
    )


def sort_columns(kind, filterset, pairs):
    current = filterset.data.get("sort", "")
    columns = []
    for label, key in kind.columns:
        if not key:
            columns.append((label, None, ""))
            continue
        target = f"-{key}" if current == key else key
        params = [(k, v) for k, v in pairs if k not in ("sort", "page")] + [("sort", target)]
        state = "ascending" if current == key else "descending" if current == f"-{key}" else ""
        columns.append((label, "?" + urlencode(params), state))
    return columns


def page_links(page, pairs):
    def url(n):
        return link(pairs, add=("page", n))

    return {
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
        "first": url(1),
        "last": url(page.paginator.num_pages),
    }
