"""A curator adds two sources, one English and one Japanese (tests/added_sources.py): the loader
takes them, and the pages and the exports show them, with figures read from the fixtures."""

import io
import json
import re
import shutil
from html import unescape

import pytest
from django.conf import settings
from django.core.management import call_command

from programmes import coverage
from programmes.kinds import KINDS, LOADED
from programmes.loading.loader import check_fixtures, load_catalogue
from programmes.models import City, FundedProject, Programme, Source
from tests.added_sources import ADDRESS, JAPANESE, add_sources
from tests.fixture_figures import fixture_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def added(tmp_path, settings):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    slugs = add_sources(fixtures)
    settings.FIXTURES_DIR = fixtures
    load_catalogue(fixtures)
    return slugs


def test_it_loads_every_record_the_fixtures_define(added):
    assert Source.objects.count() == len(list((settings.FIXTURES_DIR / "records").glob("*.json")))
    assert set(added) <= set(Source.objects.values_list("slug", flat=True))
    for kind in LOADED:
        assert kind.model.objects.count() == len(fixture_records(kind.fixture)), kind.key


def test_it_splits_the_japanese_text_at_its_own_stops(added):
    page = Source.objects.get(slug=added[1])
    assert len(page.coverage) == len(coverage.sentences(JAPANESE)) == 4  # a title, three sentences
    assert all(row["records"] for row in page.coverage)


def test_every_list_and_every_added_record_has_its_page(client, added):
    for kind in KINDS:
        for url in (kind.list_url(), kind.list_url().rstrip("/") + ".json"):
            assert client.get(url).status_code == 200, url
    sources = Source.objects.filter(slug__in=added)
    for source in sources:
        page = client.get(source.get_absolute_url()).content.decode()
        assert source.title in page
        for passage in source.passages.all():
            for record in (r for kind in KINDS if kind.cited for r in _citing(kind, passage)):
                assert client.get(record.get_absolute_url()).status_code == 200, record


def _citing(kind, passage):
    return kind.model.objects.filter(passages=passage)


def test_the_exports_hold_the_added_sources(client, added, tmp_path):
    dump = json.loads(b"".join(client.get("/catalogue.json").streaming_content))
    titles = {s.title for s in Source.objects.filter(slug__in=added)}
    assert titles <= {row["title"] for row in dump["sources"]}
    for kind in KINDS:
        assert client.get(kind.list_url().rstrip("/") + ".csv").status_code == 200, kind.key
    call_command("export_datapackage", str(tmp_path / "release"), stdout=io.StringIO())
    descriptor = json.loads((tmp_path / "release" / "datapackage.json").read_text())
    assert titles <= {s["title"] for s in descriptor["sources"]}


@pytest.mark.parametrize(
    "path", ["README.md", "fixtures/TRANSCRIPTION.md", "templates/programmes/transcription.html"]
)
def test_no_prose_counts_the_sources(path):
    text = (settings.BASE_DIR / path).read_text(encoding="utf-8")
    counted = re.findall(r"\b(?:two|three|four|\d+) (?:source )?(?:documents|sources)\b", text)
    assert not counted, f"{path} says {counted}: a curator's new source would make it false"


def test_a_web_page_shows_its_organisation_publisher_address_and_access(client, added):
    page = Source.objects.get(slug=added[0])
    html = client.get(page.get_absolute_url()).content.decode()
    assert "City of Kitakyushu, Environment Bureau" in html and "not stated" not in html
    assert "<dt>Publisher</dt>" in html
    assert f'<a href="{ADDRESS}" rel="external">' in html and "accessed 1 December 2026" in html
    assert page.citation_label == (
        "City of Kitakyushu, Environment Bureau, “Dalian and Kitakyushu: twenty years of "
        f"environmental cooperation”, {page.date_display}, City of Kitakyushu, {ADDRESS} "
        "(accessed 2026-12-01)"
    )
    listed = client.get("/sources/").content.decode()
    assert "City of Kitakyushu, Environment Bureau" in listed


def test_words_of_another_language_carry_their_lang(client, added):
    japanese = Source.objects.get(slug=added[1])
    html = client.get(japanese.get_absolute_url()).content.decode()
    quotes = re.findall(r'<q class="source-words" cite="[^"]*"( lang="[^"]*")?>', html)
    assert quotes and set(quotes) == {' lang="ja"'}
    statement = client.get("/statements/added-dalian-air-clean/").content.decode()
    assert '<blockquote cite="' in statement
    air = r'<blockquote cite="[^"]*" lang="ja"><p>大連市の大気はきれいになった。'
    assert re.search(air, statement)


def test_a_source_adds_a_participant_with_its_own_evidence(client, added):
    programme = Programme.objects.get(slug="dalian-kitakyushu-environmental-cooperation")
    added_part = programme.participations.get(
        partner__slug="added-kitakyushu-techno-cooperative-association"
    )
    assert added_part.role == "implementer"
    assert {p.source.slug for p in added_part.passages.all()} == {added[0]}
    assert added_part.evidence["role"]["status"] == "interpreted"
    page = client.get(programme.get_absolute_url()).content.decode()
    assert "Kitakyushu International Techno-cooperative Association" in page


def test_a_source_adds_a_funder_with_its_words(added):
    project = FundedProject.objects.get(slug="jica-environmental-monitoring-equipment")
    assert "kitakyushu-city" in {p.slug for p in project.funders.all()}
    words = {p.quote for p in project.evidence_for("funders").passages}
    assert "Kitakyushu City also paid for the monitoring equipment." in words


def test_the_record_page_shows_every_source_that_states_a_value(client, added):
    city = City.objects.get(slug="kitakyushu")
    name = city.evidence_for("name")
    assert name.is_stated and len(name.sources) == 2
    page = unescape(client.get(city.get_absolute_url()).content.decode())
    (row,) = re.findall(r'<tr class="evidence-row[^"]*" data-field="name">(.*?)</tr>', page)
    assert "2 sources say so" in row
    for source in name.sources:
        assert f"<cite>{source.title}</cite>" in row


PAID = "Kitakyushu City also paid for the monitoring equipment."


@pytest.mark.parametrize(
    "slug, change, message",
    [
        ("jica-environmental-monitoring-equipment", {"evidence": {}}, "need their evidence"),
        (
            "jica-environmental-monitoring-equipment",
            {"evidence": {"funders": [PAID], "phase": [PAID]}},
            "field 'phase': the record holds no such value",
        ),
        (
            "kitakyushu",
            {"evidence": {"name": {"interpreted": "A reading.", "from": [PAID]}}},
            "field 'name': another source can state a value",
        ),
        ("kitakyushu", {"funders": ["jica"]}, "field 'funders': an 'extend' entry adds"),
    ],
)
def test_an_addition_says_what_it_adds_and_on_what_words(tmp_path, slug, change, message):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    add_sources(fixtures)
    path = next((fixtures / "records").glob("900_*.json"))
    doc = json.loads(path.read_text())
    extension = next(r for r in doc["records"] if r["slug"] == slug and r.get("extend"))
    extension.update(change)
    path.write_text(json.dumps(doc, ensure_ascii=False))
    problems = [str(p) for p in check_fixtures(fixtures)]
    assert any(f"'{slug}'" in p and message in p for p in problems), problems


def test_the_schema_accepts_the_added_files(tmp_path):
    import jsonschema

    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    add_sources(fixtures)
    schema = json.loads((fixtures / "fixture.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for path in (fixtures / "records").glob("90*.json"):
        errors = [e.message for e in validator.iter_errors(json.loads(path.read_text()))]
        assert not errors, (path.name, errors[:3])
