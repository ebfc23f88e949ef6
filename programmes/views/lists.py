"""What every list page shares: strict parameters, django-filter, facets with counts, filter chips,
sorting, pagination, and one URL in three formats (HTML, `.json`, `.csv`).

A list is described by a `Listing` (its FilterSet, its page's QuerySet method and its facets); the
views in views.py are one call each.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.shortcuts import render

from ..formats import exports
from ..http.errors import bad_request

logger = logging.getLogger(__name__)

MAX_FACET_VALUES = 30
MAX_VALUE_LENGTH = 200
PAGINATION_PARAMS = ("page", "page_size")


@dataclass
class Facet:
    param: str
    label: str
    value: str  # the lookup giving the parameter's value (slug or code)
    name: str | None = None  # the lookup giving its display name; None: use choices
    choices: dict | None = None
    phrase: str = "{label} {names}"  # how the page title says it


@dataclass
class Listing:
    title: str
    filterset_class: type
    queryset: object  # callable returning the page's QuerySet (one named method)
    template: str
    facets: list = field(default_factory=list)
    single_valued: tuple = ("q", "sort", "year_from", "year_to")
    columns: list = field(default_factory=list)  # (label, sort key or "")
    export_queryset: object = None  # the JSON and CSV twins' QuerySet method, if they need more

    @property
    def model(self):
        return self.filterset_class._meta.model


@dataclass
class Chip:
    param: str
    value: str
    label: str
    remove_url: str


@dataclass
class FacetValue:
    value: str
    name: str
    count: int
    selected: bool
    url: str


def _query(flat, drop=None, add=None):
    """The current query string minus `drop`, plus `add`, back on page 1."""
    items = [(k, v) for k, v in flat if k != "page" and (k, v) != drop]
    if add:
        items.append(add)
    return "?" + urlencode(items)


def check_parameters(request, listing, allowed):
    """400 unless every parameter is known, single where it must be, and of sane length."""
    errors = {}
    for name in request.GET:
        values = request.GET.getlist(name)
        if name not in allowed:
            errors[name] = f"unknown parameter; this list accepts: {', '.join(sorted(allowed))}"
        elif (name in listing.single_valued or name in PAGINATION_PARAMS) and len(values) > 1:
            errors[name] = "may be given only once"
        elif any(len(v) > MAX_VALUE_LENGTH for v in values):
            errors[name] = f"values are at most {MAX_VALUE_LENGTH} characters"
    return errors


def _accepts(filterset, name):
    filt = filterset.filters[name]
    field = filterset.form.fields[name]
    if hasattr(field, "choices") and not hasattr(filt, "queryset"):
        values = [str(v) for v, _ in field.choices if v != ""]
        if len(values) <= 40:
            return "accepts: " + ", ".join(values)
    if name == "sector":
        return "accepts a 5-digit OECD DAC CRS purpose code, e.g. 14022"
    if name == "sector_category":
        return "accepts a 3-digit DAC sector category code, e.g. 140"
    if hasattr(filt, "queryset"):
        return f"accepts the slug of a {filt.queryset.model._meta.verbose_name}, as in its URL"
    if name.startswith("year"):
        return "accepts a year such as 2001"
    return ""


def page_number(request, count, page_size):
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        return None, "must be a positive whole number"
    number = int(raw)
    last = max(1, -(-count // page_size))
    if number > last:
        return None, f"is past the last page ({last})"
    return number, ""


def list_view(request, listing, fmt="html"):
    allowed = set(listing.filterset_class.base_filters) | set(PAGINATION_PARAMS)
    errors = check_parameters(request, listing, allowed)
    if errors:
        return bad_request(request, errors)

    queryset = listing.queryset if fmt == "html" else listing.export_queryset or listing.queryset
    filterset = listing.filterset_class(request.GET, queryset=queryset())
    if not filterset.is_valid():
        return bad_request(
            request,
            {
                name: " ".join(msgs)
                + (f" ({_accepts(filterset, name)})" if _accepts(filterset, name) else "")
                for name, msgs in filterset.errors.items()
            },
        )

    page_size_raw = request.GET.get("page_size", str(settings.PAGE_SIZE))
    if not page_size_raw.isdigit() or not 1 <= int(page_size_raw) <= settings.MAX_PAGE_SIZE:
        return bad_request(
            request, {"page_size": f"must be a whole number from 1 to {settings.MAX_PAGE_SIZE}"}
        )
    page_size = int(page_size_raw)
    records = filterset.qs

    flat = [(k, v) for k, vs in request.GET.lists() for v in vs]
    chips = active_chips(flat, filterset)
    description = describe(chips)
    if fmt == "csv" and "page" not in request.GET:
        # A download holds every matching row, in the page's order.
        return exports.csv_response(request, listing, records, chips)

    paginator = Paginator(records, page_size)
    number, problem = page_number(request, paginator.count, page_size)
    if problem:
        return bad_request(request, {"page": problem})
    page = paginator.page(number)

    if fmt == "json":
        return exports.json_list_response(request, page, chips, description)
    if fmt == "csv":
        return exports.csv_response(request, listing, page.object_list, chips)

    context = {
        "listing": listing,
        "title": listing.title + (f" {description}" if description else ""),
        "page": page,
        "records": page.object_list,
        "filterset": filterset,
        "chips": chips,
        "facets": facet_counts(
            filterset, listing, flat, getattr(request, "catalogue_version", None)
        ),
        "columns": sort_columns(listing, filterset, flat),
        "query": flat,
        "query_string": urlencode(flat),
        "page_links": page_links(page, flat),
        "json_url": request.path.rstrip("/") + ".json" + ("?" + urlencode(flat) if flat else ""),
        "csv_url": request.path.rstrip("/")
        + ".csv"
        + (
            "?" + urlencode([(k, v) for k, v in flat if k not in PAGINATION_PARAMS]) if flat else ""
        ),
    }
    return render(request, listing.template, context)


def _filtered_without(filterset, skip):
    """The list's records under every active filter except `skip` (for that facet's counts)."""
    queryset = filterset.queryset.model._default_manager.all()
    for name, value in filterset.form.cleaned_data.items():
        if name in (skip, "sort") or value in (None, "", [], ()):
            continue
        queryset = filterset.filters[name].filter(queryset, value)
    return queryset


def repeats_values(model, path):
    """Whether one record can meet the same value of `path` twice, so that counting its rows
    would count it twice: through a reverse foreign key (a programme with one city in two roles)
    or two to-many steps. One many-to-many step cannot: its table holds each pair once."""
    steps = 0
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if field.one_to_many:
            return True
        if field.many_to_many:
            steps += 1
            if steps > 1 or not field.remote_field.through._meta.auto_created:
                return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def facet_rows(filterset, facet):
    """A facet's values with their record counts: one grouped query, at most MAX_FACET_VALUES.

    Grouped by the value alone (a code, a slug or a foreign key column), its name taken with MAX:
    grouping by value and name misleads PostgreSQL's estimate of the groups into sorting the
    whole table. COUNT(DISTINCT) only where a record can appear twice in a group (a filter that
    joins a to-many relation, or `repeats_values`). Records without a value form one group,
    dropped here rather than excluded in SQL, where across a to-many relation the exclusion is a
    correlated subquery per record.
    """
    queryset = _filtered_without(filterset, facet.param)
    distinct = queryset.query.distinct or repeats_values(queryset.model, facet.value)
    counts = {"n": Count("pk", distinct=distinct)}
    if facet.name:
        counts["facet_name"] = Max(facet.name)
    rows = (
        queryset.order_by()
        .values(facet.value)
        .annotate(**counts)
        .order_by("-n", "facet_name" if facet.name else facet.value)[: MAX_FACET_VALUES + 1]
    )
    return [row for row in rows if row[facet.value] is not None][:MAX_FACET_VALUES]


def facet_key_parts(filterset, facet):
    """The list, the facet and every other filter's values.

    A facet's counts ignore its own parameter, sorting and pagination, so `?sector=14022&page=3`
    and `?sector=14050` share the sector facet's entry.
    """
    others = sorted(
        (param, sorted(filterset.data.getlist(param)))
        for param in filterset.data
        if param not in (facet.param, "sort", *PAGINATION_PARAMS)
    )
    return [filterset._meta.model._meta.label, facet.param, others]


def version_cached(version, kind, parts, compute):
    """compute(), kept in the default cache under the catalogue version and load time plus
    `parts` (the catalogue is read-only between loads) when CACHE_FACETS is on. A reload changes
    every key, so nothing of the previous catalogue is read again (entries age out of the bounded
    cache). Without a version (no catalogue loaded) or a reachable cache, computed anew: an
    unreachable Redis must slow the site down, not take it down."""
    if not (settings.CACHE_FACETS and version):
        return compute()
    name, loaded_at = version
    digest = hashlib.sha256(repr([name, loaded_at.isoformat(), *parts]).encode()).hexdigest()
    key = f"{kind}:{digest[:40]}"
    try:
        value = caches["default"].get(key)
    except Exception:
        logger.warning("cache unavailable; computing %s", key, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            caches["default"].set(key, value)
        except Exception:
            logger.warning("cache unavailable; not storing %s", key, exc_info=True)
    return value


def cached_facet_rows(filterset, facet, version):
    return version_cached(
        version,
        "catalogue-facet",
        facet_key_parts(filterset, facet),
        lambda: facet_rows(filterset, facet),
    )


def facet_counts(filterset, listing, flat, version=None):
    facets = []
    for facet in listing.facets:
        rows = cached_facet_rows(filterset, facet, version)
        selected = set(filterset.data.getlist(facet.param))
        values = []
        for row in rows:
            value = str(row[facet.value])
            if value == "":  # a blank field (no country stated) is no value to filter by
                continue
            name = row["facet_name"] if facet.name else (facet.choices or {}).get(value, value)
            if facet.param in ("sector", "sector_category"):
                name = f"{value} {name}"
            is_selected = value in selected
            url = (
                _query(flat, drop=(facet.param, value))
                if is_selected
                else _query(flat, add=(facet.param, value))
            )
            values.append(FacetValue(value, name, row["n"], is_selected, url))
        facets.append((facet, values))
    return facets


def active_chips(flat, filterset):
    """One removable chip per active filter value, named as people know it."""
    names = {}
    for name, value in filterset.form.cleaned_data.items():
        if hasattr(value, "model"):  # records chosen by slug or code: name them
            for obj in value:
                key = getattr(obj, "code", None) or obj.slug
                names[(name, str(key))] = (
                    str(obj) if not hasattr(obj, "code") else f"{obj.code} {obj.name}"
                )
    chips = []
    for name, value in flat:
        if name in PAGINATION_PARAMS or name == "sort" or value == "":
            continue
        field = filterset.form.fields.get(name)
        label = names.get((name, value))
        if label is None and field is not None and hasattr(field, "choices"):
            label = {str(k): v for k, v in field.choices}.get(value, value)
        chips.append(Chip(name, value, label or value, _query(flat, drop=(name, value))))
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


def sort_columns(listing, filterset, flat):
    current = filterset.data.get("sort", "")
    columns = []
    for label, key in listing.columns:
        if not key:
            columns.append((label, None, ""))
            continue
        descending = current == key
        target = f"-{key}" if descending else key
        params = [(k, v) for k, v in flat if k not in ("sort", "page")] + [("sort", target)]
        state = "ascending" if current == key else "descending" if current == f"-{key}" else ""
        columns.append((label, "?" + urlencode(params), state))
    return columns


def page_links(page, flat):
    base = [(k, v) for k, v in flat if k != "page"]

    def url(n):
        return "?" + urlencode(base + [("page", n)])

    return {
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
        "first": url(1),
        "last": url(page.paginator.num_pages),
    }
