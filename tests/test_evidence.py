"""Evidence per value: every value shown is the source's words or a labelled reading."""

import json
import re
import shutil

import pytest
from django.conf import settings

from programmes import evidence as ev
from programmes.kinds import CITED
from programmes.models import (
    FundedProject,
    Milestone,
    Participation,
    Programme,
    Source,
    Statement,
)
from tests.fixture_figures import full_form

from .test_loader import assert_refused_without_change

pytestmark = pytest.mark.django_db

EVIDENCED_MODELS = [kind.model for kind in CITED]
ALL_MODELS = [*EVIDENCED_MODELS, Participation, Source]
QUOTED = re.compile(r"“([^“”]+)”")


def _records(model):
    return list(model.objects.prefetch_related("passages"))


def _value(record, name):
    field = record._meta.get_field(name)
    if field.many_to_many:
        return [o.pk for o in getattr(record, name).all()]
    if field.is_relation:
        return getattr(record, field.attname)
    return getattr(record, name)


def _source_texts():
    return [s.text for s in Source.objects.all()]


def _in_a_source(wording, texts):
    parts = [p.strip() for p in wording.split("…") if p.strip()]
    for text in texts:
        pos = 0
        for part in parts:
            pos = text.find(part, pos)
            if pos == -1:
                break
            pos += len(part)
        else:
            return True
    return False


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_every_non_empty_factual_field_has_a_status(model):
    exclude = {"programme"} if model is Participation else set()
    records = _records(model)
    assert records
    for record in records:
        for name in ev.factual_fields(model, exclude):
            if ev.is_empty(_value(record, name)):
                continue
            entry = record.evidence_for(name)
            assert entry is not None, f"{model.__name__} {record.pk}: {name} has no evidence"
            assert entry.status in ev.STATUSES
            if entry.is_stated:
                assert entry.passages, f"{model.__name__} {record.pk}: {name} names no words"
            else:
                assert entry.note.strip(), f"{model.__name__} {record.pk}: {name} has no note"


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_every_evidence_passage_is_one_of_the_records_passages(model):
    for record in _records(model):
        spans = {(p.start, p.end) for p in record.passages.all()}
        for name, entry in record.evidence.items():
            for span in entry["passages"]:
                assert tuple(span) in spans, f"{model.__name__} {record.pk}: {name} {span}"


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_every_as_stated_value_is_a_verbatim_slice_of_its_stated_words(model):
    checked = 0
    for record in _records(model):
        for name in ev.factual_fields(model):
            if not ev.is_as_stated(name) or not getattr(record, name, ""):
                continue
            value = getattr(record, name)
            entry = record.evidence_for(name)
            assert entry.is_stated, f"{record}: {name} presented as the source's words"
            assert any(value in p.quote for p in entry.passages), f"{record}: {name}={value!r}"
            for p in entry.passages:
                assert p.source.text[p.start : p.end] == p.quote
            checked += 1
    if model in (Milestone, FundedProject, Source):
        assert checked


def test_every_quoted_wording_is_in_a_source():
    """Text in curly quotation marks is presented as a source's words, wherever it appears."""
    texts = _source_texts()
    found = 0
    for model in ALL_MODELS:
        for record in model.objects.all():
            strings = [
                getattr(record, f.name)
                for f in record._meta.concrete_fields
                if isinstance(getattr(record, f.name), str) and f.name != "text"
            ]
            strings += [entry.get("note", "") for entry in record.evidence.values()]
            for string in strings:
                for wording in QUOTED.findall(string):
                    assert _in_a_source(wording, texts), f"{record}: “{wording}”"
                    found += 1
    assert found > 20


def test_evidence_comes_from_the_prefetched_passages_without_queries(django_assert_num_queries):
    projects = list(FundedProject.objects.prefetch_related("passages"))
    with django_assert_num_queries(0):
        for project in projects:
            for entry in project.evidence_list():
                assert entry.field in project.evidence
                assert all(p.quote for p in entry.passages)


def test_interpretations_stay_readable_as_field_notes():
    for model in EVIDENCED_MODELS:
        for record in model.objects.all():
            interpreted = {
                name: entry["note"]
                for name, entry in record.evidence.items()
                if entry["status"] == ev.INTERPRETED
            }
            assert record.interpretations == interpreted


# --- the corrected readings -------------------------------------------------------------------


def test_no_as_stated_value_carries_an_editorial_gloss():
    for model in ALL_MODELS:
        for record in model.objects.all():
            for name in ev.factual_fields(model):
                value = getattr(record, name, "") if ev.is_as_stated(name) else ""
                assert value not in ("undated", "undated proposal")
                assert "(" not in (value or ""), f"{record}: {name}={value!r}"


def test_presently_is_cited_only_for_the_nine_projects_state():
    presently = "Presently, funds have been passed for each of the nine projects"
    for project in FundedProject.objects.prefetch_related("passages"):
        words = [p.quote for e in project.evidence_list() for p in e.passages]
        nine = project.programme.slug == "model-city-yen-loan-programme"
        assert any(presently in w for w in words) == nine, project.slug


def test_the_model_zone_is_not_marked_completed_when_only_jicas_project_ended():
    zone = Programme.objects.get(slug="dalian-environmental-model-zone")
    assert zone.end_date is None and zone.status == Programme.Status.UNKNOWN
    study = FundedProject.objects.get(slug="jica-development-study-dalian-environmental-model-zone")
    assert (study.status, study.end_year) == ("completed", 2000)


def test_the_japanese_governments_proposal_is_a_labelled_reading():
    proposer = Participation.objects.get(
        programme__slug="model-city-scheme", partner__slug="japanese-government", role="proposer"
    )
    role = proposer.evidence_for("role")
    assert role.is_interpreted and "passive" in role.note
    assert "was proposed to the Chinese side" in role.passages[0].quote


def test_weihai_hosted_a_meeting_and_takes_part_in_no_programme():
    assert not Participation.objects.filter(city__slug="weihai").exists()
    meeting = Milestone.objects.get(slug="kitakyushu-initiative-network-second-meeting")
    assert meeting.cities.filter(slug="weihai").exists()


def test_every_participants_role_says_what_it_rests_on():
    for participation in Participation.objects.prefetch_related("passages"):
        role = participation.evidence_for("role")
        assert role.passages, participation
        assert role.is_stated or role.note


def test_statements_hold_the_sentences_no_other_record_held():
    standards = Statement.objects.filter(topic="standard", city__slug="shanghai")
    assert standards.count() == 2
    quality = Statement.objects.get(slug="dalian-environmental-quality-highest-in-20-years")
    assert any("highest standard in these 20 years" in p.quote for p in quality.passages.all())
    assert quality.evidence_for("summary").is_interpreted


# --- refusals ---------------------------------------------------------------------------------

SPEECH = "records/000_dalian_speech_2003.json"


def _record(doc, slug):
    return next(r for r in doc["records"] if r.get("slug") == slug and not r.get("extend"))


def _drop_evidence(doc, slug, name):
    del _record(doc, slug)["evidence"][name]
    return doc


def _set(doc, slug, **changes):
    _record(doc, slug).update(changes)
    return doc


def _misquote(doc):
    _record(doc, "weihai")["evidence"]["name"] = {"stated": ["Weihai, People’s Republic of China"]}
    return doc


def _drop_statement(doc):
    doc["records"] = [
        r for r in doc["records"] if r.get("slug") != "dalian-potential-for-rational-planning"
    ]
    return doc


def _statement_about_nothing(doc):
    statement = _record(doc, "dalian-best-not-biggest")
    del statement["city"], statement["evidence"]["city"]
    return doc


def _interpret_as_stated(doc):
    _record(doc, "kita-field-study")["evidence"]["date_as_stated"] = {"interpreted": "a note"}
    return doc


BROKEN = {
    "value-without-evidence": (
        lambda d: _drop_evidence(d, "kita", "name"),
        ["partner 'kita'", "field 'name'", "has no evidence"],
    ),
    "gloss-in-as-stated": (
        lambda d: _set(
            d, "dalian-japan-kitakyushu-cooperation-begins", date_as_stated="With approval (1994)"
        ),
        [
            "milestone 'dalian-japan-kitakyushu-cooperation-begins'",
            "field 'date_as_stated'",
            "presented as the source's words",
        ],
    ),
    "as-stated-interpreted": (
        _interpret_as_stated,
        ["milestone 'kita-field-study'", "field 'date_as_stated'", "must be stated"],
    ),
    "quote-not-found": (
        _misquote,
        [
            "city 'weihai'",
            "field 'name'",
            "quote not found",
            "nearest passage",
            "source \"'\" where the quote has '’'",
        ],
    ),
    "uncovered-sentence": (
        _drop_statement,
        [
            "source 'liang-2003",
            "field 'coverage'",
            "uncovered sentence",
            "Through self efforts and international cooperation",
        ],
    ),
    "quoted-wording-not-in-source": (
        lambda d: _set(d, "kita-field-study", description="KITA did a “thorough survey”."),
        ["milestone 'kita-field-study'", "field 'description'", "quoted wording"],
    ),
    "evidence-for-no-field": (
        lambda d: _record(d, "kita")["evidence"].update(nmae={"stated": ["KITA"]}) or d,
        ["partner 'kita'", "field 'nmae'", "evidence for no factual field"],
    ),
    "statement-about-nothing": (
        _statement_about_nothing,
        ["statement 'dalian-best-not-biggest'", "field 'city'", "about a city or a programme"],
    ),
    "interpreted-without-note": (
        lambda d: _record(d, "kita")["evidence"].update(kind={"interpreted": " "}) or d,
        ["partner 'kita'", "field 'kind'", "needs a note"],
    ),
    # Only reference data (a city's native name, its country) rests on no words of a source.
    "interpreted-from-no-words": (
        lambda d: _record(d, "kita")["evidence"].update(kind={"interpreted": "A reading."}) or d,
        ["partner 'kita'", "field 'kind'", "names the words it rests on"],
    ),
}


def _broken_copy(tmp_path, mutate):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    path = fixtures / SPEECH
    path.write_text(json.dumps(mutate(full_form(path)), ensure_ascii=False))
    return fixtures


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_it_refuses_a_value_without_proof_and_changes_nothing(case, tmp_path):
    mutate, expected = BROKEN[case]
    fixtures = _broken_copy(tmp_path, mutate)
    statements = Statement.objects.count()
    assert_refused_without_change(fixtures, ["fixtures/" + SPEECH, *expected])
    assert statements and Statement.objects.count() == statements


def test_the_database_refuses_a_statement_about_nothing():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.create(slug="about-nothing", summary="x", topic="aim")
