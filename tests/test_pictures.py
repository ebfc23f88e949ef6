"""The pictures: partnership networks, timelines, the funding chart and the city map.

The first part draws each picture through its template tag; the second checks them on the pages,
against the pages' own filtered lists.
"""

import itertools
import math
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.template.loader import render_to_string

from programmes.models import City, FundedProject, Milestone, Participation, Partner, Programme
from programmes.pictures import drawings as pictures
from programmes.views import pictures as page_pictures
from tests.fixture_figures import fixture_participants, fixture_records

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
SHANGHAI_PROGRAMME = "dalian-shanghai-environmental-protection-cooperation-program"


def _svg(html, css_class):
    """The markup's one inline <svg class="css_class">, parsed as XML."""
    found = re.findall(rf'<svg[^>]*\bclass="{css_class}".*?</svg>', html, re.S)
    assert len(found) == 1, f"expected one svg.{css_class}, found {len(found)}"
    return ET.fromstring(found[0])


def _render(partial, picture, **context):
    """A picture as its page shows it: the partial template the views' pictures are drawn in."""
    return render_to_string(f"programmes/_{partial}.html", {"picture": picture, **context})


def _network_html(record):
    if isinstance(record, City):
        return _render("network", page_pictures.city_network(record)[0], subject=record)
    return _render("network", page_pictures.programme_network(record), subject=record)


def _timeline_html(milestones):
    rows = milestones.object_list if isinstance(milestones, Page) else milestones
    return _render("timeline", pictures.timeline(list(rows)))


def _chart_html(projects):
    return _render(
        "funding_chart", pictures.draw_funding_chart(page_pictures.funding_rows(projects))
    )


def _map_html():
    return _render("map", page_pictures.city_map())


def _marked(svg, attribute):
    return [e for e in svg.iter() if attribute in e.attrib]


def _city_network(slug):
    return _svg(_network_html(City.objects.get(slug=slug)), "network")


def _timeline(milestones):
    return _svg(_timeline_html(milestones), "timeline")


def _chart(projects):
    return _svg(_chart_html(projects), "funding-chart")


def _map():
    return _svg(_map_html(), "city-map")


def _chart_counts(svg):
    counts = {}
    for bar in _marked(svg, "data-count"):
        group = bar.get("data-group")
        counts[group] = counts.get(group, 0) + int(bar.get("data-count"))
    return counts


def _partners_of(city):
    """Every city and organisation in a programme the city takes part in, the city aside."""
    programmes = Programme.objects.filter(participations__city=city)
    keys = set()
    for p in Participation.objects.filter(programme__in=programmes).select_related(
        "city", "partner"
    ):
        keys.add(f"city:{p.city.slug}" if p.city else f"partner:{p.partner.slug}")
    keys.discard(f"city:{city.slug}")
    return keys


def _assert_accessible(svg):
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == ("group" if svg.find(f".//{SVG}a") is not None else "img")
    assert svg.get("width") == "100%"
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", svg.get("viewBox"))
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title.text.strip() and desc.text.strip()
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "style" not in {a for e in svg.iter() for a in e.attrib}


@pytest.mark.parametrize(
    "draw",
    [
        lambda: _city_network("dalian"),
        lambda: _svg(
            _network_html(Programme.objects.get(slug=SHANGHAI_PROGRAMME)),
            "network",
        ),
        lambda: _timeline(Milestone.objects.all()),
        lambda: _chart(FundedProject.objects.all()),
        _map,
    ],
    ids=["city-network", "programme-network", "timeline", "funding-chart", "map"],
)
def test_it_draws_svg_that_parses_with_a_title_and_a_description(draw):
    _assert_accessible(draw())


# --- partnership network ----------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["dalian", "kitakyushu", "shanghai", "weihai"])
def test_it_draws_one_node_per_partner_of_the_city(slug):
    svg = _city_network(slug)
    nodes = [e.get("data-node") for e in _marked(svg, "data-node")]
    assert len(nodes) == len(set(nodes))
    assert set(nodes) == _partners_of(City.objects.get(slug=slug)) | {f"city:{slug}"}
    edges = {e.get("data-edge") for e in _marked(svg, "data-edge")}
    assert edges == set(nodes) - {f"city:{slug}"}


def test_it_draws_dalians_two_partner_cities_and_eight_organisations():
    # Weihai only hosted the meeting where the speech was given: it shares no programme.
    nodes = {e.get("data-node") for e in _marked(_city_network("dalian"), "data-node")}
    nodes.discard("city:dalian")
    assert {n for n in nodes if n.startswith("city:")} == {
        "city:kitakyushu",
        "city:shanghai",
    }
    # Everyone taking part in a programme Dalian takes part in, as the fixtures give them.
    shared = [
        parts
        for parts in fixture_participants("programme").values()
        if any(p.get("city") == "dalian" for p in parts)
    ]
    expected = {
        f"city:{p['city']}" if "city" in p else f"partner:{p['partner']}"
        for parts in shared
        for p in parts
    } - {"city:dalian"}
    assert nodes == expected


def _words(text):
    """A label's words, over all its lines."""
    return " ".join(text.itertext())


def test_it_labels_each_edge_with_the_programme_and_the_role():
    svg = _city_network("dalian")
    jica = next(e for e in _marked(svg, "data-edge") if e.get("data-edge") == "partner:jica")
    assert jica.find(f"{SVG}title").text.endswith("Dalian Environmental Model Zone: funder")
    node = next(e for e in _marked(svg, "data-node") if e.get("data-node") == "partner:jica")
    labels = [
        " ".join(t.itertext()) for t in node.iter(f"{SVG}text") if t.get("class") == "edge-label"
    ]
    assert labels == ["P2 funder"]  # P1 is Dalian's model city project, by name
    kita = next(e for e in _marked(svg, "data-node") if e.get("data-node") == "partner:kita")
    labels = [
        " ".join(t.itertext()) for t in kita.iter(f"{SVG}text") if t.get("class") == "edge-label"
    ]
    assert labels == ["P2 implementer, proposer"]


def test_it_draws_every_participant_of_the_programme():
    programme = Programme.objects.get(slug="model-city-yen-loan-programme")
    svg = _svg(_network_html(programme), "network")
    nodes = {e.get("data-node") for e in _marked(svg, "data-node")}
    expected = {
        f"city:{p.city.slug}" if p.city else f"partner:{p.partner.slug}"
        for p in programme.participations.select_related("city", "partner")
    }
    assert nodes == expected | {f"programme:{programme.slug}"}


def _synthetic_network(n_cities, n_organisations):
    programme = Programme(pk=1, slug="p", name="A programme")
    participations = []
    for i in range(n_cities):
        city = City(pk=100 + i, slug=f"city-{i}", name=f"City number {i}")
        participations.append(Participation(programme=programme, city=city, role="partner"))
    for i in range(n_organisations):
        partner = Partner(pk=200 + i, slug=f"org-{i}", name=f"Organisation with a long name {i}")
        participations.append(Participation(programme=programme, partner=partner, role="funder"))
    return programme, participations


@pytest.mark.parametrize(("n_cities", "n_organisations"), [(1, 2), (3, 0), (0, 5), (8, 42)])
def test_it_lays_out_3_to_50_nodes_apart_and_inside_the_picture(n_cities, n_organisations):
    programme, participations = _synthetic_network(n_cities, n_organisations)
    svg = ET.fromstring(pictures.programme_network(programme, participations).svg)
    _, _, width, height = map(float, svg.get("viewBox").split())
    centres = []
    for shape in itertools.chain(svg.iter(f"{SVG}circle"), svg.iter(f"{SVG}rect")):
        if shape.get("class") == "label-plate":  # behind a label, not a node
            continue
        if shape.tag.endswith("circle"):
            centres.append((float(shape.get("cx")), float(shape.get("cy"))))
        else:
            half = float(shape.get("width")) / 2
            centres.append((float(shape.get("x")) + half, float(shape.get("y")) + half))
    assert len(centres) == n_cities + n_organisations + 1
    for a, b in itertools.combinations(centres, 2):
        assert math.dist(a, b) >= 30
    for x, y in centres:
        assert 100 < x < width - 100 and 40 < y < height - 40


def test_it_escapes_names_in_the_svg():
    programme, participations = _synthetic_network(1, 1)
    participations[1].partner.name = 'Bureau <b>&</b> "Co"'
    markup = pictures.programme_network(programme, participations).svg
    assert "<b>" not in markup
    title = ET.fromstring(markup).find(f".//{SVG}a[@data-node='partner:org-0']/{SVG}title")
    assert title.text.startswith('Bureau <b>&</b> "Co"')


def test_it_draws_the_city_network_in_one_query(django_assert_num_queries):
    city = City.objects.get(slug="dalian")
    with django_assert_num_queries(1):
        _network_html(city)


# --- timeline ---------------------------------------------------------------------------------


def test_it_draws_one_timeline_mark_per_dated_milestone():
    marks = [
        e.get("data-milestone")
        for e in _marked(_timeline(Milestone.objects.all()), "data-milestone")
    ]
    dated = set(Milestone.objects.filter(date__isnull=False).values_list("slug", flat=True))
    assert dated and len(marks) == len(dated)
    assert set(marks) == dated


def test_it_lists_undated_milestones_beside_the_timeline_without_drawing_them():
    html = _timeline_html(Milestone.objects.all())
    drawn = {e.get("data-milestone") for e in _marked(_svg(html, "timeline"), "data-milestone")}
    beside = html.split("</svg>", 1)[1]
    undated = Milestone.objects.filter(date__isnull=True)
    # The article's research and issue, among others, have upper bounds only.
    assert undated.count() == len([m for m in fixture_records("milestone") if not m.get("date")])
    assert undated.filter(slug="dalian-epb-research-in-shanghai").exists()
    for milestone in undated:
        assert milestone.slug not in drawn
        assert f'href="{milestone.get_absolute_url()}"' in beside


def test_it_draws_spans_for_imprecise_dates_and_marks_targets_and_inferred_dates():
    marks = {
        e.get("data-milestone"): e
        for e in _marked(_timeline(Milestone.objects.all()), "data-milestone")
    }
    for milestone in Milestone.objects.filter(date__isnull=False):
        classes = marks[milestone.slug].get("class").split()
        assert ("point" if milestone.date_precision == "day" else "span") in classes
        assert ("target" in classes) == milestone.is_target
        assert ("inferred" in classes) == milestone.date_inferred
    decade = marks["dalian-international-cooperation-since-1980s"].find(f"{SVG}rect")
    month = marks["jica-development-project-completed"].find(f"{SVG}rect")
    assert float(decade.get("width")) > 100
    assert 0 < float(month.get("width")) < 10


@pytest.mark.parametrize(
    ("model", "slug"), [(City, "dalian"), (City, "weihai"), (Programme, SHANGHAI_PROGRAMME)]
)
def test_it_draws_the_timeline_of_a_city_and_of_a_programme(model, slug):
    record = model.objects.get(slug=slug)
    marks = _marked(_timeline(record.milestones.all()), "data-milestone")
    assert len(marks) == record.milestones.filter(date__isnull=False).count() > 0


def test_it_draws_a_page_of_milestones_from_that_page_only():
    page = Paginator(Milestone.objects.all(), 5).page(2)
    marks = {e.get("data-milestone") for e in _marked(_timeline(page), "data-milestone")}
    assert marks == {m.slug for m in page.object_list}


# --- funding chart ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Q(), 12),
        (Q(sector="14022"), 2),
        (Q(sector__category="410"), 5),
        (Q(programme__slug="dalian-environmental-model-zone"), 3),
    ],
)
def test_it_counts_the_projects_it_is_given(condition, expected):
    counts = _charted_counts(_chart_html(FundedProject.objects.for_list().filter(condition)))
    assert counts == {"category": expected, "programme": expected}


def test_it_sums_stated_amounts_per_currency_without_converting():
    amounts = {
        (bar.get("data-group"), bar.get("data-currency")): bar.get("data-amount")
        for bar in _marked(_chart(FundedProject.objects.all()), "data-currency")
    }
    # The USD100 million of yen loans is Dalian's programme's funding, not a project's amount:
    # the projects it pays for carry none, so nothing here counts it twice.
    assert amounts == {
        ("category", "CNY"): "30000000.00",
        ("programme", "CNY"): "30000000.00",
    }


def test_it_charts_a_page_of_projects_from_its_whole_filtered_list(django_assert_num_queries):
    page = Paginator(FundedProject.objects.for_list(), 5).page(1)
    with django_assert_num_queries(2):
        html = _chart_html(page.paginator.object_list)
    assert _chart_counts(_svg(html, "funding-chart")) == {"category": 12, "programme": 12}


def test_the_project_list_charts_every_page_of_its_filtered_list(client, settings):
    settings.CACHE_FACETS = False
    html = client.get("/projects/?page_size=5").content.decode()
    assert _chart_counts(_svg(html, "funding-chart")) == {"category": 12, "programme": 12}


# --- map --------------------------------------------------------------------------------------


def test_it_draws_one_map_point_per_city_with_coordinates():
    points = {e.get("data-city"): e for e in _marked(_map(), "data-city")}
    placed = City.objects.filter(latitude__isnull=False)
    assert set(points) == set(placed.values_list("slug", flat=True))
    assert len(points) == 4
    for city in placed:
        assert points[city.slug].get("data-latitude") == str(city.latitude)
        assert points[city.slug].get("data-longitude") == str(city.longitude)
        assert points[city.slug].get("href") == city.get_absolute_url()


def test_it_joins_cities_that_share_a_programme_over_land_outlines():
    svg = _map()
    pairs = {e.get("data-cities") for e in _marked(svg, "data-cities")}
    assert {"dalian kitakyushu", "dalian shanghai"} <= pairs
    assert "dalian weihai" not in pairs  # Weihai only hosted a meeting
    land = next(e for e in svg.iter(f"{SVG}path") if e.get("class") == "land")
    assert land.get("d").count("M") >= 3  # mainland Asia, Korea and Japan's islands at least


def test_it_places_map_points_inside_the_picture():
    svg = _map()
    _, _, width, height = map(float, svg.get("viewBox").split())
    for circle in svg.iter(f"{SVG}circle"):
        assert 0 < float(circle.get("cx")) < width
        assert 0 < float(circle.get("cy")) < height


def test_it_draws_the_map_in_three_queries(django_assert_num_queries):
    with django_assert_num_queries(3):
        _map_html()


def test_it_draws_the_busiest_60_nodes_of_a_larger_network_and_says_how_many_are_left():
    programme, participations = _synthetic_network(10, 70)
    svg = ET.fromstring(pictures.programme_network(programme, participations).svg)
    assert len(_marked(svg, "data-node")) == 60 + 1
    assert "20 partners with the fewest ties" in svg.find(f"{SVG}desc").text


def test_it_folds_programmes_past_the_twentieth_into_one_bar_and_still_counts_every_project():
    entries = [
        {"key": f"p{i}", "label": f"P {i}", "currency": "", "count": i + 1, "amount": None}
        for i in range(30)
    ]
    totals = {"category": entries[:1], "programme": entries}
    rows = pictures.funding_rows(totals)["programme"]
    assert len(rows) == pictures.MAX_BARS
    assert rows[-1].label == "11 other programmes"
    assert sum(r.count for r in rows) == sum(e["count"] for e in entries)


def test_it_draws_only_the_strongest_links_between_cities():
    memberships = [(p, c) for p in range(1, 4) for c in range(1, 40)] + [(9, 1), (9, 2)]
    links = pictures.city_links(memberships, limit=5)
    assert len(links) == 5
    assert links[(1, 2)] == [1, 2, 3, 9]


# --- on the pages -----------------------------------------------------------------------------


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


PICTURE_PAGES = [
    ("/cities/dalian/", "network"),
    ("/cities/dalian/", "timeline"),
    ("/programmes/dalian-environmental-model-zone/", "network"),
    ("/programmes/dalian-environmental-model-zone/", "timeline"),
    ("/milestones/", "timeline"),
    ("/projects/", "funding-chart"),
    ("/cities/", "city-map"),
    ("/", "city-map"),
]


@pytest.mark.parametrize(("url", "css_class"), PICTURE_PAGES)
def test_it_shows_each_picture_in_a_figure_with_a_table_of_the_same_facts(client, url, css_class):
    html = _page(client, url).content.decode()
    _assert_accessible(_svg(html, css_class))
    figure = re.search(rf'<figure>\s*<svg[^>]*class="{css_class}".*?</figure>(.*)', html, re.S)
    assert figure, f"svg.{css_class} is not in a <figure>"
    assert "<figcaption>" in figure.group(0)
    assert '<table class="picture-facts">' in figure.group(1)


@pytest.mark.parametrize("slug", ["dalian", "kitakyushu", "shanghai", "weihai"])
def test_it_draws_one_node_per_partner_on_the_city_page(client, slug):
    city = City.objects.get(slug=slug)
    svg = _svg(_page(client, city.get_absolute_url()).content.decode(), "network")
    nodes = [e.get("data-node") for e in _marked(svg, "data-node")]
    assert sorted(nodes) == sorted(_partners_of(city) | {f"city:{slug}"})


@pytest.mark.parametrize(
    "url", ["/cities/dalian/", "/cities/shanghai/", "/programmes/kitakyushu-initiative-network/"]
)
def test_it_links_every_network_node_to_a_page_that_resolves(client, url):
    svg = _svg(_page(client, url).content.decode(), "network")
    links = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert len(links) >= 2
    for href in links:
        assert href.startswith("/")
        assert client.get(href).status_code == 200, href


@pytest.mark.parametrize("query", ["", "?kind=target", "?year_from=1990&year_to=2000"])
def test_it_draws_one_mark_per_dated_milestone_of_the_list(client, query):
    response = _page(client, f"/milestones/{query}")
    marks = [
        e.get("data-milestone")
        for e in _marked(_svg(response.content.decode(), "timeline"), "data-milestone")
    ]
    listed = [m.slug for m in response.context["page"].object_list if m.date]
    assert marks and sorted(marks) == sorted(listed)


@pytest.mark.parametrize(
    "query",
    ["", "?sector=14022", "?sector=41010", "?sector_category=410", "?sector=41020&sector=14021"],
)
def test_it_charts_the_same_numbers_as_the_filtered_list(client, query):
    response = _page(client, f"/projects/{query}")
    total = response.context["page"].paginator.count
    counts = _charted_counts(response.content.decode())
    assert counts == {"category": total, "programme": total}


def _charted_counts(html):
    """The projects the chart counts in each section or, where they all fall in one category and
    one programme, the number its sentence gives instead."""
    sentence = re.search(r'<p class="funding-sentence" data-count="(\d+)"', html)
    if sentence:
        assert 'class="funding-chart"' not in html  # no chart of one full bar
        n = int(sentence.group(1))
        return {"category": n, "programme": n}
    return _chart_counts(_svg(html, "funding-chart"))


def test_it_counts_two_projects_for_sewage_treatment(client):
    html = _page(client, "/projects/?sector=14022").content.decode()
    assert _charted_counts(html) == {"category": 2, "programme": 2}


@pytest.mark.parametrize("query", ["?sector=14022", "?sector=41010", "?sector_category=410", ""])
def test_projects_of_one_category_and_one_programme_are_a_sentence_not_a_chart(client, query):
    response = _page(client, f"/projects/{query}")
    projects = response.context["filterset"].qs
    one_each = (
        projects.values("sector__category").distinct().count() == 1
        and projects.values("programme").distinct().count() == 1
    )
    html = response.content.decode()
    assert ('class="funding-sentence"' in html) == one_each, query
    assert ('class="funding-chart"' in html) == (not one_each), query


@pytest.mark.parametrize("url", ["/cities/", "/"])
def test_it_maps_every_city_with_coordinates_on_the_page(client, url):
    svg = _svg(_page(client, url).content.decode(), "city-map")
    points = {e.get("data-city") for e in _marked(svg, "data-city")}
    assert points == set(City.objects.filter(latitude__isnull=False).values_list("slug", flat=True))


def test_the_map_draws_natural_earth_1_10m_where_its_view_is_east_asia():
    assert pictures.land_source(115.0, 25.0, 137.0, 45.0) == "1:10m"
    assert pictures.land_source(-20.0, 25.0, 137.0, 45.0) == "1:110m"
    fine = pictures.land_rings(115.0, 25.0, 137.0, 45.0)
    assert fine is not pictures.land_rings(-20.0, 25.0, 137.0, 45.0)
    # The shipped file is the region alone, kept small.
    assert pictures.FINE_LAND_OUTLINES.stat().st_size < 200_000


def test_the_home_map_says_which_outlines_it_draws(client):
    html = client.get("/").content.decode()
    assert "Land outlines: Natural Earth 1:10m (public domain)." in html
