"""What every list needs whatever page or sort is asked for, computed once per catalogue version.

A list's facet counts, its funding chart and its number of records depend only on its filters.
Without filters, or with one filter whose value matches many records (`?status=completed` holds
a quarter of the projects), counting them at request time reads a large part of the table: on a
million projects, seconds. So the loader, `load_dump` and `synthesize` store them, in the same
transaction as the catalogue, as `ListSummary` rows (`models.ListSummary`), each computed by the
very code the list view runs (the kind's FilterSet, `Facet.rows`, `funding.funding_rows`), so a
summarised list and a counted one cannot differ. A filter value matching fewer records than
MIN_ROWS is left to the view: its queries read only those records, through an index.
"""

from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import connections, router
from django.http import QueryDict

from ..kinds import KINDS
from ..models import ListSummary
from ..pictures import drawings, funding, maps

MIN_ROWS = 1000


def summary(kind, query):
    """The summary of the kind's list under `query` (a dict of one parameter, or empty)."""
    data = QueryDict(mutable=True)
    for param, value in query.items():
        data[param] = value
    filterset = kind.filterset(data, queryset=kind.list_queryset())
    if not filterset.is_valid():
        return None
    data = {
        "count": filterset.qs.count(),
        # The first page's keys in the list's own order: a frequent value's first page then
        # needs no sort of every record it matches (18,000 projects of one sector category).
        "first_keys": list(filterset.qs.values_list("pk", flat=True)[: settings.PAGE_SIZE]),
        # A facet ignores its own parameter: under `?status=funded` the status facet is the
        # unfiltered list's (ListSummary.objects.for_list reads it from there), so it is not
        # counted again over the whole table for every value.
        "facets": {
            facet.param: facet.rows(filterset) for facet in kind.facets if facet.param not in query
        },
    }
    if kind.picture == "map" and not query:
        # The map of every city, whatever the list's filters: drawn here, not per request.
        data["map"] = maps.city_map_html()
    if kind.picture == "funding_chart":
        groups = funding.funding_rows(filterset.qs)
        data["chart"] = funding.to_json(groups)
        # Drawn once here: the bars depend on the totals alone.
        data["chart_svg"] = str(drawings.draw_funding_chart(groups).svg)
    return data


def write(version, using="default", min_rows=MIN_ROWS):
    """Store the summaries of `version` (the catalogue just written, in `using`).

    First the database's statistics are refreshed: without them SQLite's planner scans and sorts
    the whole projects table for a page of the default order, where the indexes give it
    directly (the programmes by name, each one's projects by title)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The catalogue's own tables: a bare ANALYZE also takes the cluster's shared system
            # catalogues, and waits for any other database's ANALYZE of them.
            tables = [m._meta.db_table for m in apps.get_app_config("programmes").get_models()]
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
        else:
            cursor.execute("ANALYZE")
    rows = []
    with reading_from(using):
        for kind in KINDS:
            unfiltered = summary(kind, {})
            rows.append(ListSummary(version=version, kind=kind.key, data=unfiltered))
            for facet in kind.facets:
                for row in unfiltered["facets"][facet.param]:
                    value = str(row[facet.value])
                    if row["n"] < min_rows or value == "":  # a blank is no value to filter by
                        continue
                    data = summary(kind, {facet.param: value})
                    if data is not None:
                        rows.append(
                            ListSummary(
                                version=version,
                                kind=kind.key,
                                param=facet.param,
                                value=value,
                                data=data,
                            )
                        )
    ListSummary.objects.using(using).bulk_create(rows)
    return rows


class _Only:
    def __init__(self, alias):
        self.alias = alias

    def db_for_read(self, model, **hints):
        return self.alias

    def db_for_write(self, model, **hints):
        return self.alias


@contextmanager
def reading_from(alias):
    """The list code queries through the default manager; `synthesize` writes to another
    database, which the summaries must read."""
    if alias == "default":
        yield
        return
    saved = router.__dict__.get("routers")
    router.routers = [_Only(alias)]
    try:
        yield
    finally:
        if saved is None:
            del router.routers
        else:
            router.routers = saved
