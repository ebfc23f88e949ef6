"""Coverage: every sentence of every source is cited by a record or marked as carrying no fact."""

import json
import shutil

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from programmes.coverage import coverage, faults, sentences
from programmes.models import Source
from tests.fixture_figures import full_form

SPEECH_FILE = "000_4cc8e71ad9c1e97d.txt"
ARTICLE_FILE = "004_0cf99a80e91619dd.txt"


def _text(filename):
    return (settings.FIXTURES_DIR / "sources" / filename).read_text(encoding="utf-8")


def _sentences(filename):
    text = _text(filename)
    return [text[a:b] for a, b in sentences(text)]


def test_header_lines_are_sentences_of_their_own():
    speech = _sentences(SPEECH_FILE)
    assert speech[:6] == [
        "Second Meeting of the Kitakyushu Initiative Network (Mayors' Segment)",
        "17 October 2003",
        "Weihai, People's Republic of China",
        "Mr. Liang Hongjun",
        "Vice Chief, Dalian Environmental Protection Bureau, City of Dalian (China)",
        "Environmental Protection and International Cooperation in Dalian",
    ]
    assert _sentences(ARTICLE_FILE)[0].startswith("Dalian Has Learnt from Shanghai")


def test_an_honorific_does_not_end_a_sentence():
    speech = _sentences(SPEECH_FILE)
    assert any(
        s.startswith("At the end of 1993, Mayor Sueyoshi") and "Mr. Mizuno" in s for s in speech
    )
    assert not any(s in ("Mr.", "Mr") for s in speech)


def test_the_sentence_broken_by_a_blank_line_is_one_sentence():
    speech = _sentences(SPEECH_FILE)
    assert (
        "At that time, the creation of one or two\n\n“model city” was proposed to the Chinese side."
        in speech
    )


def test_a_sentence_may_end_with_etc():
    article = _sentences(ARTICLE_FILE)
    assert any(s.endswith("atmosphere, water, soil, etc.") for s in article)
    assert any(s.startswith("The Cooperation Program was thus put forwards") for s in article)


def test_the_split_is_deterministic_and_covers_the_text():
    for filename in (SPEECH_FILE, ARTICLE_FILE):
        text = _text(filename)
        spans = sentences(text)
        assert spans == sentences(text)
        assert [b <= c for (_a, b), (c, _d) in zip(spans, spans[1:], strict=False)] == [True] * (
            len(spans) - 1
        )
        outside = "".join(
            text[b:c]
            for (_a, b), (c, _d) in zip([(0, 0), *spans], [*spans, (len(text), 0)], strict=True)
        )
        assert outside.strip() == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A b. C d.", ["A b.", "C d."]),
        ("Mr. Smith came. He left.", ["Mr. Smith came.", "He left."]),
        ("Title\n\nBody one. Body two.", ["Title", "Body one.", "Body two."]),
        ("broken in\n\n“two” parts.", ["broken in\n\n“two” parts."]),
        ("Says “yes.” Then no.", ["Says “yes.”", "Then no."]),
        # Japanese and Chinese end a sentence at 。！？ with no space after it.
        (
            "大連市は環境協力を始めた。北九州市が支援した！",
            ["大連市は環境協力を始めた。", "北九州市が支援した！"],
        ),
        (
            "「モデル地区」と呼ばれた。」次に進んだ？はい。",
            ["「モデル地区」と呼ばれた。」", "次に進んだ？", "はい。"],
        ),
        ("大连向上海学习。上海的标准更高！", ["大连向上海学习。", "上海的标准更高！"]),
        ("Dalian 大连。Mr. Liang spoke.", ["Dalian 大连。", "Mr. Liang spoke."]),
    ],
)
def test_it_splits_small_texts(text, expected):
    assert [text[a:b] for a, b in sentences(text)] == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "total", "no_fact"), [(SPEECH_FILE, 43, 1), (ARTICLE_FILE, 11, 0)]
)
def test_both_sources_are_covered_to_the_last_sentence(filename, total, no_fact):
    source = Source.objects.get(filename=filename)
    summary = source.coverage_summary
    assert summary["sentences"] == total == len(sentences(source.text))
    assert summary["unaccounted"] == 0
    assert summary["cited"] + summary["no_catalogued_fact"] == total
    assert summary["no_catalogued_fact"] == no_fact
    for row in source.coverage:
        assert row["records"] or row["no_fact"].strip()


@pytest.mark.django_db
def test_each_sentence_names_the_records_that_cite_it():
    speech = Source.objects.get(filename=SPEECH_FILE)
    rows = {speech.text[r["start"] : r["end"]]: r for r in speech.coverage}
    quality = rows[
        "Environmental quality has improved to its highest standard in these 20 years and "
        "harmonious development of the economy, society, and environment has been well "
        "demonstrated."
    ]
    assert ["statement", "dalian-environmental-quality-highest-in-20-years"] in quality["records"]
    assert quality["full"]
    assert ["source", speech.slug] in rows["17 October 2003"]["records"]
    thanks = rows["Thank you."]
    assert thanks["records"] == [] and "courtesy" in thanks["no_fact"]


@pytest.mark.django_db
def test_a_sentence_cannot_be_both_cited_and_marked_as_no_fact(tmp_path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    path = fixtures / "records/000_dalian_speech_2003.json"
    doc = full_form(path)
    doc["source"]["uncatalogued"].append({"quote": "17 October 2003", "reason": "a date"})
    path.write_text(json.dumps(doc, ensure_ascii=False))
    with pytest.raises(CommandError, match="cited by a record and marked as carrying no fact"):
        call_command("load_catalogue", fixtures=str(fixtures), verbosity=0)


# --- check_fixtures: no database, every problem at once ---------------------------------------


def test_check_fixtures_passes_the_real_fixtures_without_a_database(capsys):
    # No django_db mark: any query here would fail the test.
    call_command("check_fixtures")
    assert "Fixtures OK" in capsys.readouterr().out


def test_check_fixtures_prints_every_problem_with_the_nearest_passage(tmp_path, capsys):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    path = fixtures / "records/000_dalian_speech_2003.json"
    doc = full_form(path)
    records = {r["slug"]: r for r in doc["records"] if not r.get("extend")}
    records["weihai"]["evidence"]["name"] = {"stated": ["Weihai, People’s Republic of China"]}
    records["kita"]["cite"] = ["Mr. Mizuno, President of the Kitakyushu Techno-Cooperative"]
    del records["sepa"]["evidence"]["acronym"]
    path.write_text(json.dumps(doc, ensure_ascii=False))

    with pytest.raises(CommandError, match="3 problem"):
        call_command("check_fixtures", fixtures=str(fixtures))

    out = capsys.readouterr().out
    assert "city 'weihai': field 'name': quote not found" in out
    assert "nearest passage" in out and "Weihai, People's Republic of China" in out
    assert "partner 'kita': field 'cite': quote not found" in out
    assert "'International ' where the quote has ''" in out
    assert "partner 'sepa': field 'acronym'" in out
    assert all(
        line.startswith("fixtures/records/000_dalian_speech_2003.json") for line in out.splitlines()
    )


def test_a_japanese_sentence_no_record_cites_is_unaccounted():
    """Ten Japanese sentences were five units when only .!? ended one: a fragment no record
    cited passed as part of a sentence that was. Each is now a sentence of its own."""
    text = "大連市は北九州市と協力した。環境モデル地区が提案された。調査は二〇〇〇年に終わった。"
    first, second, third = sentences(text)
    cited = [(("milestone", "a"), *first), (("milestone", "b"), *second)]
    _contradicted, uncovered = faults(coverage(text, cited, {}))
    assert [(row["start"], row["end"]) for row in uncovered] == [third]
