"""Quiet, tiered evidence on the pages: a fact the catalogue reads carries a quiet marker whose
note its button describes; a classification, a wording or a reference value keeps its status in
the HTML and is declared once for the page; facet headings carry no badge."""

import re
from collections import Counter

import pytest

from programmes import kinds
from programmes.fields import FACT

pytestmark = pytest.mark.django_db

MARKER = re.compile(
    r'<span class="evidence evidence-interpreted" data-status="interpreted" data-field="([^"]+)">'
    r'<button type="button" class="evidence-marker" aria-describedby="([^"]+)">'
)
STATUS = re.compile(r'data-status="interpreted"[^>]*data-field="([^"]+)"')
MOST_MARKERS = 30  # on the richest page, /cities/dalian/


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _visible(page):
    """The page without its folded evidence table (closed until a reader opens it)."""
    return page.split('<details class="evidence-list">')[0]


def test_the_dalian_page_carries_at_most_thirty_markers(client):
    page = _page(client, "/cities/dalian/")
    markers = MARKER.findall(_visible(page))
    assert 0 < len(markers) <= MOST_MARKERS, Counter(f for f, _ in markers)
    # Every other reading on it still says so in the HTML.
    assert len(STATUS.findall(page)) > len(markers)


def _record_pages():
    for kind in kinds.KINDS:
        for record in kind.model.objects.order_by("pk")[:25]:
            yield kind, record


def test_only_facts_get_markers_and_each_describes_its_note(client):
    for kind, record in _record_pages():
        page = _page(client, record.get_absolute_url())
        ids = re.findall(r'id="(evidence-note-\d+)"', page)
        assert len(ids) == len(set(ids)), record.slug  # a page's note ids are unique
        for field, note_id in MARKER.findall(page):
            assert f'id="{note_id}"' in page, (record.slug, field)
        own = {field for field, _ in MARKER.findall(page)} & set(record.evidence or {})
        for field in own:
            # A field of the record itself marked by a marker is one its kind declares a fact
            # (a related record's field of the same name may be marked on its behalf).
            if kind.tiers.get(field, FACT) != FACT:
                related = page.count(f'data-field="{field}"') > 1
                assert related, (record.slug, field)


def test_a_classification_is_never_marked_value_by_value(client):
    declared = {f.evidence for kind in kinds.KINDS for f in kind.fields if f.tier != FACT} - {
        f.evidence for kind in kinds.KINDS for f in kind.fields if f.tier == FACT
    }
    assert {"kind", "topic", "sector", "latitude"} <= declared
    for url in ["/cities/dalian/", "/projects/", "/milestones/", "/programmes/", "/partners/"]:
        marked = {field for field, _ in MARKER.findall(_page(client, url))}
        assert not marked & declared, (url, marked & declared)


def test_every_page_that_declares_readings_says_so_once(client):
    for _kind, record in _record_pages():
        page = _page(client, record.get_absolute_url())
        if STATUS.search(_visible(page)):
            assert page.count('<p class="declaration">') == 1, record.slug


@pytest.mark.parametrize("kind", kinds.KINDS, ids=[k.key for k in kinds.KINDS])
def test_facet_headings_carry_no_badge(client, kind):
    page = _page(client, kind.list_url())
    for heading in re.findall(r'<section class="facet">\s*(<h2>.*?</h2>)', page, re.S):
        assert "evidence" not in heading and "data-status" not in heading, heading
