"""Detail pages describe their record in schema.org JSON-LD and link their JSON twin and card."""

import json
import re
from html import unescape

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from programmes import kinds
from programmes.formats.annotations import passage_annotation
from programmes.formats.schema_org import json_ld_script
from programmes.models import (
    Award,
    City,
    FundedProject,
    Milestone,
    Partner,
    Passage,
    Person,
    Programme,
    Source,
)
from programmes.views.linked_data import linked_data

pytestmark = pytest.mark.django_db

EXPECTED_TYPES = {
    City: "Place",
    Partner: "Organization",
    Person: "Person",
    Programme: "Project",
    Award: "Thing",
    FundedProject: "LoanOrCredit",
    Milestone: "Event",
}
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _head(record):
    request = RequestFactory().get(record.get_absolute_url())
    template = Template('{% include "programmes/_record_head.html" with record=record %}')
    ld = linked_data(request, kinds.of(record), record)
    return template.render(Context({"record": record, "request": request, "ld": ld}))


def _json_ld(html):
    blocks = JSON_LD.findall(html)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def _every_record():
    records = [r for model in EXPECTED_TYPES for r in model.objects.all()]
    return records + list(Source.objects.all())


def test_every_records_head_names_the_right_schema_org_type():
    for record in _every_record():
        data = _json_ld(_head(record))
        expected = EXPECTED_TYPES.get(type(record))
        if isinstance(record, FundedProject) and record.instrument != "loan":
            expected = "Thing"  # equipment and technical cooperation: neither grant nor loan
        if expected is None:
            expected = {"news-article": "NewsArticle", "report": "Report"}.get(
                record.kind, "CreativeWork"
            )
        assert data["@type"] == expected, record
        assert data["@context"] == "https://schema.org"
        assert data["url"] == f"http://testserver{record.get_absolute_url()}"


def test_every_records_head_links_its_json_twin_and_share_card():
    for record in _every_record():
        html = _head(record)
        json_url = "http://testserver" + record.get_absolute_url().rstrip("/") + ".json"
        assert f'<link rel="alternate" type="application/json" href="{json_url}">' in html
        assert '<meta name="twitter:card" content="summary_large_image">' in html
        assert re.search(
            r'<meta property="og:image" content="http://testserver/share/\S+\.png">', html
        )


def test_a_loan_is_no_grant_and_names_no_lender_the_source_does_not_name():
    loans = FundedProject.objects.filter(instrument="loan", evidence__instrument__status="stated")
    assert loans.count() == 9
    for project in loans:
        data = _json_ld(_head(project))
        assert data["@type"] == "LoanOrCredit", project
        assert "funder" not in data
        if project.evidence["funders"]["status"] == "interpreted":
            assert "provider" not in data


def test_equipment_is_no_monetary_grant_and_keeps_its_stated_worth_in_words():
    project = FundedProject.objects.get(slug="jica-environmental-monitoring-equipment")
    assert project.evidence["instrument"]["status"] == "interpreted"
    data = _json_ld(_head(project))
    assert data["@type"] == "Thing"
    assert "amount" not in data and "funder" not in data
    assert f"“{project.amount_as_stated}” as stated" in data["description"]
    assert "(the catalogue's reading)" in data["description"]


def test_a_city_is_a_place_with_its_coordinates_marked_as_the_catalogues():
    city = City.objects.get(slug="dalian")
    data = _json_ld(_head(city))
    assert data["geo"]["@type"] == "GeoCoordinates"
    assert data["geo"]["latitude"] == float(city.latitude)
    assert data["geo"]["description"].startswith("The catalogue's interpretation")
    assert "alternateName" not in data  # the native name is reference data the sources lack


def _leaves(node, path=()):
    """(path, value) of every scalar of the JSON-LD outside a node that qualifies itself as the
    catalogue's interpretation; the quotations (the sources' words) and types aside."""
    if isinstance(node, list):
        for item in node:
            yield from _leaves(item, path)
        return
    if not isinstance(node, dict):
        yield path, node
        return
    if str(node.get("description", "")).startswith("The catalogue's interpretation"):
        return
    for key, value in node.items():
        if key in ("@type", "@context", "subjectOf"):
            continue
        yield from _leaves(value, (*path, key))


def _forms(record, name):
    """The ways the value of field `name` could be written in JSON-LD."""
    field = record._meta.get_field(name)
    if field.many_to_many:
        related = list(getattr(record, name).all())
    elif field.is_relation:
        related = [getattr(record, name)] if getattr(record, name) else []
    else:
        value = getattr(record, name)
        if value in (None, ""):
            return set()
        forms = {str(value)}
        if hasattr(value, "isoformat"):
            forms |= {value.isoformat(), value.strftime("%Y-%m"), str(value.year)}
        if hasattr(record, f"get_{name}_display"):
            forms.add(getattr(record, f"get_{name}_display")())
        if name in ("latitude", "longitude"):
            forms.add(float(value))
        return forms
    return {f"http://testserver{r.get_absolute_url()}" for r in related}


def test_no_interpreted_value_appears_unqualified_in_json_ld():
    checked = 0
    for record in _every_record():
        data = _json_ld(_head(record))
        leaves = list(_leaves(data))
        for name, entry in (record.evidence or {}).items():
            if entry["status"] != "interpreted" or name == "record":
                continue
            forms = _forms(record, name)
            for path, value in leaves:
                if path == ("name",) or path == ("@id",) or path == ("url",):
                    continue  # the record's own name and address: its description says whose
                assert value not in forms, f"{record}: {name} stands as {path} = {value!r}"
            checked += 1
            if name in ("name", "title"):
                assert f"The {name}" in data.get("description", ""), record
    assert checked > 200


def test_an_inferred_date_is_not_a_schema_org_date():
    for milestone in Milestone.objects.filter(evidence__date__status="interpreted"):
        assert "startDate" not in _json_ld(_head(milestone)), milestone
    for programme in Programme.objects.filter(evidence__date__status="interpreted"):
        assert "foundingDate" not in _json_ld(_head(programme)), programme
    undated = Source.objects.filter(date__isnull=True)
    assert undated.exists()
    for source in undated:
        assert "datePublished" not in _json_ld(_head(source)), source


def test_cited_passages_are_quotations_of_their_source():
    record = Milestone.objects.first()
    data = _json_ld(_head(record))
    assert [q["text"] for q in data["subjectOf"]] == [p.quote for p in record.passages.all()]
    assert all(q["isPartOf"]["name"] for q in data["subjectOf"])


def test_json_ld_cannot_close_its_script_element():
    html = json_ld_script({"name": "</script><script>alert(1)</script> & <!--"})
    assert html.count("</script>") == 1 and "<!--" not in html
    assert json.loads(JSON_LD.findall(html)[0])["name"].startswith("</script>")


@pytest.mark.parametrize("model", [*EXPECTED_TYPES, Source])
def test_each_detail_page_embeds_json_ld_of_the_right_type(client, model):
    record = model.objects.first()
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    data = _json_ld(response.content.decode())
    expected = EXPECTED_TYPES.get(model, "CreativeWork")
    if model is FundedProject and record.instrument != "loan":
        expected = "Thing"
    assert data["@type"] == expected


def test_every_annotations_quote_is_the_source_text_at_its_position():
    passages = Passage.objects.select_related("source")
    assert passages.exists()
    for passage in passages:
        annotation = passage_annotation(passage, "/", lambda path: path)
        quote, position = annotation["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector"
        assert position["type"] == "TextPositionSelector"
        text = passage.source.text
        assert quote["exact"] == text[position["start"] : position["end"]]
        assert quote["prefix"] == text[max(0, position["start"] - 32) : position["start"]]
        assert quote["suffix"] == text[position["end"] : position["end"] + 32]


def test_a_meta_description_says_whose_words_it_gives():
    for record in _every_record():
        html = _head(record)
        description = unescape(re.search(r'<meta name="description" content="([^"]*)"', html)[1])
        data = _json_ld(html)
        for name in ("summary", "description", "kind", "sector"):
            entry = (record.evidence or {}).get(name) or {}
            value = getattr(record, name, None)
            if entry.get("status") == "interpreted" and value and str(value) in description:
                assert "catalogue's" in description, (record, description)
        if not data.get("description"):
            continue
        assert description.strip() != "The title is the catalogue's.", record


def _nodes(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def test_no_json_ld_node_is_empty_and_every_linked_record_has_its_id(client):
    for record in _every_record():
        data = _json_ld(client.get(record.get_absolute_url()).content.decode())
        for node in _nodes(data):
            assert set(node) - {"@type"}, (record.slug, node)
            # A node naming a record of the catalogue links it by @id, so the graph joins.
            if node.get("@type") in ("Place", "Organization", "Project") and "url" in node:
                assert node.get("@id") == node["url"], (record.slug, node)
