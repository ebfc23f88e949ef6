"""Search finds records and source passages, highlights only the matched words, escapes the rest."""

import html
import importlib

import pycountry
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programmes.kinds import SEARCHED
from programmes.models import FundedProject, Passage, Source
from programmes.search import HITS_PER_GROUP, highlight, parse_terms, search

pytestmark = pytest.mark.django_db

SEWAGE_PROJECTS = ["sewage-processing-plant-1", "sewage-processing-plant-2"]


def _group(results, kind):
    return next((g for g in results.groups if g.kind == kind), None)


def test_it_finds_both_sewage_plant_projects_and_the_passage_with_the_term_marked(client):
    html = client.get(reverse("programmes:search"), {"q": "sewage"}).content.decode()
    for slug in SEWAGE_PROJECTS:
        assert FundedProject.objects.get(slug=slug).get_absolute_url() in html
    passage = Passage.objects.get(quote="two sewage processing plant projects")
    assert f'href="{passage.get_absolute_url()}"' in html
    assert "<mark>sewage</mark>" in html.replace("<mark>Sewage</mark>", "<mark>sewage</mark>")


def test_it_marks_the_matched_word_in_each_snippet():
    results = search("sewage")
    projects = _group(results, "project")
    assert {h.url.rstrip("/").rsplit("/", 1)[-1] for h in projects.hits} >= set(SEWAGE_PROJECTS)
    for group in results.groups:
        for hit in group.hits:
            assert "<mark>" in hit.snippet.lower(), (group.kind, hit.snippet)
            assert "sewage</mark>" in hit.snippet.lower()


@pytest.mark.postgres
def test_it_finds_word_forms_on_postgresql():
    """English stemming: "sewage plants" finds "two sewage processing plant projects"."""
    results = search("sewage plants")
    projects = _group(results, "project")
    assert projects is not None
    titles = [h.title for h in projects.hits]
    assert "Sewage processing plant project (first of two)" in titles
    passages = _group(results, "passage")
    assert any("<mark>plant</mark>" in h.snippet for h in passages.hits)


def test_a_quoted_phrase_matches_only_as_a_phrase():
    phrase = search('"sewage processing"')
    assert _group(phrase, "project") is not None
    # Both words occur in the speech, never in this order.
    assert search('"processing sewage"').groups == []


def test_several_words_must_all_match():
    both = search("sewage Shanghai")
    passages = _group(both, "passage")
    for hit in passages.hits if passages else []:
        assert "shanghai" in hit.snippet.lower() and "sewage" in hit.snippet.lower()
    assert _group(both, "project") is None


def test_it_escapes_the_text_around_the_marks():
    snippet = highlight("<b>sewage</b> & water", ["sewage"])
    assert snippet == "&lt;b&gt;<mark>sewage</mark>&lt;/b&gt; &amp; water"


def test_it_escapes_markup_in_the_query_and_finds_nothing(client):
    response = client.get(reverse("programmes:search"), {"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


def test_it_cuts_long_text_to_a_window_around_the_first_match():
    text = "word " * 200 + "sewage " + "word " * 200
    snippet = highlight(text, ["sewage"])
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>sewage</mark>" in snippet
    assert len(snippet) < 300


def test_it_parses_words_and_quoted_phrases():
    assert parse_terms('Sewage "processing  plant" -dust or water') == [
        "sewage",
        "processing plant",
        "dust",
        "water",
    ]


def test_paragraph_hits_link_to_a_cited_passage_in_the_source_reader():
    paragraphs = _group(search("sewage"), "paragraph")
    assert paragraphs.hits
    for hit in paragraphs.hits:
        assert hit.url.startswith(hit.source_url)
    assert any("#passage-" in hit.url for hit in paragraphs.hits)


def test_it_runs_a_constant_number_of_queries():
    with CaptureQueriesContext(connection) as few:
        search("sewage")
    with CaptureQueriesContext(connection) as many:
        search("Dalian")
    # One query per group of records (eight kinds) and the source paragraphs.
    assert len(few) == len(many) <= 11


def test_it_caps_each_group():
    for group in search("the").groups:
        assert len(group.hits) <= HITS_PER_GROUP


@pytest.mark.parametrize("url_name", ["programmes:search", "programmes:search-json"])
def test_it_rejects_an_over_long_query_with_400(client, url_name):
    response = client.get(reverse(url_name), {"q": "x" * 201})
    assert response.status_code == 400
    assert b"200 characters" in response.content


@pytest.mark.parametrize("url_name", ["programmes:search", "programmes:search-json"])
def test_it_rejects_an_unknown_parameter_with_400(client, url_name):
    response = client.get(reverse(url_name), {"q": "sewage", "sector": "14022"})
    assert response.status_code == 400
    assert b"sector" in response.content


def test_an_empty_query_shows_a_prompt(client):
    response = client.get(reverse("programmes:search"), {"q": ""})
    assert response.status_code == 200
    assert b"Search the catalogue" in response.content
    assert b"<mark>" not in response.content


def test_the_json_twin_has_the_same_results(client):
    data = client.get(reverse("programmes:search-json"), {"q": "sewage"}).json()
    results = search("sewage")
    assert data["count"] == results.count
    assert [g["kind"] for g in data["groups"]] == [g.kind for g in results.groups]
    projects = next(g for g in data["groups"] if g["kind"] == "project")
    assert all(r["url"].startswith("http://testserver/projects/") for r in projects["results"])
    assert all("<mark>" in r["snippet"] for r in projects["results"])


SEARCH_INDEXES = importlib.import_module("programmes.migrations.0003_search_indexes")


def test_the_search_indexes_cover_exactly_the_fields_searched():
    """An expression index serves only the expression it was built on: a kind whose
    `search_fields` change needs a migration indexing the new vector."""
    indexed = {model: fields for model, _name, fields in SEARCH_INDEXES.SEARCH_INDEXES}
    for kind in SEARCHED:
        assert indexed.pop(kind.model._meta.model_name) == kind.search_fields, kind.key
    assert indexed == {"passage": ("quote",), "source": ("text",)}


@pytest.mark.postgres
def test_every_search_query_finds_its_matches_through_its_index():
    """With every other way to read a table priced out, a query whose vector is not the indexed
    expression still scans its table (or walks another index whole); one that is reads the GIN
    index."""
    index_of = {model: name for model, name, _fields in SEARCH_INDEXES.SEARCH_INDEXES}
    with CaptureQueriesContext(connection) as queries:
        search("sewage")
    searching = [q["sql"] for q in queries.captured_queries if "@@" in q["sql"]]
    tables = [kind.model._meta.db_table for kind in SEARCHED] + [
        Passage._meta.db_table,
        Source._meta.db_table,
    ]
    assert len(searching) == len(tables)
    with connection.cursor() as cursor:
        for method in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        for sql, table in zip(searching, tables, strict=True):
            assert f'FROM "{table}"' in sql or f"FROM {table} " in sql
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            model = table.removeprefix("programmes_")
            assert f"Bitmap Index Scan on {index_of[model]}" in plan, plan


LESSON = "Dalian Environmental Protection Bureau learned during the research in Shanghai"


@pytest.mark.parametrize(
    "q", ["What did Dalian learn from Shanghai", "learn from Shanghai", "Dalian learned Shanghai"]
)
def test_a_question_or_another_word_form_finds_the_sentence_that_answers_it(q):
    """On both databases: the words a question is asked in need not occur, and "learn" finds
    "learned" (snowball stems on SQLite, PostgreSQL's English configuration there)."""
    passages = _group(search(q), "passage")
    assert passages is not None
    assert any(
        LESSON in html.unescape(str(h.snippet)).replace("<mark>", "").replace("</mark>", "")
        for h in passages.hits
    ), [h.snippet for h in passages.hits]


def test_on_sqlite_hits_matching_more_words_come_first():
    if connection.vendor != "sqlite":
        pytest.skip("the ranking of the SQLite engine")
    hits = _group(search("What did Dalian learn from Shanghai"), "passage").hits
    counts = [
        sum(w in str(h.snippet).lower() for w in ("dalian", "learn", "from", "shanghai"))
        for h in hits
    ]
    assert counts == sorted(counts, reverse=True)
    # A stem is marked as the whole word it is part of.
    assert any("<mark>learned</mark>" in str(h.snippet) for h in hits)


def test_a_passage_hit_is_titled_by_its_own_words_and_one_per_sentence():
    """Titled by the passage's words (the source's, so quoted), with its source; passages that
    overlap in one source (a sentence cited whole and in parts) make one hit."""
    passages = _group(search('"red line"'), "passage")
    assert passages is not None
    by_url = {p.get_absolute_url(): p for p in Passage.objects.select_related("source")}
    seen = []
    for hit in passages.hits:
        passage = by_url[hit.url]
        assert hit.quoted
        words = hit.title.removesuffix(" …")
        assert " ".join(passage.quote.split()).startswith(words), hit.title
        assert hit.source_title == passage.source.title
        for other in seen:
            assert other.source_id != passage.source_id or not (
                other.start < passage.end and passage.start < other.end
            ), (other, passage)
        seen.append(passage)


def test_a_search_in_a_script_no_source_is_written_in_says_so(client):
    if any(
        "\u4e00" <= c <= "\u9fff" for s in Source.objects.values_list("text", flat=True) for c in s
    ):
        pytest.skip("a source is written in Chinese characters")
    page = client.get(reverse("programmes:search"), {"q": "红线"}).content.decode()
    assert "sources are written in" in page
    for code in Source.objects.values_list("language", flat=True):
        assert pycountry.languages.get(alpha_2=code).name in page
    latin = client.get(reverse("programmes:search"), {"q": "zzzqqq"}).content.decode()
    assert "sources are written in" not in latin and "Try fewer words" in latin
