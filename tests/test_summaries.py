"""Facet counts, funding charts and record counts computed once per catalogue version, when it is
loaded: the lists read them instead of counting, and show exactly what counting shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmes.kinds import KINDS
from programmes.lists.facets import MAX_FACET_VALUES
from programmes.loading import summaries
from programmes.models import CatalogueVersion, ListSummary
from programmes.views import lists

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_value_summarised():
    """Summaries for every single filter value, not only those matching MIN_ROWS records (the
    real catalogue has none that large)."""
    version = CatalogueVersion.objects.latest()
    ListSummary.objects.filter(version=version).delete()
    summaries.write(version, min_rows=0)
    return version


def list_urls():
    urls = []
    for kind in KINDS:
        urls.append(kind.list_url())
        for facet in kind.facets:
            values = [
                str(row[facet.value]) for row in summaries.summary(kind, {})["facets"][facet.param]
            ]
            for value in [v for v in values if v][:3]:
                urls.append(f"{kind.list_url()}?{facet.param}={value}")
    return urls


def test_loading_stores_the_unfiltered_summary_of_every_list():
    version = CatalogueVersion.objects.latest()
    stored = {s.kind: s.data for s in ListSummary.objects.filter(version=version, param="")}
    assert set(stored) == {kind.key for kind in KINDS}
    for kind in KINDS:
        assert stored[kind.key]["count"] == kind.model.objects.count()
        assert set(stored[kind.key]["facets"]) == {facet.param for facet in kind.facets}
    assert stored["project"]["chart"]["category"]


def test_a_summarised_list_is_the_list_as_counted(client, every_value_summarised, monkeypatch):
    urls = list_urls()
    assert len(urls) > len(KINDS) * 2
    summarised = {url: client.get(url) for url in urls}
    monkeypatch.setattr(lists, "_summary", lambda request, kind, filterset: {})
    for url in urls:
        counted = client.get(url)
        assert counted.status_code == summarised[url].status_code == 200, url
        assert counted.content == summarised[url].content, url


def facet_and_count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    # A facet's grouped query, the page count, the chart's sums.
    return [
        q["sql"]
        for q in captured.captured_queries
        if is_facet(q["sql"]) or '"__count"' in q["sql"] or 'SUM("programmes' in q["sql"]
    ]


def is_facet(sql):
    """A facet's query groups the records and asks for MAX_FACET_VALUES groups (named ones) or
    one more (the others, which drop the group of records without a value); a page's keys, of a
    list that has as many records, are no facet."""
    return "GROUP BY" in sql and sql.endswith(
        (f" LIMIT {MAX_FACET_VALUES}", f" LIMIT {MAX_FACET_VALUES + 1}")
    )


@pytest.mark.parametrize("url", [kind.list_url() for kind in KINDS])
def test_a_list_without_filters_counts_nothing_itself(client, url):
    assert facet_and_count_queries(client, url) == []


def test_a_single_filter_of_a_summarised_value_counts_nothing(client, every_value_summarised):
    assert facet_and_count_queries(client, "/projects/?sector=14022") == []
    assert facet_and_count_queries(client, "/projects/?status=completed&sort=title&page=1") == []


def test_other_filters_are_counted_and_the_filters_own_facet_is_read(client):
    queries = facet_and_count_queries(client, "/projects/?sector=14022&city=dalian")
    facets = [sql for sql in queries if is_facet(sql)]
    assert len(facets) == 7  # every facet, each under the other filter
    single = facet_and_count_queries(client, "/projects/?sector=14022")
    facets = [sql for sql in single if is_facet(sql)]
    assert len(facets) == 6  # its own facet: the summary's
    assert not [sql for sql in facets if '"sector_id" AS "facet_key"' in sql]


def test_a_reload_stores_new_summaries_and_drops_the_old():
    from django.conf import settings

    from programmes.loading.loader import load_catalogue

    new = load_catalogue(settings.FIXTURES_DIR)
    assert set(ListSummary.objects.values_list("version_id", flat=True)) == {new.pk}
    assert ListSummary.objects.filter(version=new, param="").count() == len(KINDS)


def test_the_city_map_and_the_funding_chart_are_drawn_when_the_catalogue_is_loaded(client):
    # /cities/ and /projects/ read their pictures from the summary: no query fetches what the
    # map shows (each programme's cities, `AS "place"`) or what the chart sums (no SUM), and
    # they are the pictures drawn per request.
    drawn = {
        url: client.get(url).content for url in ("/cities/", "/projects/", "/cities/?country=JP")
    }
    for url in drawn:
        sql = [q["sql"] for q in _queries(client, url)]
        assert not [s for s in sql if 'AS "place"' in s or "SUM(" in s], url
    ListSummary.objects.all().delete()
    for url, content in drawn.items():
        assert client.get(url).content == content, url


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return captured.captured_queries


def test_summarise_computes_the_summaries_of_the_loaded_catalogue_again():
    from django.core.management import call_command

    version = CatalogueVersion.objects.latest()
    stored = {(s.kind, s.param, s.value): s.data for s in ListSummary.objects.all()}
    ListSummary.objects.filter(kind="city").delete()
    call_command("summarise", verbosity=0)
    again = {
        (s.kind, s.param, s.value): s.data for s in ListSummary.objects.filter(version=version)
    }
    assert again == stored


def test_the_home_page_reads_its_counts_and_map_from_the_load_and_shows_what_counting_shows(
    client,
):
    with CaptureQueriesContext(connection) as stored:
        from_load = client.get("/").content
    counted_tables = [q["sql"] for q in stored.captured_queries if "COUNT(*)" in q["sql"]]
    assert not any("programmes_fundedproject" in sql for sql in counted_tables), counted_tables
    assert b'class="picture picture-map"' in from_load
    version = CatalogueVersion.objects.latest()
    ListSummary.objects.filter(version=version).delete()
    CatalogueVersion.objects.filter(pk=version.pk).update(counts={})
    assert client.get("/").content == from_load  # counted and drawn for the request


def test_a_summarised_lists_first_page_is_the_page_its_query_gives(client):
    """The loader stores each summarised list's first page of keys (a frequent value's first
    page then sorts nothing); the page, its JSON twin and a page asked in another order are
    those the queries give."""
    version = CatalogueVersion.objects.latest()
    for kind in KINDS:
        stored = ListSummary.objects.get(version=version, kind=kind.key, param="").data
        expected = list(kind.list_queryset().values_list("pk", flat=True)[:50])
        assert stored["first_keys"][:50] == expected, kind.key
        # The JSON rows are in the same order, so the stored keys serve them too.
        assert list(kind.list_queryset("json").values_list("pk", flat=True)[:50]) == expected
    projects = next(kind for kind in KINDS if kind.key == "project").model.objects
    rows = client.get("/projects.json?page_size=5").json()["results"]
    assert [r["slug"] for r in rows] == list(projects.for_list().values_list("slug", flat=True)[:5])
    by_title = client.get("/projects.json?page_size=5&sort=-title").json()["results"]
    assert [r["slug"] for r in by_title] == list(
        projects.order_by("-title", "pk").values_list("slug", flat=True)[:5]
    )
