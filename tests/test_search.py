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
        # A passage found through a record it states holds some of the words, not all.
        if not hit.cited_for:
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
    # One query per group of records (eight kinds), one for passages, the source paragraphs,
    # their passages, and two for the passages of the records found.
    assert len(few) == len(many) <= 13


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
SEARCH_TEXT_INDEXES = importlib.import_module("programmes.migrations.0005_search_text")


def test_every_searched_kind_has_its_search_text_indexed():
    """A record kind is searched by its `search_text` (migration 0005 indexes its vector), a
    passage by its quote and a source by its text (0003)."""
    indexed = {model for model, _old, _new in SEARCH_TEXT_INDEXES.SEARCHED}
    assert indexed == {kind.model._meta.model_name for kind in SEARCHED}
    kept = {m for m, _n, _f in SEARCH_INDEXES.SEARCH_INDEXES} - indexed
    assert kept == {"passage", "source"}


@pytest.mark.postgres
def test_every_search_query_finds_its_matches_through_its_index():
    """With every other way to read a table priced out, a query whose vector is not the indexed
    expression still scans its table (or walks another index whole); one that is reads the GIN
    index."""
    index_of = {model: name for model, name, _fields in SEARCH_INDEXES.SEARCH_INDEXES}
    index_of.update({model: new for model, _old, new in SEARCH_TEXT_INDEXES.SEARCHED})
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


# --- what a record names and how it is classified are searched with it ----------------------


def _jica_equipment():
    """The projects JICA funded as equipment, read from the catalogue, with the passages their
    titles' evidence names."""
    projects = FundedProject.objects.filter(funders__acronym="JICA", instrument="equipment")
    assert projects, "the fixtures hold the equipment JICA sent"
    return {
        project.get_absolute_url(): {
            p.get_absolute_url() for p in project.evidence_for("title").passages
        }
        for project in projects
    }


def test_jica_equipment_finds_the_project_and_the_sentence_it_rests_on():
    """On both databases: "JICA" is the project's funder and "equipment" its instrument, neither
    in its title; the sentence stating the title ("JICA sent our city automatic atmospheric
    observation trucks") is found through it and says so."""
    expected = _jica_equipment()
    results = search("JICA equipment")
    projects = {hit.url for hit in _group(results, "project").hits}
    assert set(expected) <= projects
    passages = {hit.url: hit for hit in _group(results, "passage").hits}
    for project_url, passage_urls in expected.items():
        for url in passage_urls:
            hit = passages[url]
            assert hit.cited_for_url == project_url
            assert "<mark>JICA</mark>" in hit.snippet


def test_a_passage_found_through_a_record_says_which_in_the_page_and_the_json(client):
    page = client.get(reverse("programmes:search"), {"q": "JICA equipment"}).content.decode()
    data = client.get(reverse("programmes:search-json"), {"q": "JICA equipment"}).json()
    passages = next(g for g in data["groups"] if g["kind"] == "passage")["results"]
    for project_url, passage_urls in _jica_equipment().items():
        assert f'The source’s words for <a href="{project_url}">' in page
        through = [hit for hit in passages if hit["cited_for"]]
        assert {hit["url"].removeprefix("http://testserver") for hit in through} >= passage_urls
        assert all(hit["cited_for"]["url"].endswith(project_url) for hit in through)


def test_a_list_matches_the_words_search_matches():
    """`/projects/?q=JICA` finds the projects JICA funded, by their funder's name."""
    funded = set(
        FundedProject.objects.filter(funders__acronym="JICA").values_list("slug", flat=True)
    )
    assert funded
    listed = FundedProject.objects.all()
    from programmes.kinds import BY_KEY

    filtered = BY_KEY["project"].filterset({"q": "JICA"}, queryset=listed).qs
    assert set(filtered.values_list("slug", flat=True)) == funded


def test_every_record_is_found_by_each_word_its_declaration_searches():
    """Each load writes every record's search text from its kind's declaration: its own searched
    fields as they stand, and more (the names of what it names, its classifications)."""
    for kind in SEARCHED:
        written = dict(kind.model.objects.values_list("pk", "search_text"))
        for pk, values in kind.search_rows():
            assert written[pk] == kind.search_text(values), (kind.key, pk)
        for record in kind.list_queryset("json"):
            for f in kind.search_fields:
                if f.name != f.lookup:
                    continue
                display = getattr(record, f"get_{f.name}_display", None)  # a choice's label
                value = display() if display else getattr(record, f.name)
                assert not value or str(value) in record.search_text, (record, f.name)


@pytest.mark.parametrize("q", ["大連", "大连"])
def test_a_city_is_found_under_each_form_of_its_han_name(q):
    """On both databases: the fixtures write Dalian's native name 大连 (simplified); 大連 is how
    Japanese and traditional Chinese write it."""
    city = next(c for c in SEARCHED[0].model.objects.all() if c.native_name == "大连")
    cities = _group(search(q), "city")
    assert cities.hits[0].url == city.get_absolute_url()
    assert "<mark>大连</mark>" in cities.hits[0].snippet


def test_japanese_words_are_found_in_records_and_passages_in_each_form():
    """A Japanese record and passage (made here): 開発調査 finds them as written, and as
    simplified Chinese writes the same words (开发调查); on PostgreSQL too, whose English
    configuration cannot split Japanese into words."""
    from programmes.loading import search_text
    from programmes.models import Milestone

    text = "大連市の環境モデル地区の開発調査が始まった。"
    source = Source.objects.create(
        slug="ja-test",
        title="テスト",
        kind="report",
        filename="ja.txt",
        text=text,
        sha256="0" * 64,
        language="ja",
    )
    start = text.index("開発調査")
    passage = Passage.objects.create(
        source=source, start=start, end=start + 4, quote="開発調査", prefix="", suffix=""
    )
    milestone = Milestone.objects.create(
        slug="ja-study", title="大連環境モデル地区開発調査", kind="start"
    )
    milestone.passages.add(passage)
    search_text.write()
    for q in ("開発調査", "开发调查"):
        results = search(q)
        assert milestone.get_absolute_url() in {h.url for h in _group(results, "milestone").hits}
        assert passage.get_absolute_url() in {h.url for h in _group(results, "passage").hits}
        assert results.engine == "simple"
