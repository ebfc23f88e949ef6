"""Detail pages describe their record in schema.org JSON-LD and link their JSON twin and card."""

import json
import re

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
    FundedProject: "MonetaryGrant",
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
        if expected is None:
            expected = {"speech": "CreativeWork", "news-article": "NewsArticle"}[record.kind]
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


def test_a_funded_project_is_a_monetary_grant_with_amount_and_funder():
    project = FundedProject.objects.exclude(amount=None).exclude(funders=None).first()
    data = _json_ld(_head(project))
    assert data["amount"] == {
        "@type": "MonetaryAmount",
        "value": str(project.amount),
        "currency": project.currency,
        "description": project.amount_as_stated,
    }
    assert {f["name"] for f in data["funder"]} == {p.name for p in project.funders.all()}


def test_a_city_is_a_place_with_coordinates():
    city = City.objects.get(slug="dalian")
    data = _json_ld(_head(city))
    assert data["geo"]["@type"] == "GeoCoordinates"
    assert data["geo"]["latitude"] == float(city.latitude)
    assert data["alternateName"] == "大连"


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
    assert data["@type"] == EXPECTED_TYPES.get(model, "CreativeWork")


def test_every_annotations_quote_is_the_source_text_at_its_position():
    passages = Passage.objects.select_related("source")
    assert passages.count() == 168
    for passage in passages:
        annotation = passage_annotation(passage, "/", lambda path: path)
        quote, position = annotation["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector"
        assert position["type"] == "TextPositionSelector"
        text = passage.source.text
        assert quote["exact"] == text[position["start"] : position["end"]]
        assert quote["prefix"] == text[max(0, position["start"] - 32) : position["start"]]
        assert quote["suffix"] == text[position["end"] : position["end"] + 32]
