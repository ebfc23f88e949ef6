"""The fixtures' shorthand ("format": 2): named quotes and notes, `[]` and a missing `from` standing
for the record's cite. It says the same as the full form: the same catalogue, the same version,
and files in the full form keep loading or are converted by `manage.py upgrade_fixtures`."""

import io
import json
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command

from programmes.loading.errors import LoadError
from programmes.loading.loader import check_fixtures, load_catalogue
from programmes.loading.shorthand import FORMAT, compact, dumps, expand
from programmes.models import City, Statement
from tests.fixture_figures import full_form

pytestmark = pytest.mark.django_db

RECORD_FILES = sorted((settings.FIXTURES_DIR / "records").glob("*.json"))


def _no_words_said(doc):
    """The full form with every interpreted value's missing `from` written as `[]` (the same)."""
    if isinstance(doc, dict):
        doc = {k: _no_words_said(v) for k, v in doc.items()}
        if "interpreted" in doc:
            doc.setdefault("from", [])
        return doc
    if isinstance(doc, list):
        return [_no_words_said(v) for v in doc]
    return doc


def _in_full_form(tmp_path):
    """A copy of the fixtures with every file written in the full form."""
    fixtures = tmp_path / "full"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    for path in (fixtures / "records").glob("*.json"):
        path.write_text(json.dumps(full_form(path), ensure_ascii=False, indent=1))
    return fixtures


# The project's own files; a curator's new file may be in either form.
SHORTHAND_FILES = ["000_dalian_speech_2003.json", "004_dalian_shanghai_article.json"]


@pytest.mark.parametrize("name", SHORTHAND_FILES)
def test_the_projects_fixture_files_are_written_in_the_shorthand(name):
    path = settings.FIXTURES_DIR / "records" / name
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == FORMAT
    assert dumps(doc) == path.read_text(encoding="utf-8"), "write it with upgrade_fixtures"


@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda p: p.name)
def test_the_shorthand_of_the_full_form_says_the_same(path):
    full = full_form(path)
    assert _no_words_said(expand(compact(full))) == _no_words_said(full)


def test_the_full_form_loads_to_the_same_catalogue_and_version(tmp_path):
    shorthand = load_catalogue(settings.FIXTURES_DIR).version
    assert load_catalogue(_in_full_form(tmp_path)).version == shorthand


def test_upgrade_fixtures_converts_the_full_form_keeping_the_version(tmp_path):
    fixtures = _in_full_form(tmp_path)
    before = {p.name: p.stat().st_size for p in (fixtures / "records").glob("*.json")}
    version = load_catalogue(fixtures).version
    call_command("upgrade_fixtures", fixtures=str(fixtures), stdout=io.StringIO())
    for path in (fixtures / "records").glob("*.json"):
        assert json.loads(path.read_text())["format"] == FORMAT
    for name in SHORTHAND_FILES:  # the project's files halve
        assert (fixtures / "records" / name).stat().st_size * 2 <= before[name]
    assert load_catalogue(fixtures).version == version
    out = io.StringIO()
    call_command("upgrade_fixtures", fixtures=str(fixtures), stdout=out)
    assert "already in format 2" in out.getvalue()


def test_an_interpreted_value_without_from_rests_on_its_records_cite():
    # Its fixture gives the topic a note alone; the record cites one sentence.
    statement = Statement.objects.get(slug="dalian-environmental-quality-highest-in-20-years")
    topic = statement.evidence_for("topic")
    assert topic.is_interpreted
    assert [p.quote for p in topic.passages] == [
        p.quote for p in statement.passages.all() if "highest standard" in p.quote
    ]


def test_reference_data_rests_on_no_words():
    dalian = City.objects.get(slug="dalian")
    assert dalian.evidence["native_name"]["passages"] == []


def _problems(tmp_path, mutate):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    path = fixtures / "records" / RECORD_FILES[0].name
    doc = json.loads(path.read_text())
    mutate(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False))
    return [str(p) for p in check_fixtures(fixtures)]


def test_a_quote_name_the_file_does_not_give_is_named_with_its_record(tmp_path):
    def cite_unknown(doc):
        record = next(r for r in doc["records"] if not r.get("extend"))
        record["cite"] = ["@no-such-quote"]

    problem = _problems(tmp_path, cite_unknown)[0]
    assert "no quote named 'no-such-quote'" in problem and "field 'cite'" in problem


def test_a_source_names_the_words_of_its_interpretations(tmp_path):
    def bare(doc):
        doc["source"]["evidence"]["kind"] = "a note without words"

    problem = _problems(tmp_path, bare)[0]
    assert "field 'kind'" in problem and "'from'" in problem


def test_expand_refuses_another_format():
    with pytest.raises(LoadError, match="format"):
        expand({"format": 3, "source": {}, "records": []}, "f.json")
