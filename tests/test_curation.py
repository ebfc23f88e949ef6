"""The curator's commands: find_quote, draft_source, fixture_schema, and every one of them (with
check_fixtures and load_catalogue) on a fresh checkout whose database has no tables.

Expected values come from the fixtures and the source texts; none is a number typed in here."""

import io
import json
import os
import shutil
import subprocess
import sys

import jsonschema
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from programmes import coverage
from programmes.kinds import LOADED
from programmes.loading.curation import locate, read_text
from programmes.loading.errors import LoadError
from programmes.loading.quotes import find_quote
from programmes.loading.schema import SCHEMA_FILE, choices
from programmes.models import Passage, Source
from tests.fixture_figures import full_form

RECORDS = settings.FIXTURES_DIR / "records"
# A Japanese text made of these sentences (full-width punctuation, no spaces between them).
JAPANESE = [
    "大連市は北九州市と環境協力を進めた。",
    "一九九三年末、「大連環境モデル地区計画」（開発調査）が提案された！",
    "調査は二〇〇〇年三月に完了したか？",
    "ＪＩＣＡが機材を送った。",
]


def _fixtures():
    """(path, document) of every fixture file."""
    return [(path, full_form(path)) for path in sorted(RECORDS.glob("*.json"))]


def _source_text(doc):
    return read_text(settings.FIXTURES_DIR / "sources" / doc["source"]["file"])


def _run(command, *args):
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


QUOTE_LISTS = ("cite", "stated", "from")


def _specs(value):
    """Every quote of this document that a fixture (or part of one) holds, as the loader reads
    it: records', participants', evidence's and the uncatalogued sentences'."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in QUOTE_LISTS and isinstance(inner, list):
                for quote in inner:
                    spec = {"quote": quote} if isinstance(quote, str) else quote
                    if "source" not in spec:  # another document's words
                        yield spec
            elif key == "uncatalogued":
                for mark in inner:
                    yield {k: v for k, v in mark.items() if k != "reason"}
            else:
                yield from _specs(inner)
    elif isinstance(value, list):
        for item in value:
            yield from _specs(item)


# --- find_quote -------------------------------------------------------------------------------


def test_find_quote_gives_the_offsets_the_loader_finds_for_every_fixture_quote():
    # No django_db mark: find_quote needs no database.
    for _path, doc in _fixtures():
        text = _source_text(doc)
        for spec in _specs(doc):
            start, end = find_quote(text, spec, ("", ""))
            found = locate(text, spec["quote"])
            assert {"start": start, "end": end} in [
                {"start": o["start"], "end": o["end"]} for o in found["occurrences"]
            ]
            assert found["nearest"] is None


def test_the_shortest_prefix_picks_out_each_occurrence_as_the_loader_reads_it():
    ambiguous = 0
    for _path, doc in _fixtures():
        text = _source_text(doc)
        for spec in _specs(doc):
            found = locate(text, spec["quote"])["occurrences"]
            if len(found) < 2:
                continue
            ambiguous += 1
            for o in found:
                if o["prefix"] is None:
                    pick = {"quote": spec["quote"], "occurrence": o["occurrence"]}
                else:
                    pick = {"quote": spec["quote"], "prefix": o["prefix"]}
                    # Shortest: one character less and it no longer picks one out.
                    shorter = {"quote": spec["quote"], "prefix": o["prefix"][1:]}
                    with pytest.raises(LoadError, match="ambiguous"):
                        find_quote(text, shorter, ("", ""))
                assert find_quote(text, pick, ("", "")) == (o["start"], o["end"])
    assert ambiguous, "the fixtures disambiguate some quotes with a prefix or an occurrence"


def _with_uncatalogued():
    return next(doc for _path, doc in _fixtures() if doc["source"]["uncatalogued"])


def test_find_quote_prints_a_unique_quotes_offsets_and_sentence():
    doc = _with_uncatalogued()
    text = _source_text(doc)
    quote = doc["source"]["uncatalogued"][0]["quote"]
    start = text.index(quote)
    out = _run("find_quote", doc["source"]["slug"], quote)
    number = coverage.sentences(text).index((start, start + len(quote))) + 1
    assert f"start {start}, end {start + len(quote)}" in out
    assert f"in sentence {number}" in out
    assert "occurs once" in out


def test_find_quote_lists_every_occurrence_of_an_ambiguous_quote():
    for _path, doc in _fixtures():
        prefixed = [s for s in _specs(doc) if "prefix" in s]
        if prefixed:
            break
    spec, text = prefixed[0], _source_text(doc)
    out = json.loads(_run("find_quote", doc["source"]["file"], spec["quote"], "--json"))
    starts = [o["start"] for o in out["occurrences"]]
    assert starts == [i for i in range(len(text)) if text.startswith(spec["quote"], i)]
    lines = _run("find_quote", doc["source"]["slug"], spec["quote"])
    assert f"occurs {len(starts)} times" in lines
    for start in starts:
        assert f"start {start}, end {start + len(spec['quote'])}" in lines


def test_a_near_miss_shows_the_nearest_passage_and_where_it_differs():
    _path, doc = _fixtures()[0]
    text = _source_text(doc)
    quote = doc["source"]["evidence"]["title"]["stated"][0]
    start = text.index(quote)
    middle = len(quote) // 2
    typo = quote[:middle] + "#" + quote[middle + 1 :]
    out = io.StringIO()
    with pytest.raises(CommandError, match="not in"):
        call_command("find_quote", doc["source"]["slug"], typo, stdout=out)
    lines = out.getvalue()
    assert f"start {start}, end {start + len(quote)}" in lines
    assert (
        f"at {start + middle}–{start + middle + 1}: the source has {quote[middle]!r} "
        "where the quote has '#'" in lines
    )


def test_find_quote_counts_code_points_in_a_japanese_text(tmp_path):
    text = "".join(JAPANESE)
    path = tmp_path / "ja.txt"
    path.write_text(text, encoding="utf-8")
    quote = "「大連環境モデル地区計画」（開発調査）"
    out = json.loads(_run("find_quote", str(path), quote, "--json"))
    (only,) = out["occurrences"]
    assert only["start"] == text.index(quote)
    assert only["end"] - only["start"] == len(quote)  # code points, not UTF-8 bytes
    assert only["sentence"] == next(n for n, s in enumerate(JAPANESE, start=1) if quote in s)
    # Half-width brackets typed for the full-width ones: the near miss names each.
    typed = quote.replace("（", "(").replace("）", ")")
    answer = io.StringIO()
    with pytest.raises(CommandError):
        call_command("find_quote", str(path), typed, "--json", stdout=answer)
    near = json.loads(answer.getvalue())["nearest"]
    assert (near["start"], near["end"]) == (only["start"], only["end"])
    assert [(d["source"], d["quote"]) for d in near["differences"]] == [("（", "("), ("）", ")")]
    assert near["differences"][0]["start"] == text.index("（")


def test_find_quote_names_the_sources_it_knows_when_given_another():
    with pytest.raises(CommandError) as excinfo:
        _run("find_quote", "no-such-source", "Dalian")
    for _path, doc in _fixtures():
        assert doc["source"]["slug"] in str(excinfo.value)


@pytest.mark.django_db
def test_every_stored_passage_is_where_find_quote_says():
    for passage in Passage.objects.select_related("source"):
        starts = [o["start"] for o in locate(passage.source.text, passage.quote)["occurrences"]]
        assert passage.start in starts


# --- the fixture schema -----------------------------------------------------------------------


def _validator():
    schema = json.loads((settings.FIXTURES_DIR / SCHEMA_FILE).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_committed_schema_is_what_fixture_schema_generates():
    assert (settings.FIXTURES_DIR / SCHEMA_FILE).read_text() == _run("fixture_schema")


@pytest.mark.parametrize("path", sorted(RECORDS.glob("*.json")), ids=lambda p: p.name)
def test_every_fixture_validates_against_the_schema(path):
    errors = list(_validator().iter_errors(json.loads(path.read_text())))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def _first(doc, model, having="cite"):
    return next(
        r for r in doc["records"] if r["model"] == model and having in r and not r.get("extend")
    )


# What the schema refuses, and the key (or the words) its best-matching error names.
BAD = {
    "unknown-model": (
        lambda d: d["records"].append({"model": "town", "slug": "x", "cite": ["x"]}),
        "model",
    ),
    "unknown-field": (
        lambda d: _first(d, "city").update(population=1),
        "'population' was unexpected",
    ),
    "bad-choice": (lambda d: _first(d, "programme").update(kind="not-a-kind"), "kind"),
    "no-cite": (lambda d: _first(d, "award").pop("cite"), "'cite' is a required property"),
    "evidence-for-no-field": (
        lambda d: _first(d, "partner", "evidence")["evidence"].update(x={"stated": ["x"]}),
        "evidence",
    ),
    "stated-and-interpreted": (
        lambda d: _first(d, "person", "evidence")["evidence"].update(
            name={"stated": ["x"], "interpreted": "y"}
        ),
        "name",
    ),
    "city-and-partner": (
        lambda d: _first(d, "programme", "participants")["participants"][0].update(
            city="dalian", partner="jica"
        ),
        "participants",
    ),
    "bad-slug": (lambda d: _first(d, "milestone").update(slug="Not A Slug"), "slug"),
    "over-long": (lambda d: _first(d, "city").update(name="x" * 1000), "name"),
    "bad-hash": (lambda d: d["source"].update(sha256="nothex"), "sha256"),
    "extend-with-fields": (
        lambda d: d["records"].append(
            {"model": "city", "slug": "dalian", "extend": True, "cite": ["x"], "name": "y"}
        ),
        "'name' was unexpected",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_schema_refuses_what_the_loader_refuses(case):
    doc = full_form(RECORDS / "000_dalian_speech_2003.json")
    mutate, named = BAD[case]
    mutate(doc)
    error = jsonschema.exceptions.best_match(_validator().iter_errors(doc))
    assert error is not None
    assert named in error.absolute_path or named in error.message, error


# --- draft_source -----------------------------------------------------------------------------


def _draft(*args):
    return json.loads(_run("draft_source", *args))


@pytest.mark.parametrize("path", sorted(RECORDS.glob("*.json")), ids=lambda p: p.name)
def test_a_draft_has_the_sources_hash_sentences_and_a_stub_for_each(path):
    doc = json.loads(path.read_text())
    text = _source_text(doc)
    draft = _draft(str(settings.FIXTURES_DIR / "sources" / doc["source"]["file"]))
    assert draft["source"]["sha256"] == doc["source"]["sha256"]
    assert draft["source"]["file"] == doc["source"]["file"]
    spans = coverage.sentences(text)
    assert [
        (s["sentence"], s["start"], s["end"], s["text"]) for s in draft["draft"]["sentences"]
    ] == [(n, a, b, text[a:b]) for n, (a, b) in enumerate(spans, start=1)]
    assert len(draft["records"]) == len(spans)
    for record, (a, b) in zip(draft["records"], spans, strict=True):
        assert find_quote(text, record["cite"][0], ("", "")) == (a, b)


def test_a_drafts_choices_are_the_models():
    found = choices()
    assert found["model"] == [kind.fixture for kind in LOADED]
    assert found["source"]["kind"] == dict(Source.Kind.choices)
    for kind in LOADED:
        for f in kind.model._meta.concrete_fields:
            if f.choices:
                assert found[kind.fixture][f.name] == {str(v): str(k) for v, k in f.flatchoices}
        if kind.participation:
            role = kind.participation._meta.get_field("role")
            assert found["participant"]["role"] == dict(role.flatchoices)
    drafted = _draft(str(settings.FIXTURES_DIR / "sources" / _fixtures()[0][1]["source"]["file"]))
    assert drafted["draft"]["choices"] == json.loads(json.dumps(found))


def _folder_with(tmp_path, name, text, **options):
    """A copy of the fixtures with a new source `name` of `text`, and its draft written into
    records/ as draft_source writes it."""
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    (fixtures / "sources" / name).write_text(text, encoding="utf-8")
    target = fixtures / "records" / "900_draft.json"
    args = [f"--{k}={v}" for k, v in options.items()]
    call_command("draft_source", str(fixtures / "sources" / name), "-o", str(target), *args)
    return fixtures, target


def _check(fixtures):
    out = io.StringIO()
    try:
        call_command("check_fixtures", fixtures=str(fixtures), stdout=out)
    except CommandError as exc:
        return out.getvalue().splitlines(), str(exc)
    return out.getvalue().splitlines(), ""


def test_check_fixtures_names_everything_a_japanese_draft_leaves_to_fill(tmp_path):
    fixtures, target = _folder_with(tmp_path, "900_ja.txt", "".join(JAPANESE), language="ja")
    draft = json.loads(target.read_text())
    assert [s["text"] for s in draft["draft"]["sentences"]] == JAPANESE
    assert draft["source"]["language"] == "ja"
    lines, failure = _check(fixtures)
    assert failure
    problems = [line for line in lines if line.startswith("fixtures/records/900_draft.json")]
    assert problems == lines  # the real fixtures stay clean
    stubs = [line for line in problems if "field 'model': unknown model ''" in line]
    assert [line.split("'")[1] for line in stubs] == [r["slug"] for r in draft["records"]]
    assert all(", ".join(kind.fixture for kind in LOADED) in line for line in stubs)
    assert any("field 'kind'" in line for line in problems)
    assert any("field 'title'" in line for line in problems)
    (uncovered,) = [line for line in problems if "field 'coverage'" in line]
    assert f"{len(JAPANESE)} of {len(JAPANESE)} sentences are cited by no record" in uncovered
    assert len(problems) == len(stubs) + 3


def test_a_draft_filled_in_passes_check_fixtures(tmp_path):
    _path, doc = _fixtures()[-1]
    text = _source_text(doc)
    title = doc["source"]["title"]
    fixtures, target = _folder_with(
        tmp_path, "900_en.txt", text, title=title, kind="news-article", slug="a-new-article"
    )
    draft = json.loads(target.read_text())
    assert draft["source"]["evidence"]["title"] == {"stated": [title]}
    lines, _failure = _check(fixtures)
    assert any("field 'kind'" in line and "has no evidence" in line for line in lines)
    # Filled in: its classification's evidence, and each sentence marked as carrying no fact.
    draft["source"]["evidence"]["kind"] = {
        "interpreted": "A headline and a report.",
        "from": [title],
    }
    stubs = draft.pop("records")
    for stub in stubs:
        (quote,) = stub["cite"]
        if quote == title:  # the header line the source's own evidence cites
            continue
        mark = {"quote": quote} if isinstance(quote, str) else dict(quote)
        draft["source"]["uncatalogued"].append({**mark, "reason": "left for a later reading"})
    target.write_text(json.dumps(draft, ensure_ascii=False))
    assert _check(fixtures) == (
        ["Fixtures OK: every value has evidence, every sentence is accounted for."],
        "",
    )
    _validator().validate(draft)


# --- a fresh checkout -------------------------------------------------------------------------


def _manage(*args, database):
    environ = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**environ, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_curator_command_works_on_a_database_without_tables(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    doc = _with_uncatalogued()
    quote = doc["source"]["uncatalogued"][0]["quote"]
    source = str(settings.FIXTURES_DIR / "sources" / doc["source"]["file"])
    for args in (
        ["check_fixtures"],
        ["find_quote", doc["source"]["slug"], quote],
        ["draft_source", source],
        ["fixture_schema"],
    ):
        run = _manage(*args, database=database)
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr
    assert not database.exists() or database.stat().st_size == 0  # none of them needs one
    run = _manage("load_catalogue", database=database)
    assert run.returncode == 0, run.stderr
    assert "migrating it first" in run.stderr and "Traceback" not in run.stderr
    assert run.stdout.startswith("Loaded catalogue version")
    run = _manage("load_catalogue", database=database)  # now migrated: nothing more to say
    assert run.returncode == 0 and "migrating" not in run.stderr, run.stderr
