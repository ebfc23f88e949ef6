"""Lists stay cheap on large tables: DISTINCT only where a join can repeat a record, and facet
counts kept per catalogue version so that a reload is never served stale counts."""

import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from programmes.kinds import BY_KEY
from programmes.models import CatalogueVersion, FundedProject

pytestmark = pytest.mark.django_db

FACETED_LISTS = ["/projects/", "/programmes/", "/partners/", "/awards/", "/milestones/"]


@pytest.fixture
def facet_cache(settings, fresh_cache):
    """Facet counts cached, in a cache of their own so no earlier test's entries are in it."""
    settings.CACHE_FACETS = True
    return fresh_cache


def facet(response, param):
    """{value: count} of one facet of a list page."""
    return {
        value.value: value.count
        for shown, values in response.context["facets"]
        if shown.param == param
        for value in values
    }


def sql_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def new_version():
    latest = CatalogueVersion.objects.latest()
    CatalogueVersion.objects.create(
        version="1" * 64,
        loaded_at=latest.loaded_at + datetime.timedelta(seconds=1),
        counts=latest.counts,
    )


@pytest.mark.parametrize(
    "url", ["/projects/?sector=14022", "/projects/?city=dalian&instrument=loan", "/projects/"]
)
def test_it_selects_and_counts_without_distinct_when_no_filter_joins_a_to_many_relation(
    client, url
):
    # Not even the funder facet: the project–funder table holds each pair once.
    assert not [sql for sql in sql_of(client, url) if "DISTINCT" in sql]


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        (BY_KEY["project"], "/projects/"),
        (BY_KEY["project"], "/projects/?sector_category=140&instrument=loan"),
        (BY_KEY["programme"], "/programmes/"),
        (BY_KEY["programme"], "/programmes/?role=host"),
        (BY_KEY["partner"], "/partners/"),
        (BY_KEY["person"], "/people/"),
        (BY_KEY["award"], "/awards/"),
        (BY_KEY["milestone"], "/milestones/"),
        (BY_KEY["milestone"], "/milestones/?city=dalian"),
    ],
)
def test_every_facet_counts_each_matching_record_once(client, kind, url):
    """And shows every value the matching records take (the real catalogue has fewer than
    thirty of each), the most frequent first."""
    response = client.get(url)
    query = QueryDict(url.partition("?")[2])
    for facet, values in response.context["facets"]:
        others = query.copy()
        others.pop(facet.param, None)
        records = kind.filterset(others, queryset=kind.model.objects.all()).qs
        for value in values:
            expected = records.filter(**{facet.value: value.value}).distinct().count()
            assert value.count == expected, (url, facet.param, value.value)
        taken = {str(v) for v in records.values_list(facet.value, flat=True) if v not in (None, "")}
        assert {value.value for value in values} == taken, (url, facet.param)
        counts = [value.count for value in values]
        assert counts == sorted(counts, reverse=True), (url, facet.param)


def test_it_keeps_distinct_where_a_filter_joins_a_to_many_relation(client):
    partner = FundedProject.objects.filter(funders__isnull=False).first().funders.first()
    queries = sql_of(client, f"/projects/?funder={partner.slug}")
    assert any(sql.startswith("SELECT DISTINCT") for sql in queries)
    response = client.get(f"/projects/?funder={partner.slug}")
    expected = FundedProject.objects.filter(funders=partner).count()
    assert response.context["page"].paginator.count == expected


@pytest.mark.parametrize("url", FACETED_LISTS)
def test_it_serves_the_same_facets_from_the_facet_cache(client, url, settings, facet_cache):
    first = client.get(url)
    cached = client.get(url)
    settings.CACHE_FACETS = False
    uncached = client.get(url)
    assert first.content == cached.content == uncached.content


def facet_queries(client, url):
    return len([sql for sql in sql_of(client, url) if 'AS "n"' in sql])


def test_a_cached_facet_costs_no_query_and_ignores_its_own_parameter(client, facet_cache):
    # The sector facet of ?sector= counts the whole table: the loader counted it.
    assert facet_queries(client, "/projects/?sector=14022") == 6
    # The sector facet ignores ?sector=, and pages and sorting do not change any facet.
    assert facet_queries(client, "/projects/?sector=14050&sort=title") == 6
    assert facet_queries(client, "/projects/?sector=14022&sort=title&page=1") == 0
    # Another filter changes the other facets' counts: all but the city facet's counted anew.
    assert facet_queries(client, "/projects/?sector=14022&city=dalian") == 6


def test_a_reload_is_never_served_stale_facet_counts(client, facet_cache):
    url = "/projects/?city=dalian"
    counts = facet(client.get(url), "sector")
    assert counts["14022"] > 0
    FundedProject.objects.filter(city__slug="dalian", sector_id="14022").update(sector_id="14050")
    # Without a reload the catalogue has not changed, as far as the site knows: cached counts.
    assert facet(client.get(url), "sector") == counts
    new_version()
    fresh = facet(client.get(url), "sector")
    assert "14022" not in fresh
    assert fresh["14050"] == counts["14022"] + counts.get("14050", 0)


def test_it_counts_facets_anew_when_the_facet_cache_is_off(client, settings):
    settings.CACHE_FACETS = False
    url = "/projects/?city=dalian"
    counts = facet(client.get(url), "sector")
    FundedProject.objects.filter(city__slug="dalian", sector_id="14022").update(sector_id="14050")
    assert facet(client.get(url), "sector") != counts


def test_each_source_row_shows_its_shortest_passage_the_earliest_of_equal_length(client):
    from programmes.models import Source

    sources = list(Source.objects.for_list())
    assert sources
    for source in sources:
        passages = sorted(source.passages.all(), key=lambda p: (len(p.quote), p.start))
        assert [p.pk for p in source.shortest] == [passages[0].pk], source.slug


def test_the_source_list_finds_each_shortest_passage_through_its_index():
    from programmes.models import Source

    # The page's sources with their shortest passages: 1 query, measuring no quote.
    with CaptureQueriesContext(connection) as captured:
        rows = list(Source.objects.for_list()[:50])
        assert all(row.shortest[0].source is row for row in rows)
    assert len(captured.captured_queries) == 1
    assert "LENGTH(" not in captured.captured_queries[0]["sql"].upper()


@pytest.mark.parametrize(
    ("url", "table"),
    [
        ("/projects/?programme={programme}", "programme"),
        ("/projects/?city=dalian", "city"),
        ("/projects/?sector=14022", "sector"),
    ],
)
def test_a_chip_names_its_record_without_reading_every_record_of_its_kind(client, url, table):
    from programmes.models import Programme

    programme = Programme.objects.filter(funded_projects__isnull=False).first()
    url = url.format(programme=programme.slug)
    response = client.get(url)
    chip = response.context["chips"][0]
    assert chip.label not in ("", chip.value)
    # The filter's choices are every record of the kind: read, they are one unfiltered query.
    every = f'FROM "programmes_{table}" ORDER BY'
    assert not [sql for sql in sql_of(client, url) if every in sql]


@pytest.mark.parametrize("url", ["/partners/?country=JP", "/cities/?country=CN"])
def test_the_country_choices_are_the_distinct_countries_alone(client, url):
    # The model's ordering by name would join the DISTINCT: one row per record, not per country.
    choices = [sql for sql in sql_of(client, url) if 'SELECT DISTINCT "programmes_' in sql]
    assert choices
    assert not [sql for sql in choices if '."name"' in sql]
