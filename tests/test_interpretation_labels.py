"""Wherever a value the catalogue interpreted reaches a page it is labelled as the catalogue's:
record names in the page's title, share-card title and breadcrumbs, the lists' facets, and the
tables under the pictures."""

import html
import re

import pytest

from programmes.kinds import KINDS
from programmes.models import City, FundedProject, Milestone, Participation, Partner, Programme
from programmes.pictures.share_images import card_text

pytestmark = pytest.mark.django_db

WORDING = "(the catalogue’s wording)"


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _head_and_crumbs(page):
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    og_title = re.search(r'<meta property="og:title" content="([^"]*)"', page).group(1)
    crumb = re.search(r'<li aria-current="page">(.*?)</li>', page, re.S).group(1)
    return title, og_title, crumb


@pytest.mark.parametrize(
    "model, slug",
    [
        (FundedProject, "sewage-processing-plant-1"),
        (Partner, "jica"),
        (Milestone, "kita-field-study"),
        (Programme, "model-city-scheme"),
    ],
)
def test_a_name_in_the_catalogues_wording_says_so_in_title_og_title_and_breadcrumbs(
    client, model, slug
):
    record = model.objects.get(slug=slug)
    assert record.evidence_for(KIND_OF[model].title_field).is_interpreted
    for text in _head_and_crumbs(_page(client, record.get_absolute_url())):
        assert text.startswith(str(record)) and WORDING in text, text


@pytest.mark.parametrize(
    "model, slug",
    [(FundedProject, "water-supply-project"), (Partner, "kita"), (City, "dalian")],
)
def test_a_name_the_sources_state_stands_alone(client, model, slug):
    record = model.objects.get(slug=slug)
    for text in _head_and_crumbs(_page(client, record.get_absolute_url())):
        assert WORDING not in text, text


KIND_OF = {kind.model: kind for kind in KINDS}
STATUS = 'data-status="interpreted"'


def test_a_share_card_says_when_its_title_is_the_catalogues_wording():
    interpreted = FundedProject.objects.get(slug="sewage-processing-plant-1")
    stated = FundedProject.objects.get(slug="water-supply-project")
    assert card_text(interpreted)[-1] == "The catalogue’s wording"
    assert card_text(stated)[-1] == ""


# --- facets -------------------------------------------------------------------------------------


def _evidence_records(kind, facet):
    """The records carrying the evidence for the field a facet's values come from, and that
    field: a programme's city or partner is its participations'; a sector category follows from
    the sector."""
    path = facet.value.split("__")
    if path[0] == "participations":
        return Participation.objects.all(), path[1]
    field = kind.model._meta.get_field(path[0])
    if field.many_to_many and not field.remote_field.through._meta.auto_created:
        # a milestone's cities and organisations: its participants'
        return field.remote_field.through.objects.all(), field.m2m_reverse_field_name()
    return kind.model.objects.all(), path[0]


def _interpreted_somewhere(kind, facet):
    records, field = _evidence_records(kind, facet)
    return any(
        ((r.evidence or {}).get(field) or {}).get("status") == "interpreted" for r in records
    )


FACETS = [(kind, facet) for kind in KINDS for facet in kind.facets]


@pytest.mark.parametrize("kind, facet", FACETS, ids=[f"{k.key}-{f.param}" for k, f in FACETS])
def test_a_facet_whose_values_are_read_by_the_catalogue_is_labelled(client, kind, facet):
    """Labelled exactly where some record's value is the catalogue's interpretation."""
    assert bool(facet.interpreted) == _interpreted_somewhere(kind, facet)
    page = _page(client, kind.list_url())
    section = re.search(
        rf'<section class="facet">\s*<h2>{re.escape(facet.label)}</h2>(.*?)</section>', page, re.S
    )
    assert section, facet.label
    # The heading carries no badge (the pattern above reads it bare); the note follows the list.
    assert ("group-note" in section.group(1)) == bool(facet.interpreted)
    assert "evidence-marker" not in section.group(1)
    if facet.interpreted:
        assert facet.interpreted in section.group(1)


# --- the tables under the pictures --------------------------------------------------------------


def _table(page, caption):
    match = re.search(rf"<caption>{caption}.*?</caption>(.*?)</table>", page, re.S)
    assert match, caption
    return match.group(1)


def test_the_timelines_table_labels_the_catalogues_titles_and_kinds(client):
    table = _table(_page(client, "/milestones/"), "Dated milestones")
    rows = re.findall(r"<tr><td>.*?</tr>", table, re.S)
    assert rows
    for row in rows:
        assert row.count(STATUS) >= 2  # its title and its kind are readings


def test_the_maps_table_labels_the_coordinates_as_reference_data(client):
    page = _page(client, "/cities/")
    table = _table(page, "Cities on the map")
    rows = re.findall(r"<tr><td>.*?</tr>", table, re.S)
    assert len(rows) == City.objects.count()
    for row in rows:
        assert row.count(STATUS) == 2  # latitude and longitude
    after = r'Cities on the map.*?</table></div>\s*(<p class="group-note".*?</p>)'
    note = re.search(after, page, re.S)
    assert note and "GeoNames" in note.group(1)


def test_the_who_table_labels_each_role_the_catalogue_read(client):
    page = _page(client, "/cities/dalian/")
    table = _table(page, "Dalian’s programmes, its role in each")
    programmes = Participation.objects.filter(city__slug="dalian").values("programme")
    parts = Participation.objects.filter(programme__in=programmes).select_related(
        "city", "partner", "programme"
    )
    bodies = dict(
        re.findall(
            r'<tbody><tr class="programme-row">.*?href="/programmes/([^/]+)/"(.*?)</tbody>',
            table,
            re.S,
        )
    )
    assert set(bodies) == {p.programme.slug for p in parts}
    read = 0
    for part in parts:
        # The city's own role stands in its programme's heading row, its partners' in rows.
        own = part.city_id is not None and part.city.slug == "dalian"
        pattern = (
            rf'<div class="own-role">Dalian: {re.escape(part.get_role_display())} .*?</div>'
            if own
            else rf'<tr[^>]*><td><a href="{re.escape(part.participant.get_absolute_url())}">'
            rf"[^<]*</a></td><td>{re.escape(part.get_role_display())} .*?</tr>"
        )
        row = re.search(pattern, bodies[part.programme.slug], re.S)
        assert row, (part.programme.slug, part.participant.slug)
        role = part.evidence_for("role")
        assert _marked(row.group(0), "role") == role.is_interpreted, part
        if role.is_interpreted:
            read += 1
            assert role.note in row.group(0)  # its note opens from the marker
    assert read


def test_the_funding_table_says_the_sector_categories_are_the_catalogues(client):
    note = re.search(
        r"Funded projects by sector category.*?</table></div>\s*(<p class=\"group-note\".*?</p>)",
        _page(client, "/projects/"),
        re.S,
    )
    assert note and "DAC" in note.group(1)


# --- record pages' own tables and lists ---------------------------------------------------------


def test_a_citys_projects_table_labels_titles_in_the_catalogues_wording(client):
    page = _page(client, "/cities/dalian/")
    rows = re.findall(r"<tr><td><a href=\"/projects/([^/]+)/\">.*?</td>", page, re.S)
    assert rows
    cells = dict(re.findall(r"<tr><td><a href=\"/projects/([^/]+)/\">(.*?)</td>", page, re.S))
    for slug, cell in cells.items():
        project = FundedProject.objects.get(slug=slug)
        assert _marked(cell, "title") == project.evidence_for("title").is_interpreted, slug


def test_a_statements_topic_is_labelled_as_the_catalogues(client):
    page = _page(client, "/cities/dalian/")
    section = re.search(r'<section class="statements".*?</section>', page, re.S).group(0)
    items = re.findall(r"<li>.*?</li>", section, re.S)
    assert items
    for item in items:
        assert _marked(item, "topic")


def _marked(fragment, field):
    """Whether `fragment` marks its `field` as the catalogue's reading (a marker or, for a
    classification, wording or reference value, its status alone)."""
    return bool(re.search(rf'{STATUS}[^>]*data-field="{field}"', fragment))


@pytest.mark.parametrize(
    "section, prefix, model, fields",
    [
        (r"<caption>Dated milestones.*?</table>", "milestones", Milestone, ("title", "kind")),
        (r'<h3 id="h-orgs">.*?</ul>', "partners", Partner, ("name", "kind")),
        (r'<table class="records who">.*?</table>', "programmes", Programme, ("name", "kind")),
    ],
    ids=["milestones", "organisations", "programmes"],
)
def test_a_citys_related_lists_mark_what_the_catalogue_wrote(
    client, section, prefix, model, fields
):
    part = re.search(section, _page(client, "/cities/dalian/"), re.S).group(0)
    # A programme heads its body of the table of who works with the city; milestones are rows
    # of the timeline's table, organisations list items.
    item = {"programmes": r'<tr class="programme-row">.*?</tr>', "milestones": r"<tr><td>.*?</tr>"}
    items = re.findall(item.get(prefix, r"<li[^>]*>.*?</li>"), part, re.S)
    assert items
    for item in items:
        slug = re.search(rf'href="/{prefix}/([^/]+)/"', item).group(1)
        record = model.objects.get(slug=slug)
        for field in fields:
            assert _marked(item, field) == record.evidence_for(field).is_interpreted, slug


def test_the_home_pages_milestones_mark_titles_in_the_catalogues_wording(client):
    page = _page(client, "/")
    span = re.search(r'<h2 id="h-span">.*?</section>', page, re.S).group(0)
    assert len(re.findall(rf'{STATUS}[^>]*data-field="title"', span)) == 2


def test_the_network_picture_marks_each_node_whose_role_the_catalogue_reads(client):
    page = _page(client, "/cities/dalian/")
    nodes = re.findall(r'<a href="[^"]*" class="node [^"]*" data-node="([^"]+)"([^>]*)>', page)
    assert nodes
    others = Participation.objects.filter(
        programme__in=Participation.objects.filter(city__slug="dalian").values("programme")
    ).exclude(city__slug="dalian")
    read = set()
    for part in others:
        if (part.evidence.get("role") or {}).get("status") == "interpreted":
            read.add(f"city:{part.city.slug}" if part.city_id else f"partner:{part.partner.slug}")
    assert read
    for key, rest in nodes:
        assert (STATUS in rest) == (key in read), key
