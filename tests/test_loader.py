"""The loader: the fixtures load, every passage is verbatim, bad fixtures change nothing."""

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from programmes.kinds import CITED
from programmes.loading.loader import counts
from programmes.models import (
    Award,
    CatalogueVersion,
    City,
    FundedProject,
    Milestone,
    Passage,
    Programme,
    Source,
)
from tests.fixture_figures import full_form

pytestmark = pytest.mark.django_db

# From the sources' README; the project must not need anything outside itself to pass.
SOURCE_SHA256 = {
    "000_4cc8e71ad9c1e97d.txt": "be54aa0a5d39bd26cdf215e156fe921a7d2250a701911d795b8f80ab2d3854dd",
    "004_0cf99a80e91619dd.txt": "89673549898c3387aed03297257ed29abd9256de232c6d39d1f4c962693eacab",
}


def _noted_counts():
    """The counts table of fixtures/TRANSCRIPTION.md ("| milestone participations | 55 |"), as
    counts() names its tables: the note a curator keeps, not numbers typed into a test."""
    note = (settings.FIXTURES_DIR / "TRANSCRIPTION.md").read_text()
    table = note.split("## Counts", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([a-z ]+) \| (\d+) \|$", table, re.M)
    return {name.replace(" ", "_"): int(count) for name, count in rows}


def test_it_loads_the_counts_the_transcription_note_gives():
    noted = _noted_counts()
    actual = counts()
    # Every table but the fixed sector categories is in the note, with the count loaded.
    assert set(noted) == set(actual), set(noted) ^ set(actual)
    assert noted == actual


@pytest.mark.parametrize("filename", sorted(SOURCE_SHA256))
def test_it_ships_each_source_byte_identical(filename):
    raw = (settings.FIXTURES_DIR / "sources" / filename).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SOURCE_SHA256[filename]
    source = Source.objects.get(filename=filename)
    assert source.sha256 == SOURCE_SHA256[filename]
    assert source.text == raw.decode("utf-8")


def test_every_passage_is_a_verbatim_slice_with_its_context():
    passages = Passage.objects.select_related("source")
    assert passages.count() > 50
    for p in passages:
        text = p.source.text
        assert text[p.start : p.end] == p.quote
        assert p.prefix == text[max(0, p.start - 32) : p.start]
        assert p.suffix == text[p.end : p.end + 32]


@pytest.mark.parametrize("model", [kind.model for kind in CITED], ids=lambda m: m.__name__)
def test_every_catalogued_record_cites_a_passage(model):
    assert model.objects.exists()
    assert not model.objects.filter(passages__isnull=True).exists()


def test_the_nine_model_city_projects_are_separate_records():
    nine = FundedProject.objects.filter(
        programme__slug="model-city-yen-loan-programme", instrument="loan"
    ).exclude(slug="model-city-yen-loan-allotment-to-dalian")
    assert nine.count() == 9
    assert nine.filter(sector="14022").count() == 2  # two sewage plants, two records
    for project in nine:
        assert "record" in project.interpretations  # the split is marked as a reading


def test_amounts_keep_their_wording_and_iso_currency():
    equipment = FundedProject.objects.get(slug="jica-environmental-monitoring-equipment")
    assert (equipment.amount, equipment.currency, equipment.amount_as_stated) == (
        30_000_000,
        "CNY",
        "RMB 30,000,000",
    )
    assert "currency" in equipment.interpretations
    # The yen loans are Dalian's programme's funding, not a project beside the nine they pay for.
    dalian = Programme.objects.get(slug="model-city-yen-loan-programme")
    assert (dalian.funding_amount, dalian.funding_currency, dalian.funding_as_stated) == (
        100_000_000,
        "USD",
        "USD100 million",
    )
    assert not FundedProject.objects.filter(currency="USD").exists()
    assert dalian.total_investment_as_stated == "RMB 1.68 billion"
    # The multi-city scheme carries no money of its own: the figures are Dalian's.
    scheme = Programme.objects.get(slug="model-city-scheme")
    assert dalian.part_of == scheme
    assert scheme.total_investment is None and scheme.funding_amount is None


def test_each_end_of_2017_deliverable_is_its_own_milestone():
    targets = Milestone.objects.filter(kind="target", date_as_stated="By the end of 2017")
    assert targets.count() == 6
    assert {m.date.year for m in targets} == {2017}


def test_the_undated_articles_dates_are_marked_inferred_with_reasons():
    # The text supports an upper bound (written before the end of 2017), not a year.
    # The article that tells of the research in Shanghai (other sources may be articles too).
    research_source = Source.objects.filter(
        passages__milestones__slug="dalian-epb-research-in-shanghai"
    )
    article = research_source.distinct().get()
    assert article.kind == "news-article"
    assert article.date_inferred and "end of 2017" in article.date_inference
    assert article.date is None and str(article.date_not_after) == "2017-12-31"
    assert article.evidence["date_not_after"]["status"] == "interpreted"
    research = Milestone.objects.get(slug="dalian-epb-research-in-shanghai")
    assert research.date is None and str(research.date_not_after) == "2016-06-30"
    assert "June last year" in research.interpretation("date_not_after")


def test_the_quote_spanning_a_paragraph_break_is_kept_verbatim():
    passage = Passage.objects.get(quote__contains="one or two\n\n“model city”")
    assert passage.source.text[passage.start : passage.end] == passage.quote


def test_the_global_500_award_names_its_recommender():
    award = Award.objects.get(slug="global-500-award-2001")
    assert (award.year, award.recommended_by.slug, award.conferred_by.acronym) == (
        2001,
        "kitakyushu-city",
        "UNEP",
    )


def _snapshot():
    rows = {}
    for model in [Source, Passage, City, Programme, FundedProject, Milestone, Award]:
        rows[model.__name__] = sorted(
            json.dumps(r, sort_keys=True, default=str) for r in model.objects.values()
        )
    return rows


def test_loading_twice_gives_the_same_catalogue():
    before = _snapshot()
    first_version = CatalogueVersion.objects.get().version
    call_command("load_catalogue", verbosity=0)
    assert _snapshot() == before
    assert CatalogueVersion.objects.get().version == first_version


# --- bad fixtures --------------------------------------------------------------------------

SPEECH = "records/000_dalian_speech_2003.json"


def _edit(doc, slug, **changes):
    for record in doc["records"]:
        if record.get("slug") == slug and not record.get("extend"):
            record.update(changes)
            return doc
    raise AssertionError(slug)


def _record(doc, slug):
    return next(r for r in doc["records"] if r.get("slug") == slug and not r.get("extend"))


def _drop(doc, slug, key):
    for record in doc["records"]:
        if record.get("slug") == slug:
            del record[key]
    return doc


BAD_FIXTURES = {
    "quote-not-in-source": (
        lambda d: _edit(d, "weihai", cite=["Weihai, People’s Republic of China"]),
        ["city 'weihai'", "field 'cite'", "quote not found"],
    ),
    "ambiguous-quote": (
        lambda d: _edit(d, "weihai", cite=["Dalian"]),
        ["city 'weihai'", "field 'cite'", "ambiguous quote"],
    ),
    "unknown-sector": (
        lambda d: _edit(d, "water-supply-project", sector="99999"),
        ["project 'water-supply-project'", "field 'sector'", "unknown sector code"],
    ),
    "missing-citation": (
        lambda d: _drop(d, "kita", "cite"),
        ["partner 'kita'", "field 'cite'", "at least one passage"],
    ),
    "dangling-reference": (
        lambda d: _edit(d, "liang-hongjun", organisation="no-such-bureau"),
        ["person 'liang-hongjun'", "field 'organisation'", "no partner with slug 'no-such-bureau'"],
    ),
    "duplicate-slug": (
        lambda d: d["records"].append(dict(d["records"][0])) or d,
        ["city 'dalian'", "field 'slug'", "duplicate slug"],
    ),
    "invalid-field-value": (
        lambda d: _edit(d, "kitakyushu", country="Japan"),
        ["city 'kitakyushu'", "field 'country'"],
    ),
    "unknown-field": (
        lambda d: _edit(d, "kita", founded="1980"),
        ["partner 'kita'", "field 'founded'", "no such field"],
    ),
    "inferred-date-not-flagged": (
        lambda d: _edit(d, "model-city-proposed-to-china", date_inferred=False),
        ["milestone 'model-city-proposed-to-china'", "field 'date_inferred'", "an interpretation"],
    ),
    "stated-date-flagged-inferred": (
        lambda d: _edit(d, "hashimoto-visits-china-1997", date_inferred=True),
        ["milestone 'hashimoto-visits-china-1997'", "field 'date_inferred'", "an interpretation"],
    ),
    "participants-of-a-kind-without-them": (
        lambda d: _edit(d, "kita", participants=[{"city": "dalian"}]),
        ["partner 'kita'", "field 'participants'", "has participants"],
    ),
    "milestone-participant-twice-in-one-role": (
        lambda d: _edit(
            d,
            "global-500-award-to-dalian",
            participants=[*_record(d, "global-500-award-to-dalian")["participants"]] * 2,
        ),
        ["milestone 'global-500-award-to-dalian' participant 4", "violates a constraint"],
    ),
    "milestone-participant-without-a-role": (
        lambda d: _edit(
            d,
            "global-500-award-to-dalian",
            participants=[
                {k: v for k, v in p.items() if k != "role"}
                for p in _record(d, "global-500-award-to-dalian")["participants"]
            ],
        ),
        ["milestone 'global-500-award-to-dalian' participant 1", "field 'role'"],
    ),
    "wrong-source-hash": (
        lambda d: d["source"].update(sha256="0" * 64) or d,
        ["source 'liang-2003", "field 'sha256'", "hashes to be54aa0a"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FIXTURES))
def test_it_rejects_a_bad_fixture_and_leaves_the_database_unchanged(case, tmp_path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    path = fixtures / SPEECH
    mutate, expected = BAD_FIXTURES[case]
    path.write_text(json.dumps(mutate(full_form(path)), ensure_ascii=False))
    assert_refused_without_change(fixtures, ["fixtures/" + SPEECH, *expected])


def assert_refused_without_change(fixtures, expected):
    """Loading `fixtures` fails naming every fragment of `expected`; the database is unchanged."""
    before = _snapshot()
    version = CatalogueVersion.objects.get()

    with pytest.raises(CommandError) as excinfo:
        call_command("load_catalogue", fixtures=str(fixtures), verbosity=0)

    message = str(excinfo.value)
    for fragment in expected:
        assert fragment in message
    assert _snapshot() == before
    assert CatalogueVersion.objects.get() == version


def test_an_edited_source_text_is_rejected(tmp_path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    text = fixtures / "sources" / "004_0cf99a80e91619dd.txt"
    text.write_text(text.read_text().replace("Shanghai", "Shang-hai", 1))
    with pytest.raises(CommandError, match="field 'sha256'"):
        call_command("load_catalogue", fixtures=str(fixtures), verbosity=0)


def test_the_fixtures_are_readable_by_people():
    for path in Path(settings.FIXTURES_DIR, "records").glob("*.json"):
        doc = full_form(path)
        for record in doc["records"]:
            assert "pk" not in record and "id" not in record  # slugs, not integer ids
