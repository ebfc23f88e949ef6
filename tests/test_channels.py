"""Every record of every kind, through every channel a value leaves by: an interpreted value never
appears without its status, and a quotation shown under a value or a record is one of the
passages its evidence names (programmes.values), never merely the record's first passage."""

import csv
import html
import io
import json
import re

import pytest

from programmes import evidence as ev
from programmes import kinds, values
from programmes.models import Passage
from programmes.pictures.share_images import card_text

pytestmark = pytest.mark.django_db

IDS = [kind.key for kind in kinds.KINDS]
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
# A record's row on a list page: its link, then (in a later cell) the passage quoted for it.
ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
QUOTED = re.compile(r'<(?:q|blockquote)[^>]*\bcite="([^"]+)"')
STATEMENT_ITEM = re.compile(r'<li><a href="(/statements/[^"/]+/)">(.*?)</li>', re.S)
# Properties that give a date as a fact.
DATE_PROPERTIES = ("startDate", "endDate", "datePublished", "dateCreated", "foundingDate")


def _records(kind):
    return list(kind.detail_queryset().order_by("pk"))


def _interpreted(record):
    """Evidence entry -> note of the record's interpreted values."""
    return {
        name: entry["note"]
        for name, entry in (record.evidence or {}).items()
        if entry.get("status") == ev.INTERPRETED
    }


def _url(passage):
    return passage.get_absolute_url()


def _named(record, name):
    """The reader URLs of the passages `record`'s evidence names for `name`."""
    return {_url(p) for p in values.of(record, name, value="").passages}


def kinds_version(client):
    return client.get("/projects.json").json()["catalogue_version"]


def _csv(client, kind):
    response = client.get(f"/{kind.prefix}.csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return {row["slug"]: row for row in csv.DictReader(io.StringIO(body.decode()))}


@pytest.mark.parametrize("kind", kinds.KINDS, ids=IDS)
def test_json_and_csv_carry_the_status_of_every_interpreted_value(client, kind):
    rows = _csv(client, kind)
    listed = {
        r["slug"]: r for r in client.get(f"/{kind.prefix}.json?page_size=500").json()["results"]
    }
    for record in _records(kind):
        data = client.get(record.get_absolute_url().rstrip("/") + ".json").json()
        # The record as its list row gives it; the record's own document also names its version.
        assert data.pop("catalogue_version") == kinds_version(client)
        assert listed[record.slug] == data, record.slug
        for name, note in _interpreted(record).items():
            assert data["evidence"][name]["status"] == ev.INTERPRETED, (record.slug, name)
            assert data["evidence"][name]["note"] == note
            assert rows[record.slug][f"{name}__status"] == ev.INTERPRETED, (record.slug, name)
            assert rows[record.slug][f"{name}__note"] == note
        # Every declared field that carries a value has its evidence in both twins.
        for field in kind.json_fields:
            if ev.is_empty(data[field.name]) or field.evidence not in (record.evidence or {}):
                continue
            status = record.evidence[field.evidence]["status"]
            assert data["evidence"][field.evidence]["status"] == status
            assert rows[record.slug][f"{field.evidence}__status"] == status


def _strings(node, qualified=False):
    """(string, whether a node around it says it is the catalogue's) of a JSON-LD tree."""
    if isinstance(node, dict):
        here = qualified or "catalogue's" in str(node.get("description", ""))
        for value in node.values():
            yield from _strings(value, here)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, qualified)
    elif isinstance(node, str):
        yield node, qualified


def _dates(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in DATE_PROPERTIES:
                yield value
            yield from _dates(value)
    elif isinstance(node, list):
        for value in node:
            yield from _dates(value)


@pytest.mark.parametrize("kind", kinds.KINDS, ids=IDS)
def test_json_ld_never_asserts_an_interpreted_value_as_a_plain_fact(client, kind):
    for record in _records(kind):
        page = client.get(record.get_absolute_url()).content.decode()
        (script,) = JSON_LD.findall(page)
        data = json.loads(script)
        strings = list(_strings(data))
        for field in kind.json_fields:
            if field.evidence not in _interpreted(record):
                continue
            value = field.value(record)
            shown = [value] if isinstance(value, str) else []
            for text in shown:
                if len(text) < 3 or text == record.slug:
                    continue
                bare = [s for s, qualified in strings if s == text and not qualified]
                assert not bare, (record.slug, field.name, text)
        interpreted = _interpreted(record)
        own = {k: v for k, v in data.items() if k != "subjectOf"}
        if "date" in interpreted:
            assert not list(_dates(own)), (record.slug, "an inferred date stands as a date")


@pytest.mark.parametrize("kind", kinds.KINDS, ids=IDS)
def test_every_interpreted_value_shows_its_note_on_its_page(client, kind):
    for record in _records(kind):
        page = html.unescape(client.get(record.get_absolute_url()).content.decode())
        for name, note in _interpreted(record).items():
            assert note in page, (record.slug, name)


@pytest.mark.parametrize("kind", kinds.KINDS, ids=IDS)
def test_a_list_row_quotes_the_words_its_record_rests_on(client, kind):
    by_url = {r.get_absolute_url(): r for r in _records(kind)}
    page = client.get(f"/{kind.prefix}/?page_size=500").content.decode()
    page = page[page.index('<table class="records') :]
    page = page[: page.index("</table>")]
    checked = 0
    for row in ROW.findall(page):
        links = [by_url[u] for u in re.findall(r'<a href="([^"]+)"', row) if u in by_url]
        record = links[0] if links else None
        if record is None or not kind.cited:
            continue
        quoted = re.findall(r'<a class="row-quote" href="([^"]+)"', row)
        quoted += re.findall(r'<a href="([^"]+)">Read it in', row)
        named = _named(record, kind.title_field) or _named(record, ev.RECORD_KEY)
        expected = named or {_url(max(record.passages.all(), key=lambda p: len(p.quote)))}
        assert quoted and set(quoted) <= expected, (record.slug, quoted, expected)
        checked += 1
    assert checked == len(by_url) or not kind.cited


@pytest.mark.parametrize("prefix", ["cities", "programmes"])
def test_the_quotation_under_each_statement_is_the_sentence_its_summary_rests_on(client, prefix):
    kind = next(k for k in kinds.KINDS if k.prefix == prefix)
    statements = {s.get_absolute_url(): s for s in kinds.BY_KEY["statement"].detail_queryset()}
    seen = 0
    for record in _records(kind):
        page = client.get(record.get_absolute_url()).content.decode()
        for url, item in STATEMENT_ITEM.findall(page):
            statement = statements[url]
            quoted = set(QUOTED.findall(item))
            assert quoted, url
            assert quoted <= _named(statement, "summary"), (record.slug, url, quoted)
            seen += 1
    assert seen


@pytest.mark.parametrize("kind", kinds.KINDS, ids=IDS)
def test_a_title_that_is_the_catalogues_wording_says_so_in_every_head_channel(client, kind):
    for record in _records(kind):
        if not ev.is_catalogues_wording(record, kind.title_field):
            continue
        page = html.unescape(client.get(record.get_absolute_url()).content.decode())
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        og = re.search(r'<meta property="og:title" content="([^"]*)"', page).group(1)
        alt = re.search(r'<meta property="og:image:alt" content="([^"]*)"', page).group(1)
        for text in (title, og, alt):
            assert "catalogue’s wording" in text, (record.slug, text)


def test_a_statement_quoted_by_its_first_passage_would_be_caught(client):
    """The check above fails on the bug it guards against: a statement whose first passage is not
    the sentence its summary rests on."""
    statement = next(
        s
        for s in kinds.BY_KEY["statement"].detail_queryset()
        if _url(s.passages.all()[0]) not in _named(s, "summary")
    )
    assert _url(values.quotation(statement, "summary")) in _named(statement, "summary")
    assert Passage.objects.filter(statements=statement).count() > 1


@pytest.mark.parametrize("kind", kinds.CITED, ids=[kind.key for kind in kinds.CITED])
def test_a_share_card_quotes_the_words_its_title_rests_on(kind):
    """The card (og:image) stands a passage under the record's title: the one its evidence names
    for the title, else for its division into records, as under the record on its page. (A
    source's card quotes its opening.)"""
    for record in _records(kind):
        _, title, quote, source_line, wording = card_text(record)
        named = _named(record, kind.title_field) or _named(record, ev.RECORD_KEY)
        if not named:
            continue
        chosen = values.quotation(record, kind.title_field)
        assert _url(chosen) in named, record.slug
        assert quote == chosen.quote, record.slug
        assert chosen.source.title in source_line
        assert bool(wording) == ev.is_catalogues_wording(record, kind.title_field), record.slug


@pytest.mark.parametrize("kind", kinds.SEARCHED, ids=[k.key for k in kinds.SEARCHED])
def test_a_search_hit_carries_the_status_of_its_title(client, kind):
    """A record found by /search/ or /search.json says, as its page does, when its title is the
    catalogue's wording or reading."""
    checked = 0
    for record in _records(kind):
        title = str(getattr(record, kind.title_field))
        words = " ".join(title.split()[:3])
        data = client.get("/search.json", {"q": words}).json()
        hits = [
            hit
            for group in data["groups"]
            for hit in group["results"]
            if hit["url"].endswith(record.get_absolute_url())
        ]
        if not hits:
            continue  # three words of a title may rank other records first
        entry = (record.evidence or {}).get(kind.title_field)
        assert hits[0]["title_evidence"] == (
            {"status": entry["status"], "note": entry.get("note", "")} if entry else None
        ), record.slug
        page = client.get("/search/", {"q": words}).content.decode()
        link = f'<a href="{record.get_absolute_url()}">{html.escape(title)}</a>'
        after = page.split(link, 1)[1][:200] if link in page else ""
        interpreted = bool(entry) and entry["status"] == ev.INTERPRETED
        assert ('data-status="interpreted"' in after) == interpreted, record.slug
        checked += 1
    assert checked


PARTICIPATING = [kind for kind in kinds.KINDS if kind.participation]


@pytest.mark.parametrize("kind", PARTICIPATING, ids=[k.key for k in PARTICIPATING])
def test_every_interpreted_participant_value_keeps_its_status_on_the_page_and_in_json(client, kind):
    """A participant's identity or role that is the catalogue's reading: its note on the record's
    page, its status and note in the record's JSON, each participant in the record's order."""
    checked = 0
    for record in _records(kind):
        page = html.unescape(client.get(record.get_absolute_url()).content.decode())
        given = client.get(record.get_absolute_url().rstrip("/") + ".json").json()["participants"]
        parts = list(record.participations.all())
        assert len(given) == len(parts), record.slug
        for part, row in zip(parts, given, strict=True):
            for name, note in _interpreted(part).items():
                assert note in page, (record.slug, part.participant.name, name)
                assert row["evidence"][name]["status"] == ev.INTERPRETED
                assert row["evidence"][name]["note"] == note
                checked += 1
    assert checked, kind.key
