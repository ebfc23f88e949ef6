"""Browsing: every page answers, shows verbatim cited passages, filters and facets agree, and bad
filter values get a 400 that says what was wrong."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.html import escape

from programmes.kinds import CITED, KINDS
from programmes.models import (
    City,
    FundedProject,
    Milestone,
    Partner,
    Passage,
    Programme,
    Source,
)
from programmes.views.related import READER_PAGE

from .test_scale import queries

pytestmark = pytest.mark.django_db

LIST_URLS = [
    "/",
    "/cities/",
    "/programmes/",
    "/partners/",
    "/people/",
    "/awards/",
    "/projects/",
    "/milestones/",
    "/sources/",
]
PASSAGE_LINK = re.compile(r'href="(/sources/([-\w]+)/#passage-(\d+)-(\d+))"')


def _html(response):
    return response.content.decode()


def _assert_cites_a_verbatim_passage(html):
    links = PASSAGE_LINK.findall(html)
    assert links, "no link to a passage in the source reader"
    # A span names a passage within its source: sources may share spans.
    passages = {
        (p.source.slug, p.start, p.end): p for p in Passage.objects.select_related("source")
    }
    for _, source, start, end in links:
        passage = passages[(source, int(start), int(end))]
        assert (
            escape(passage.quote).replace("\n", "<br>") in html
            or escape(passage.quote[:40]) in html
        )


@pytest.mark.parametrize("url", LIST_URLS[1:])
def test_it_serves_every_list_with_verbatim_passages(client, url):
    response = client.get(url)
    assert response.status_code == 200
    _assert_cites_a_verbatim_passage(_html(response))


def test_it_serves_every_record_page_with_its_passages(client):
    urls = [r.get_absolute_url() for kind in CITED for r in kind.model.objects.all()]
    urls += [s.get_absolute_url() for s in Source.objects.all()]
    assert len(urls) > 70
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        try:
            _assert_cites_a_verbatim_passage(_html(response))
        except AssertionError as exc:
            raise AssertionError(url) from exc


def test_each_citation_names_its_source_and_speaker(client):
    html = _html(client.get("/projects/sewage-processing-plant-1/"))
    assert "<blockquote" in html and "<cite>" in html
    assert "Environmental Protection and International Cooperation in Dalian" in html
    assert "Liang Hongjun" in html and "17 October 2003" in html
    assert "two sewage processing plant projects" in html


def test_the_source_reader_anchors_and_lists_every_passage(client):
    for source in Source.objects.all():
        html = _html(client.get(source.get_absolute_url()))
        # The index of cited passages runs over the reader's pages; the text is on the first.
        pages = -(-source.passages.count() // READER_PAGE)
        index = html + "".join(
            _html(client.get(f"{source.get_absolute_url()}?page={n}")) for n in range(2, pages + 1)
        )
        for passage in source.passages.all():
            assert f'id="{passage.anchor}"' in html
            assert f'href="{passage.get_absolute_url()}"' in index
    # a passage running over a paragraph break is still one anchor, continued after the break
    passage = Passage.objects.get(quote__contains="one or two\n\n")
    html = _html(client.get(passage.source.get_absolute_url()))
    assert html.count(f'data-passage="{passage.anchor}"') >= 2
    assert html.count(f'id="{passage.anchor}"') == 1


# A source's text as it is, and as it would be saved by an editor that ends a file with a line
# break (or leaves blank lines around it): the reader shows no empty line for them.
@pytest.mark.parametrize("around", [("", ""), ("", "\n"), ("", "\n\n"), ("\n", " \n")])
def test_the_reader_shows_the_whole_text_in_order(around):
    from programmes.formats.reader import render

    before, after = around
    for source in Source.objects.all():
        source.text = before + source.text + after
        passages = list(source.passages.all())
        for passage in passages:
            passage.start += len(before)
            passage.end += len(before)
        paragraphs = render(source.text, passages)
        plain = "\n\n".join(
            re.sub(r"<[^>]+>", "", str(p.html)).replace("<br>\n", "\n") for p in paragraphs
        )
        assert plain.replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&") == (
            source.text.strip()
        )


def test_the_dalian_page_answers_who_it_cooperated_with(client):
    html = _html(client.get("/cities/dalian/"))
    assert "大连" in html
    assert 'href="/cities/kitakyushu/"' in html
    assert "Dalian–Kitakyushu environmental cooperation" in html
    for programme in Programme.objects.filter(participations__city__slug="dalian").distinct():
        assert programme.get_absolute_url() in html
    assert 'href="/awards/global-500-award-2001/"' in html
    for project in FundedProject.objects.filter(city__slug="dalian"):
        assert project.get_absolute_url() in html
    # totals per currency as stated, never converted; the USD100 million of yen loans is the
    # funding of Dalian's programme, not a project's amount, so no project total counts it
    assert "CNY 30,000,000" in html and "USD 100,000,000" not in html


def test_the_city_page_lists_milestones_in_date_order(client):
    html = _html(client.get("/cities/dalian/"))
    dated = list(Milestone.objects.filter(cities__slug="dalian", date__isnull=False))
    positions = [html.index(m.get_absolute_url()) for m in dated]
    assert positions == sorted(positions)


def test_derived_values_are_labelled_as_interpretations(client):
    html = _html(client.get("/projects/sewage-processing-plant-1/"))
    assert 'data-status="interpreted"' in html and "Catalogue’s interpretation" in html
    assert "sanitation – large systems (14022)" in html
    html = _html(client.get("/milestones/dalian-epb-research-in-shanghai/"))
    assert "inferred" in html and "June last year" in html


def test_a_record_page_offers_a_citation_to_paste(client):
    html = _html(client.get("/awards/global-500-award-2001/"))
    assert "Cite this record" in html
    assert "http://testserver/awards/global-500-award-2001/" in html


# --- filters and facets --------------------------------------------------------------------


def _project_links(html):
    return set(re.findall(r'<td[^>]*><a href="(/projects/[-\w]+/)">', html))


def test_filtering_by_sector_14022_gives_exactly_the_sewage_plants(client):
    response = client.get("/projects/?sector=14022")
    assert response.status_code == 200
    assert _project_links(_html(response)) == {
        "/projects/sewage-processing-plant-1/",
        "/projects/sewage-processing-plant-2/",
    }
    assert "Funded projects in sector 14022 Sanitation - large systems" in _html(response)


def test_filtering_by_the_water_supply_code_gives_the_water_supply_projects(client):
    html = _html(client.get("/projects/?sector=14021"))
    assert _project_links(html) == {
        "/projects/water-supply-project/",
        "/projects/water-source-project-phase-3/",
    }


def test_values_of_one_facet_combine_with_or_and_facets_with_and(client):
    both = _project_links(_html(client.get("/projects/?sector=14021&sector=14022")))
    assert len(both) == 4
    none = _project_links(_html(client.get("/projects/?sector=14022&instrument=equipment")))
    assert none == set()


FACET = re.compile(
    r'<li><a href="(\?[^"]*)"( class="selected")?[^>]*>'
    r'<span class="visually-hidden">(?:Selected: )?[^<]*: </span>'
    r'([^<]+)</a> <span class="count">(\d+)</span>'
)
RESULT_COUNT = re.compile(r'<p class="result-count">(\d+) record')


@pytest.mark.parametrize(
    "url", ["/projects/", "/projects/?sector=14022", "/projects/?city=dalian&instrument=loan"]
)
def test_facet_counts_equal_the_counts_of_the_filtered_lists(client, url):
    facets = FACET.findall(_html(client.get(url)))
    assert len(facets) >= 5
    current = set(parse_qsl(urlsplit(url).query))
    checked = 0
    for link, selected, name, count in facets:
        link = link.replace("&amp;", "&")
        added = set(parse_qsl(link[1:])) - current
        if selected or {k for k, _ in added} & {k for k, _ in current}:
            continue  # removing a value, or OR-ing one more into a facet already in use
        target = _html(client.get("/projects/" + link))
        assert int(RESULT_COUNT.search(target).group(1)) == int(count), (url, name)
        assert len(_project_links(target)) == int(count)
        checked += 1
    assert checked >= 3


def test_each_active_filter_is_a_removable_chip(client):
    html = _html(client.get("/projects/?sector=14022&city=dalian"))
    assert 'aria-label="Active filters"' in html
    assert 'href="?city=dalian"' in html  # removes the sector
    assert 'href="?sector=14022"' in html  # removes the city
    # Each chip says its filter in words, as the title does, not as a parameter name.
    chips = re.findall(r'<a class="chip"[^>]*>([^<]*)<', html)
    assert [c.strip() for c in chips] == [
        "In sector 14022 Sanitation - large systems",
        "In Dalian (大连)",
    ]


def test_sorting_by_amount(client):
    html = _html(client.get("/projects/?sort=-amount&instrument=loan&instrument=equipment"))
    titles = _project_links(html)
    assert titles
    first = re.search(r'<td[^>]*><a href="(/projects/[-\w]+/)">', html).group(1)
    assert first == "/projects/jica-environmental-monitoring-equipment/"  # the only amount


@pytest.mark.parametrize(
    ("url", "kind", "slug"),
    [
        (
            "/programmes/?city=shanghai",
            "programmes",
            "dalian-shanghai-environmental-protection-cooperation-program",
        ),
        ("/partners/?kind=international-organisation", "partners", "unep"),
        ("/awards/?conferred_by=unep", "awards", "global-500-award-2001"),
        (
            "/milestones/?programme=kitakyushu-initiative-network",
            "milestones",
            "kitakyushu-initiative-network-second-meeting",
        ),
        (
            "/milestones/?year_from=2017&year_to=2017&kind=target",
            "milestones",
            "environmental-resources-catalog",
        ),
        ("/cities/?country=JP", "cities", "kitakyushu"),
    ],
)
def test_other_lists_filter_by_their_parameters(client, url, kind, slug):
    response = client.get(url)
    assert response.status_code == 200
    assert f'href="/{kind}/{slug}/"' in _html(response)


def test_the_timeline_shows_dates_as_stated_and_marks_inferred_ones(client):
    html = _html(client.get("/milestones/"))
    assert "At the end of 1993" in html and "By the end of 2017" in html
    assert "inferred" in html


@pytest.mark.parametrize(
    ("url", "param", "message"),
    [
        ("/projects/?sector=99999", "sector", "5-digit OECD DAC CRS purpose code"),
        ("/projects/?sector_category=9", "sector_category", "3-digit DAC sector category"),
        ("/projects/?city=atlantis", "city", "slug of a city"),
        ("/projects/?instrument=gift", "instrument", "accepts: loan, grant"),
        ("/projects/?year_from=19x9", "year_from", "year such as 2001"),
        ("/projects/?year_to=99999", "year_to", "year such as 2001"),
        ("/projects/?page=0", "page", "positive whole number"),
        ("/projects/?page=abc", "page", "positive whole number"),
        ("/projects/?page=", "page", "positive whole number"),
        ("/projects/?page=2.0", "page", "positive whole number"),
        ("/projects/?page_size=", "page_size", "whole number from 1 to 500"),
        ("/projects/?page_size=100000", "page_size", "from 1 to 500"),
        ("/projects/?sort=colour", "sort", ""),
        ("/projects/?colour=red", "colour", "unknown parameter"),
        ("/projects/?q=a&q=b", "q", "only once|single value"),
        ("/milestones/?kind=party", "kind", "accepts: proposal"),
        ("/awards/?year_from=soon", "year_from", "year"),
        ("/programmes/?partner=nobody", "partner", "slug of a partner"),
        ("/partners/?country=XX", "country", "accepts:"),
    ],
)
def test_it_rejects_an_invalid_filter_with_a_400_naming_it(client, url, param, message):
    response = client.get(url)
    assert response.status_code == 400
    html = _html(response)
    assert f"<code>{param}</code>" in html
    assert re.search(message, html)


@pytest.mark.parametrize("fmt", ["/", ".json", ".csv"])
def test_a_page_past_the_last_is_a_404_naming_the_last(client, fmt):
    # A well-formed page number of a page the list does not have: not found, not malformed.
    last = -(-FundedProject.objects.count() // settings.PAGE_SIZE)
    response = client.get(f"/projects{fmt}?page={last + 1}")
    assert response.status_code == 404
    body = response.content.decode()
    assert "<code>page</code>" in body or '"page"' in body
    assert f"past the last page ({last})" in body


def test_unknown_slugs_are_404(client):
    assert client.get("/cities/atlantis/").status_code == 404
    assert client.get("/projects/nothing.json").status_code == 404


# --- query counts --------------------------------------------------------------------------

PAGES = [
    "/",
    "/cities/",
    "/cities/dalian/",
    "/programmes/",
    "/programmes/model-city-yen-loan-programme/",
    "/partners/",
    "/partners/jica/",
    "/people/",
    "/awards/",
    "/projects/",
    "/projects/?sector=14022&city=dalian",
    "/projects/sewage-processing-plant-1/",
    "/milestones/",
    "/milestones/kita-field-study/",
    "/sources/",
    "/sources/liang-2003-environmental-protection-and-international-cooperation-in-dalian/",
    "/projects.json",
    "/projects.csv",
]


def _add_rows(n):
    """n more cited cities, partners, programmes, projects and milestones, all tied to Dalian."""
    dalian = City.objects.get(slug="dalian")
    passage = Passage.objects.first()
    programme = Programme.objects.get(slug="model-city-yen-loan-programme")
    funder = Partner.objects.get(slug="jica")
    for i in range(n):
        city = City.objects.create(slug=f"extra-{i}", name=f"Extra {i}", country="CN")
        city.passages.add(passage)
        partner = Partner.objects.create(slug=f"extra-{i}", name=f"Extra {i}", kind="association")
        partner.passages.add(passage)
        prog = Programme.objects.create(
            slug=f"extra-{i}", name=f"Extra {i}", kind="network", summary="x"
        )
        prog.passages.add(passage)
        prog.participations.create(city=dalian, role="partner")
        prog.participations.create(city=city, role="partner")
        prog.participations.create(partner=partner, role="funder")
        project = FundedProject.objects.create(
            slug=f"extra-{i}",
            title=f"Extra {i}",
            programme=programme,
            city=dalian,
            sector_id="14022",
            instrument="loan",
            amount=1000 + i,
            currency="CNY",
            amount_as_stated=f"RMB {1000 + i}",
        )
        project.passages.add(passage)
        project.funders.add(funder)
        milestone = Milestone.objects.create(
            slug=f"extra-{i}", title=f"Extra {i}", kind="visit", programme=programme
        )
        milestone.passages.add(passage)
        milestone.cities.add(dalian)


def test_query_counts_are_fixed_whatever_the_number_of_rows(client):
    for url in PAGES:  # once before counting: a connection's first JSON query checks JSON support
        queries(client, url)
    before = {url: queries(client, url) for url in PAGES}
    _add_rows(25)
    after = {url: queries(client, url) for url in PAGES}
    assert after == before
    # and they stay small
    assert max(before.values()) <= 30, before


def test_facet_counts_and_the_funding_chart_are_kept_per_catalogue_version(
    client, settings, fresh_cache
):
    settings.CACHE_FACETS = True
    url = "/projects/?sector=14022&city=dalian"
    first = queries(client, url)
    html = _html(client.get(url))
    second = queries(client, url)
    assert second == first - 7 - 2  # seven facets and the chart's two groupings, from the cache
    assert _html(client.get(url)) == html
    call_command("load_catalogue", verbosity=0)  # a new version: nothing stale is read
    assert queries(client, url) == first


@pytest.mark.parametrize("kind", KINDS, ids=[kind.key for kind in KINDS])
def test_every_record_page_has_breadcrumbs_home_list_record(client, kind):
    record = kind.model.objects.order_by("pk").first()
    html = client.get(record.get_absolute_url()).content.decode()
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group()
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', crumbs)
    assert links == [("/", "Home"), (kind.list_url(), kind.title)]
    assert 'aria-current="page"' in crumbs


def test_a_list_of_a_programmes_projects_gives_the_programmes_own_funding(client):
    """The USD100 million allotted to the yen-loan programme as a whole belongs to none of its
    projects, but a reader of its projects' list is told it, in the source's words."""
    funded = Programme.objects.exclude(funding_as_stated="")
    assert funded.exists()
    for programme in funded:
        html = _html(client.get(f"/projects/?programme={programme.slug}"))
        note = re.search(r'<p class="programme-funding">(.*?)</p>', html, re.S)
        assert note, programme.slug
        assert f'<q class="source-words">{programme.funding_as_stated}</q>' in note.group(1)
    unfunded = Programme.objects.filter(funding_as_stated="").first()
    assert "programme-funding" not in _html(client.get(f"/projects/?programme={unfunded.slug}"))
