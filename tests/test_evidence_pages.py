"""What a reader sees of the evidence: every quotation on a page is the sources' own words, every
stated value links to them, every interpreted value is labelled with its note, and the JSON, CSV
and JSON-LD carry the same statuses."""

import html as markup
import json
import re
from html.parser import HTMLParser

import pytest

from programmes import evidence as ev
from programmes import kinds
from programmes.fields import FACT
from programmes.kinds import KINDS
from programmes.loading.quotes import holds_wording as quotes_in
from programmes.models import Participation, Programme, Source, Statement

pytestmark = pytest.mark.django_db

# Elements whose text no reader sees as the page's words.
HIDDEN = {"script", "style", "textarea", "head", "title", "svg"}
VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "base"}
PASSAGE_URL = re.compile(r"/sources/(?P<slug>[^/]+)/#passage-(?P<start>\d+)-(?P<end>\d+)$")


class Page(HTMLParser):
    """The visible text of a page split into its quotations (`.source-words` elements, with
    their `cite`) and everything else, plus the evidence markers it draws."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, kind): kind is "hidden", "quote" or ""
        self.quotes = []  # [text, cite]
        self.other = []
        self.stated_links = []  # (href, accessible text) of the "source" markers
        self.interpreted = []  # texts of the interpretation markers
        self._link = None

    def _inside(self, kind):
        return any(k == kind for _, k in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag in VOID:
            if tag == "br":
                self.handle_data("\n")
            return
        kind = ""
        if tag in HIDDEN:
            kind = "hidden"
        elif "source-words" in classes:
            kind = "quote"
            self.quotes.append(["", attrs.get("cite", "")])
        elif "evidence-interpreted" in classes:
            kind = "interpreted"
            self.interpreted.append("")
        elif tag == "a" and self._inside("stated"):
            self._link = [attrs.get("href", ""), ""]
        elif "evidence-stated" in classes:
            kind = "stated"
        self.stack.append((tag, kind))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, kind = self.stack.pop()
            if open_tag == "a" and self._link is not None:
                self.stated_links.append(tuple(self._link))
                self._link = None
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._inside("hidden"):
            return
        if self._link is not None:
            self._link[1] += data
        if self._inside("interpreted"):
            self.interpreted[-1] += data
        if self._inside("quote"):
            self.quotes[-1][0] += data
        else:
            self.other.append(data)


def html_text(fragment):
    """The text of an HTML fragment, tags dropped and entities read."""
    return markup.unescape(re.sub(r"<[^>]+>", " ", fragment))


def parse(html):
    page = Page()
    page.feed(html)
    return page


def _norm(text):
    return " ".join(text.split())


def _found(wording, text):
    """Whether `wording` is a slice of `text` (spaces and line breaks aside, as a page shows
    them), "…" marking words left out between its parts: the loader's own test."""
    return bool(wording.replace("…", "").strip()) and quotes_in(_norm(text), _norm(wording))


def curly_quotations(text):
    """Every “…” of `text`, nested ones included, matching each opening mark with its closing."""
    found, opened = [], []
    for i, ch in enumerate(text):
        if ch == "“":
            opened.append(i)
        elif ch == "”" and opened:
            start = opened.pop()
            found.append(text[start + 1 : i])
    return found


@pytest.fixture
def sources(db):
    return {s.slug: s.text for s in Source.objects.all()}


def _pages():
    urls = ["/"]
    for kind in KINDS:
        urls.append(kind.list_url())
        urls.extend(r.get_absolute_url() for r in kind.model.objects.order_by("pk"))
    return urls


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_every_quotation_on_every_page_is_a_verbatim_slice_of_its_source(client, sources):
    texts = list(sources.values())
    checked = 0
    for url in _pages():
        page = parse(_html(client, url))
        for wording, cite in page.quotes:
            assert wording.strip(), f"{url}: an empty quotation"
            match = PASSAGE_URL.search(cite)
            if match:
                source = sources[match["slug"]]
                quote = source[int(match["start"]) : int(match["end"])]
                assert _found(wording, quote), f"{url}: “{wording}” is not in the passage {cite}"
            else:
                assert any(_found(wording, t) for t in texts), f"{url}: “{wording}” in no source"
            checked += 1
        # Quotation marks written out in the page's own text (a note quoting the source's words)
        for wording in curly_quotations("".join(page.other)):
            assert any(_found(wording, t) for t in texts), f"{url}: “{wording}” is in no source"
    assert checked > 500


def test_a_gloss_in_quotation_marks_would_be_caught():
    page = parse('<p>The source says <q class="source-words">undated proposal</q>.</p>')
    assert page.quotes == [["undated proposal", ""]]
    assert not _found("undated proposal", "At that time, the creation of one or two")
    assert curly_quotations("a “b “c” d” e") == ["c", "b “c” d"]


AS_STATED = {
    kind.key: [f.name for f in kind.model._meta.get_fields() if ev.is_as_stated(f.name)]
    for kind in KINDS
}


@pytest.mark.parametrize("kind", KINDS, ids=[k.key for k in KINDS])
def test_every_as_stated_value_is_shown_as_a_quotation_of_its_words(client, kind):
    for record in kind.model.objects.order_by("pk"):
        page = parse(_html(client, record.get_absolute_url()))
        quoted = {_norm(w) for w, _ in page.quotes}
        for name in AS_STATED[kind.key]:
            value = getattr(record, name)
            if value:
                assert _norm(value) in quoted, f"{record.slug}: {name} {value!r} not quoted"


@pytest.mark.parametrize("kind", KINDS, ids=[k.key for k in KINDS])
def test_each_stated_value_links_to_its_words_and_each_reading_shows_its_note(client, kind):
    for record in kind.model.objects.order_by("pk"):
        html = _html(client, record.get_absolute_url())
        page = parse(html)
        links = {href for href, _ in page.stated_links}
        names = " ".join(text for _, text in page.stated_links)
        notes = " ".join(_norm(t) for t in page.interpreted)
        table = _norm(html_text(html[html.index('<details class="evidence-list">') :]))
        for entry in record.evidence_list():
            if entry.is_stated and entry.field != "record":
                assert {p.get_absolute_url() for p in entry.passages} <= links, (
                    f"{record.slug}: {entry.field} does not link to its words"
                )
            elif kinds.tier(record, entry.field) == FACT:
                assert _norm(entry.note) in notes, f"{record.slug}: {entry.field} has no note"
            else:  # declared once for the page: its note is in the evidence table
                assert _norm(entry.note) in table, f"{record.slug}: {entry.field} has no note"
        if any(e.is_stated for e in record.evidence_list()):
            assert "source words for" in names  # the markers' accessible names say what they are
        # The evidence table names every value with its status.
        for name in record.evidence or {}:
            assert f'data-field="{name}"' in html, f"{record.slug}: {name} not in the table"


def test_the_loan_package_shows_its_amount_and_that_it_is_the_programmes(client):
    programme = Programme.objects.exclude(funding_as_stated="").get()
    page = parse(_html(client, programme.get_absolute_url()))
    assert programme.funding_as_stated in [w for w, _ in page.quotes]
    assert "not to any one of its projects" in "".join(page.other)


def test_a_part_links_to_its_programme_and_back(client):
    part = Programme.objects.filter(part_of__isnull=False).select_related("part_of").first()
    assert part is not None
    assert part.part_of.get_absolute_url() in _html(client, part.get_absolute_url())
    assert part.get_absolute_url() in _html(client, part.part_of.get_absolute_url())


def test_participants_roles_show_their_evidence(client):
    programme = Programme.objects.get(slug="model-city-yen-loan-programme")
    page = parse(_html(client, programme.get_absolute_url()))
    for part in programme.participations.all():
        role = part.evidence_for("role")
        assert role is not None
        if role.is_interpreted:
            assert _norm(role.note) in " ".join(_norm(t) for t in page.interpreted)


@pytest.mark.parametrize(
    ("url", "field"),
    [("/cities/", "country"), ("/projects/", "sector"), ("/milestones/", "kind")],
)
def test_list_cells_keep_the_status_of_values_declared_once(client, url, field):
    """A classification or reference value in a list cell keeps its status in the HTML without
    a marker of its own; the list says once what its groups are."""
    html = _html(client, url)
    assert re.search(rf'data-status="interpreted"[^>]*data-field="{field}"', html), url
    assert not re.search(rf'class="evidence evidence-interpreted"[^>]*data-field="{field}"', html)


def test_a_fact_read_by_the_catalogue_has_a_quiet_marker_with_its_note(client):
    for part in Participation.objects.all():
        role = part.evidence_for("role")
        if not role.is_interpreted:
            continue
        page = parse(_html(client, part.programme.get_absolute_url()))
        assert any(_norm(role.note) in _norm(t) for t in page.interpreted)
        assert all("Catalogue’s interpretation." in t for t in page.interpreted)
        return
    pytest.fail("no participation role is the catalogue's reading")


def test_the_undated_article_is_not_given_a_plain_date(client):
    source = Source.objects.get(date__isnull=True, date_not_after="2017-12-31")
    html = _html(client, source.get_absolute_url())
    assert "no later than 31 December 2017" in html
    assert "interpretation" in " ".join(parse(html).interpreted)


def test_the_home_page_joins_only_cities_that_share_a_programme(client):
    html = _html(client, "/")
    links = re.findall(r'data-cities="([a-z-]+) ([a-z-]+)"', html)
    assert ("dalian", "kitakyushu") in links
    assert all("weihai" not in pair for pair in links)  # Weihai only hosted a meeting
    assert "Weihai</a> –" not in html and '– <a href="/cities/weihai/"' not in html


def test_the_reader_states_its_coverage_and_lists_every_sentence(client):
    for source in Source.objects.all():
        html = _html(client, source.get_absolute_url())
        summary = source.coverage_summary
        accounted = summary["cited"] + summary["no_catalogued_fact"]
        assert f"{accounted} of {summary['sentences']} sentences accounted for" in html
        assert html.count('<li id="sentence-') == summary["sentences"]
        for row in source.coverage:
            if row["no_fact"]:
                item = html.split(f'id="sentence-{row["start"]}-{row["end"]}"')[1].split("</li>")[0]
                assert "No catalogued fact" in item and row["no_fact"] in item
            for kind_key, slug in row["records"]:
                if kind_key != "source":
                    assert f"/{slug}/" in html


def test_an_unaccounted_sentence_would_stand_out(client):
    source = Source.objects.get(slug__startswith="liang")
    source.coverage[0] = {**source.coverage[0], "records": [], "full": False, "no_fact": ""}
    source.save(update_fields=["coverage"])
    html = _html(client, source.get_absolute_url())
    assert 'class="coverage-unaccounted"' in html
    assert "Not accounted for" in html and "1 not accounted for" in html


def test_city_and_programme_pages_say_what_the_sources_say_about_them(client):
    for slug in ("dalian", "shanghai"):
        html = _html(client, f"/cities/{slug}/")
        assert "What the sources say about" in html
        for statement in Statement.objects.filter(city__slug=slug):
            assert statement.get_absolute_url() in html
    programme = Programme.objects.filter(statements__isnull=False).first()
    html = _html(client, programme.get_absolute_url())
    for statement in programme.statements.all():
        assert statement.get_absolute_url() in html


def test_statements_filter_by_city_and_topic_and_are_searched(client):
    html = _html(client, "/statements/?city=shanghai&topic=standard")
    expected = Statement.objects.filter(city__slug="shanghai", topic="standard")
    assert expected.exists()
    for statement in expected:
        assert statement.get_absolute_url() in html
    other = Statement.objects.exclude(city__slug="shanghai").first()
    assert other.get_absolute_url() not in html
    results = json.loads(client.get("/search.json?q=sewage").content)
    assert "statement" in {g["kind"] for g in results["groups"]}
    dump = json.loads(b"".join(client.get("/catalogue.json").streaming_content))
    assert len(dump["statements"]) == Statement.objects.count()
    assert all(row["evidence"] for row in dump["statements"])
