"""Facet counts, funding charts and record counts computed once per catalogue version, when it is
loaded: the lists read them instead of counting, and show exactly what counting shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmes.kinds import KINDS
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
    # A facet's grouped query (LIMIT MAX_FACET_VALUES + 1), the page count, the chart's sums.
    return [
        q["sql"]
        for q in captured.captured_queries
        if " LIMIT 31" in q["sql"] or '"__count"' in q["sql"] or 'SUM("programmes' in q["sql"]
    ]


@pytest.mark.parametrize("url", [kind.list_url() for kind in KINDS])
def test_a_list_without_filters_counts_nothing_itself(client, url):
    assert facet_and_count_queries(client, url) == []


def test_a_single_filter_of_a_summarised_value_counts_nothing(client, every_value_summarised):
    assert facet_and_count_queries(client, "/projects/?sector=14022") == []
    assert facet_and_count_queries(client, "/projects/?status=completed&sort=title&page=1") == []


def test_other_filters_are_counted_and_the_filters_own_facet_is_read(client):
    queries = facet_and_count_queries(client, "/projects/?sector=14022&city=dalian")
    facets = [sql for sql in queries if " LIMIT 31" in sql]
    assert len(facets) == 7  # every facet, each under the other filter
    single = facet_and_count_queries(client, "/projects/?sector=14022")
    assert not [sql for sql in single if '"sector__code"' in sql]  # its own facet: the summary


def test_a_reload_stores_new_summaries_and_drops_the_old():
    from django.conf import settings

    from programmes.loading.loader import load_catalogue

    new = load_catalogue(settings.FIXTURES_DIR)
    assert set(ListSummary.objects.values_list("version_id", flat=True)) == {new.pk}
    assert ListSummary.objects.filter(version=new, param="").count() == len(KINDS)
