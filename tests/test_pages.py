"""Every record has a page that shows it and its cited passages, linked to the source reader."""

from html import unescape

import pytest
from django.utils.html import escape

from programmes.kinds import CITED
from programmes.models import Source, Statement
from programmes.site import absolute_url
from programmes.views.related import READER_PAGE

pytestmark = pytest.mark.django_db


def _records():
    return [r for kind in CITED for r in kind.model.objects.prefetch_related("passages__source")]


def test_every_record_page_shows_its_passages_linked_to_the_source(client):
    records = _records()
    assert len(records) > 60
    for record in records:
        response = client.get(record.get_absolute_url())
        assert response.status_code == 200, record.get_absolute_url()
        html = response.content.decode()
        for passage in record.passages.all():
            assert escape(passage.quote).replace("\n", "<br>") in html
            assert f'href="{passage.get_absolute_url()}"' in html


def test_every_source_page_anchors_every_passage(client):
    for source in Source.objects.all():
        html = client.get(source.get_absolute_url()).content.decode()
        for passage in source.passages.all():
            assert f'id="{passage.anchor}"' in html


def test_a_statement_is_never_cut_inside_a_word_and_cited_whole(client):
    """Its heading and breadcrumb shorten a long summary at a space; the citation to paste
    gives it whole."""
    for statement in Statement.objects.all():
        page = unescape(client.get(statement.get_absolute_url()).content.decode())
        short = str(statement)
        if short.endswith(" …"):
            kept = short[: -len(" …")]
            assert statement.summary.startswith(kept)
            assert statement.summary[len(kept)] == " ", short  # cut at a space
        assert f"<h1>{short}" in page
        assert f"{statement.summary}. City cooperation catalogue" in page, statement.slug


def test_a_sources_text_and_title_say_their_language(client):
    """A screen reader reads a Japanese or Chinese text in its language, not as English."""
    for source in Source.objects.all():
        page = client.get(source.get_absolute_url()).content.decode()
        assert f'<section class="reader" aria-label="Full text" lang="{source.language}">' in page
        assert f'<h1 lang="{source.language}">' in page


def test_each_passage_in_the_reader_can_be_cited_without_javascript(client):
    """The reader's index gives each cited passage its permanent link and a citation to copy:
    its words whole, its source and its place in it."""
    for source in Source.objects.all():
        page = unescape(client.get(source.get_absolute_url()).content.decode())
        for passage in source.passages.all()[:READER_PAGE]:  # the first page's, in its order
            link = absolute_url(passage.get_absolute_url())
            citation = (
                f"“{passage.quote}” — {source.citation_label}, characters "
                f"{passage.start}–{passage.end}. {link}"
            )
            assert citation in page, passage
