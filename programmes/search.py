"""Search over the catalogue's records and the text of its source documents.

On PostgreSQL the match is full-text search with English stemming (`websearch_to_tsquery`, so
"sewage plants" finds "sewage processing plant projects", quoted phrases are phrases and `-word`
excludes); on SQLite each word is matched by its English stem (snowball: "learn" finds "learned",
"plants" finds "plant") and a quoted phrase as it stands, case-insensitively, and a record needs
all of them when the query has one or two, half of them otherwise, those matching more ranked
first ("What did Dalian learn from Shanghai" finds the sentence "Dalian Environmental
Protection Bureau learned during the research in Shanghai…" without a list of words to ignore,
which PostgreSQL's English configuration drops). Both return the
same shape: groups of hits, one group per kind, each hit with an HTML snippet in which only the
matched words are wrapped in `<mark>` and everything else is escaped.

On PostgreSQL each group's matches are found through a GIN index on its vector (migration
0003) and only they are ranked; on SQLite each kind's table is read in one pass.

The number of queries is constant: one per record kind, one for passages, one for source
paragraphs and one to link paragraph hits to a stored passage.
"""

import re
from dataclasses import dataclass, field

import snowballstemmer
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import Case, F, Func, Q, TextField, Value, When
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import scripts
from .kinds import SEARCHED
from .lists.parameters import MAX_VALUE_LENGTH
from .models import Passage, Source, shortened

MAX_QUERY_LENGTH = MAX_VALUE_LENGTH
HITS_PER_GROUP = 20
# Passages read to make HITS_PER_GROUP hits of them: several passages of one sentence (a record
# citing part of it, another all of it) make one hit.
PASSAGE_CANDIDATES = 4 * (HITS_PER_GROUP + 1)
# What a passage hit says of its source: its title, address and year.
SOURCE_OF_HIT = ("source__slug", "source__title", "source__date", "source__date_inferred")
# On PostgreSQL, how many matches of a group are ranked (the best HITS_PER_GROUP of them shown),
# and how many of the sources whose text matches are split into paragraphs, earliest first.
RANKED_MATCHES = 1000
MATCHED_SOURCES = 20
SNIPPET_CHARS = 240
CONFIG = "english"
ELLIPSIS = "…"
# ts_headline marks matches with these; the text is escaped first, then they become <mark>.
# Private-use code points never occur in the catalogue's verified source texts.
START_SEL, STOP_SEL = "\ue000", "\ue001"


PASSAGES = ("passage", "Cited passages")
PARAGRAPHS = ("paragraph", "Source documents")


@dataclass
class Hit:
    title: str
    url: str
    snippet: str  # safe HTML
    source_title: str = ""
    source_url: str = ""
    # The title's evidence, where the title is a record's: "stated" or "interpreted" (the
    # catalogue's wording or reading, `note` saying how), as on the record's page.
    status: str = ""
    note: str = ""
    quoted: bool = False  # the title is the source's own words (a passage's)
    year: int | None = None  # the source's year, where it states one
    # A passage found through a record it is cited for (the record matched, its words did not
    # all): that record's title and address.
    cited_for: str = ""
    cited_for_url: str = ""


@dataclass
class Group:
    kind: str
    label: str
    hits: list = field(default_factory=list)
    truncated: bool = False  # more hits exist than HITS_PER_GROUP


@dataclass
class Results:
    query: str
    engine: str
    groups: list

    @property
    def count(self):
        return sum(len(g.hits) for g in self.groups)


# --- query parsing (SQLite; PostgreSQL parses with websearch_to_tsquery) -----------------------

_TERM = re.compile(r'"([^"]*)"|(\S+)')


def parse_terms(q):
    """Words and "quoted phrases", lower-cased; a leading '-' or the word 'or' is dropped."""
    terms = []
    for phrase, word in _TERM.findall(q):
        term = " ".join(phrase.split()) if phrase else word.strip('"').lstrip("-")
        if term and term.lower() != "or" and term.lower() not in terms:
            terms.append(term.lower())
    return terms


# --- snippets ----------------------------------------------------------------------------------


def _is_word_char(char):
    return char.isascii() and char.isalnum()


def highlight(text, terms, limit=SNIPPET_CHARS):
    """`text` escaped, each occurrence of a term wrapped in <mark>, cut to a window of `limit`
    characters around the first match. A term in Latin letters (a stem) is marked as the whole
    word it begins or ends in: "learned", not "learn" and a loose "ed"."""
    spans = []
    lowered = text.lower()
    for term in terms:
        start = lowered.find(term)
        while start != -1:
            lo, hi = start, start + len(term)
            if term.isascii():
                while lo > 0 and _is_word_char(text[lo - 1]):
                    lo -= 1
                while hi < len(text) and _is_word_char(text[hi]):
                    hi += 1
            spans.append((lo, hi))
            start = lowered.find(term, start + len(term))
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    lo, hi = _window(text, merged[0][0] if merged else 0, limit)
    out, pos = [], lo
    for start, end in merged:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:hi]))
    return mark_safe(_ellipsis(lo > 0) + "".join(out) + _ellipsis(hi < len(text)))


def _window(text, first, limit):
    if len(text) <= limit:
        return 0, len(text)
    lo = max(0, first - limit // 3)
    if lo:
        space = text.find(" ", lo, first)
        lo = space + 1 if space != -1 else lo
    hi = min(len(text), lo + limit)
    if hi < len(text):
        space = text.rfind(" ", lo, hi)
        hi = space if space > first else hi
    return lo, hi


def _ellipsis(cut):
    return ELLIPSIS if cut else ""


def safe_headline(headline, text):
    """A ts_headline result as safe HTML: escaped, its sentinels turned into <mark>, and an
    ellipsis where the excerpt cuts the text."""
    plain = headline.replace(START_SEL, "").replace(STOP_SEL, "").strip()
    html = escape(headline.strip()).replace(START_SEL, "<mark>").replace(STOP_SEL, "</mark>")
    cut_start = bool(plain) and not text.lstrip().startswith(plain[:40])
    cut_end = bool(plain) and not text.rstrip().endswith(plain[-40:])
    return mark_safe(_ellipsis(cut_start) + html + _ellipsis(cut_end))


HEADLINE_OPTIONS = {"MaxWords": 35, "MinWords": 15, "MaxFragments": 2, "FragmentDelimiter": " … "}


def _headline(expression, query):
    """Short texts whole with every match marked; longer ones as excerpts around the matches."""
    marks = {"config": CONFIG, "start_sel": START_SEL, "stop_sel": STOP_SEL}
    return Case(
        When(
            GreaterThan(Length(expression), SNIPPET_CHARS),
            then=SearchHeadline(
                expression,
                query,
                max_words=HEADLINE_OPTIONS["MaxWords"],
                min_words=HEADLINE_OPTIONS["MinWords"],
                max_fragments=HEADLINE_OPTIONS["MaxFragments"],
                fragment_delimiter=HEADLINE_OPTIONS["FragmentDelimiter"],
                **marks,
            ),
        ),
        default=SearchHeadline(expression, query, highlight_all=True, **marks),
    )


def shown_text(search_text):
    """What a record hit's snippet is cut from: its search text without the simplified copy of
    its Han characters (`Kind.search_text`), which a match in either form finds in it."""
    return search_text.partition("\n")[0]


_SHOWN = Func(F("search_text"), Value("\n"), Value(1), function="split_part")


# --- the two engines ---------------------------------------------------------------------------


class PostgresEngine:
    name = "postgresql"

    def __init__(self, q):
        self.q = q
        self.query = SearchQuery(q, search_type="websearch", config=CONFIG)
        self.words = [w.strip('"').lstrip("-").lower() for w in q.split()]

    def _ranked(self, model, vector):
        """The records whose `vector` matches, found through its GIN index (migration 0003
        indexes exactly these expressions), at most RANKED_MATCHES of them: only those are
        ranked. They are taken in the order the index yields them, not the model's ordering,
        which would have the planner walk that order and test every row's vector."""
        matches = model.objects.alias(search=vector).filter(search=self.query).order_by()
        return model.objects.filter(pk__in=matches.values("pk")[:RANKED_MATCHES]).annotate(
            rank=SearchRank(vector, self.query)
        )

    def records(self, kind):
        vector = SearchVector("search_text", config=CONFIG)
        rows = (
            self._ranked(kind.model, vector)
            .annotate(headline=_headline(_SHOWN, self.query))
            .order_by("-rank", kind.title_field)
            .only("slug", "evidence", "search_text", kind.title_field)[: HITS_PER_GROUP + 1]
        )
        return [(r, safe_headline(r.headline, shown_text(r.search_text))) for r in rows]

    def passages(self):
        rows = (
            self._ranked(Passage, SearchVector("quote", config=CONFIG))
            .annotate(headline=_headline("quote", self.query))
            .select_related("source")
            .only("start", "end", "quote", *SOURCE_OF_HIT)
            .order_by("-rank", "source__date", "start")[:PASSAGE_CANDIDATES]
        )
        return [(p, safe_headline(p.headline, p.quote)) for p in rows]

    def paragraphs(self):
        """(source slug, source title, start, end, snippet) of each matching source paragraph.

        Only sources whose whole text matches a looser form of the query are split: the query
        without its negated parts (`querytree`) and with each phrase's words merely required
        (`<->` as `&`), which every matching paragraph's source also matches (a phrase may
        straddle positions that a long text's vector no longer tells apart). That looser query
        is what `source_search_idx` answers. The earliest MATCHED_SOURCES of them are split, and
        at most RANKED_MATCHES of their matching paragraphs are ranked. The configuration is
        written into the SQL, not passed as a parameter, so that the planner sees the constant
        the index was built with."""
        sql = f"""
            WITH query AS (SELECT websearch_to_tsquery('{CONFIG}', %(q)s) AS q),
            loose AS (
                SELECT nullif(regexp_replace(querytree(q)::text, '<(-|[0-9]+)>', '&', 'g'), 'T')
                    AS q FROM query
            ), matched AS (
                SELECT s.id, s.slug, s.title, s.date, s.text FROM {Source._meta.db_table} s
                WHERE to_tsvector('{CONFIG}'::regconfig, COALESCE(s.text, ''))
                    @@ (SELECT loose.q::tsquery FROM loose WHERE loose.q IS NOT NULL)
                UNION ALL
                SELECT s.id, s.slug, s.title, s.date, s.text FROM {Source._meta.db_table} s
                WHERE (SELECT loose.q IS NULL FROM loose)
                ORDER BY date, slug
                LIMIT %(sources)s
            ), paragraph AS (
                SELECT s.slug, s.title, s.date, p.n, p.text,
                       to_tsvector('{CONFIG}', p.text) AS vector,
                       coalesce(sum(char_length(p.text) + 1) OVER (
                           PARTITION BY s.id ORDER BY p.n
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS start
                FROM matched s
                CROSS JOIN LATERAL regexp_split_to_table(s.text, E'\\n')
                    WITH ORDINALITY AS p(text, n)
            ), found AS (
                SELECT paragraph.* FROM paragraph, query
                WHERE paragraph.vector @@ query.q
                LIMIT %(ranked)s
            )
            SELECT found.slug, found.title, found.start,
                   found.start + char_length(found.text), found.text,
                   CASE WHEN char_length(found.text) > %(short)s
                        THEN ts_headline('{CONFIG}', found.text, query.q, %(options)s)
                        ELSE ts_headline('{CONFIG}', found.text, query.q, %(whole)s) END
            FROM found, query
            ORDER BY ts_rank(found.vector, query.q) DESC, found.date, found.slug, found.start
            LIMIT %(limit)s
        """
        options = ", ".join(
            connection.ops.compose_sql(f"{name}=%s", [value])
            for name, value in {
                "StartSel": START_SEL,
                "StopSel": STOP_SEL,
                **HEADLINE_OPTIONS,
            }.items()
        )
        whole = connection.ops.compose_sql(
            "StartSel=%s, StopSel=%s, HighlightAll=true", [START_SEL, STOP_SEL]
        )
        params = {
            "q": self.q,
            "options": options,
            "whole": whole,
            "short": SNIPPET_CHARS,
            "sources": MATCHED_SOURCES,
            "ranked": RANKED_MATCHES,
            "limit": HITS_PER_GROUP + 1,
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [
            (slug, title, start, end, safe_headline(headline, text))
            for slug, title, start, end, text, headline in rows
        ]


def _stem(word):
    """The word's English stem where that leaves a word to find ("learned" → "learn"); the word
    itself where it is short or not written in Latin letters."""
    stem = _STEMMER.stemWord(word)
    return stem if len(stem) >= 3 and word.isascii() and word.isalpha() else word


_STEMMER = snowballstemmer.stemmer("english")


def required(n_terms):
    """How many of a query's terms a hit must match: all of one or two, then half of them
    (rounded up), so that a question's own words ("what", "did", "from") need not occur."""
    return n_terms if n_terms <= 2 else -(-n_terms // 2)


class SimpleEngine:
    """Each term (a word by its stem, or a quoted phrase) is searched case-insensitively in the
    searched text, a term in Han characters in each of its forms (大連 / 大连, `scripts.forms`);
    a hit matches at least `required()` of them, most matches first. It serves SQLite, and
    PostgreSQL for a query in Han characters or kana, which its English configuration cannot
    split into words."""

    name = "simple"

    def __init__(self, q):
        terms = parse_terms(q)
        phrases = [t for t in terms if " " in t]
        stems = [_stem(t) for t in terms if " " not in t]
        self.terms = list(dict.fromkeys([*phrases, *stems]))
        self.forms = {term: scripts.forms(term) for term in self.terms}
        self.words = [form for term in self.terms for form in self.forms[term]]
        self.needed = required(len(self.terms))

    def _term(self, term, fields):
        any_field = Q()
        for name in fields:
            for form in self.forms[term]:
                any_field |= Q(**{f"{name}__icontains": form})
        return any_field

    def _matching(self, queryset, fields):
        """The rows matching at least `needed` terms, annotated with how many (`matched`). All
        of them needed: one AND, which stops at a row's first missing term."""
        conditions = [self._term(term, fields) for term in self.terms]
        if self.needed == len(conditions):
            every = Q()
            for condition in conditions:
                every &= condition
            return queryset.filter(every).alias(matched=Value(len(conditions)))
        score = Value(0)
        for condition in conditions:
            score = score + Case(When(condition, then=Value(1)), default=Value(0))
        return queryset.alias(matched=score).filter(matched__gte=self.needed)

    def records(self, kind):
        if not self.terms:
            return []
        rows = (
            self._matching(kind.model.objects, ["search_text"])
            .only("slug", "evidence", "search_text", kind.title_field)
            .order_by(F("matched").desc(), _unindexed(kind.title_field), "slug")[
                : HITS_PER_GROUP + 1
            ]
        )
        return [(r, highlight(shown_text(r.search_text), self.words)) for r in rows]

    def passages(self):
        if not self.terms:
            return []
        rows = (
            self._matching(Passage.objects, ["quote"])
            .select_related("source")
            .only("start", "end", "quote", *SOURCE_OF_HIT)
            .order_by(F("matched").desc(), "source__date", "start")[:PASSAGE_CANDIDATES]
        )
        return [(p, highlight(p.quote, self.words)) for p in rows]

    def paragraphs(self):
        if not self.terms:
            return []
        found = []
        sources = self._matching(Source.objects, ["text"]).only("slug", "title", "text")
        for source in sources:
            for start, end in paragraph_spans(source.text):
                text = source.text[start:end].lower()
                matched = sum(any(form in text for form in self.forms[term]) for term in self.terms)
                if matched >= self.needed:
                    snippet = highlight(source.text[start:end], self.words)
                    found.append((-matched, source.slug, source.title, start, end, snippet))
        found.sort(key=lambda hit: hit[0])  # most terms first, then in the sources' order
        return [hit[1:] for hit in found[: HITS_PER_GROUP + 1]]


def _unindexed(name):
    """The column `name` as SQLite's `+name`: the same value, sorted by the same collation, but
    not read from an index. Ordered by an index on `name`, a term that few rows hold walks the
    whole index and reads every row in index order (167 ms for 100,000 projects); one pass over
    the table that sorts only the matches takes a fifth of that, and no longer for a common term."""
    if connection.vendor != "sqlite":
        return F(name)
    return Func(F(name), template="+%(expressions)s", output_field=TextField())


def paragraph_spans(text):
    """(start, end) of each non-blank line: a source's paragraphs."""
    start = 0
    for line in text.split("\n"):
        if line.strip():
            yield start, start + len(line)
        start += len(line) + 1


def engine_for(q):
    if connection.vendor == "postgresql" and not scripts.has_han(q):
        return PostgresEngine(q)
    return SimpleEngine(q)


# --- the search --------------------------------------------------------------------------------


def _capped(group, items):
    group.truncated = len(items) > HITS_PER_GROUP
    return items[:HITS_PER_GROUP]


def search(q):
    """Search the whole catalogue for `q` (at most MAX_QUERY_LENGTH characters, already checked)."""
    engine = engine_for(q)
    groups, found = [], []
    for kind in SEARCHED:
        group = Group(kind.key, kind.plural)
        for record, snippet in _capped(group, engine.records(kind)):
            title = str(getattr(record, kind.title_field))
            entry = (record.evidence or {}).get(kind.title_field) or {}
            status, note = entry.get("status", ""), entry.get("note", "")
            hit = Hit(title, record.get_absolute_url(), snippet, "", "", status, note)
            group.hits.append(hit)
            found.append((kind, record, hit))
        groups.append(group)

    group = Group(*PASSAGES)
    matched = engine.passages()
    # Then the passages that the records found are cited for and that hold some of the words
    # without holding enough of them: "JICA equipment" finds the sentence on the equipment JICA
    # sent, which says "analytic machinery". Those holding more of the words come first.
    holding = [
        (p, hit, sum(w in p.quote.lower() for w in engine.words)) for p, hit in _cited_for(found)
    ]
    through = [
        (p, highlight(p.quote, engine.words), hit)
        for p, hit, n in sorted(holding, key=lambda row: -row[2])
        if n
    ]
    ranked = [(p, snippet, None) for p, snippet in matched] + through
    for passage, snippet, record_hit in _capped(group, _one_per_sentence(ranked)):
        source = passage.source
        group.hits.append(
            Hit(
                shortened(passage.quote, 90),
                passage.get_absolute_url(),
                snippet,
                source.title,
                _source_url(source.slug),
                quoted=True,
                year=source.date.year if source.date and not source.date_inferred else None,
                cited_for=record_hit.title if record_hit else "",
                cited_for_url=record_hit.url if record_hit else "",
            )
        )
    groups.append(group)

    group = Group(*PARAGRAPHS)
    paragraphs = _capped(group, engine.paragraphs())
    anchors = _nearest_passages(paragraphs, engine.words)
    for n, (slug, title, _start, _end, snippet) in enumerate(paragraphs):
        url = _source_url(slug) + (f"#{anchors[n]}" if anchors[n] else "")
        group.hits.append(Hit(title, url, snippet, title, _source_url(slug)))
    groups.append(group)
    return Results(q, engine.name, [g for g in groups if g.hits])


def _one_per_sentence(ranked):
    """The passage hits in their order, each overlapping an earlier one of its source left out:
    a sentence cited whole by one record and in parts by others is one hit, not seven."""
    kept = []
    for passage, *rest in ranked:
        if not any(
            k.source_id == passage.source_id and k.start < passage.end and passage.start < k.end
            for k, *_ in kept
        ):
            kept.append((passage, *rest))
    return kept


def _cited_for(found):
    """(passage, record hit) for each passage the evidence of a found record's title names, in
    the order the records were found: two queries (which passages the records cite, across
    every kind found; those passages), however many kinds matched."""
    by_kind = {}
    for kind, record, _hit in found:
        by_kind.setdefault(kind.key, (kind.model, []))[1].append(record.pk)
    cites = None
    for key, (model, ids) in by_kind.items():
        through = model._meta.get_field("passages").remote_field.through
        record_column = f"{model._meta.model_name}_id"
        rows = through.objects.filter(**{f"{record_column}__in": ids}).values_list(
            Value(key), record_column, "passage_id"
        )
        cites = rows if cites is None else cites.union(rows, all=True)
    if cites is None:
        return []
    cited = {}
    for key, record_id, passage_id in cites:
        cited.setdefault((key, record_id), []).append(passage_id)
    passages = (
        Passage.objects.filter(pk__in=[pk for pks in cited.values() for pk in pks])
        .select_related("source")
        .only("start", "end", "quote", *SOURCE_OF_HIT)
        .in_bulk()
    )
    pairs, seen = [], set()
    for kind, record, hit in found:
        spans = ((record.evidence or {}).get(kind.title_field) or {}).get("passages", ())
        own = [passages[pk] for pk in cited.get((kind.key, record.pk), ()) if pk in passages]
        for passage in own:
            if [passage.start, passage.end] in spans and passage.pk not in seen:
                seen.add(passage.pk)
                pairs.append((passage, hit))
    return pairs


def _source_url(slug):
    return reverse("programmes:source-detail", args=[slug])


def _nearest_passages(paragraphs, words):
    """For each paragraph hit, the anchor of a stored passage inside it (one naming a searched
    word if there is one), or "" when the paragraph holds no cited passage."""
    if not paragraphs:
        return []
    spans = Q()
    for slug, _title, start, end, _snippet in paragraphs:
        spans |= Q(source__slug=slug, start__lt=end, end__gt=start)
    # Tuples, not model instances: a long paragraph holds a thousand passages or more.
    passages = list(
        Passage.objects.filter(spans)
        .order_by("start", "end")
        .values_list("source__slug", "start", "end", "quote")
    )
    anchors = []
    for slug, _title, start, end, _snippet in paragraphs:
        inside = [p for p in passages if p[0] == slug and p[1] < end and p[2] > start]
        naming = [p for p in inside if any(w and w in p[3].lower() for w in words)]
        best = (naming or inside or [None])[0]
        anchors.append(Passage(start=best[1], end=best[2]).anchor if best else "")
    return anchors
