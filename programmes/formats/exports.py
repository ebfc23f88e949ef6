"""The JSON and CSV twins of every page: same records, same filters, same order as the HTML.

JSON list shape (stable): {"count", "page", "page_size", "num_pages", "next", "previous",
"filters": {param: [values]}, "description", "results": [record, ...]}. Every record carries "url",
"evidence" (field → {"status": "stated" | "interpreted", "note", "passages": [{"quote", "source",
"start", "end", "url"}]}: the words that state each value, or the catalogue's note on how it read
it), "interpretations" (field → the catalogue's note, the interpreted entries of "evidence") and
"citations": W3C Web Annotations whose target has a TextQuoteSelector and a TextPositionSelector on
the source. A programme's participants carry their own "evidence" (the participant, its role).

CSV rows flatten the same: after the kind's own columns and the citations, each factual field
`f` has `f__status`, `f__note` and `f__passages` (the reader URLs of its words), so a spreadsheet
filters on `f__status = interpreted`; `participants__evidence` gives each participant's role.

Each kind's own fields are one function here (`city_fields`, ...) and the same fields as CSV
columns (`CITY_CSV`, ...), named by its entry in `programmes.kinds`; the responses take that entry
and read `export_fields`, `csv_columns`, `cited` and `title`. The JSON (a page) is made of model
instances; the CSV (every row) of the values of one query, written whole before it is sent (see
"CSV").
"""

import csv
import itertools
import json
import logging
import re
import tempfile
import unicodedata
from urllib.parse import urlencode

from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.text import slugify

from .. import evidence as ev
from ..fields import Related, csv_text, text
from ..models import Source
from ..outages import NoRoom
from ..querysets import related_rows
from ..site import absolute_url
from .annotations import passage_annotation

logger = logging.getLogger(__name__)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _slug(obj):
    return obj.slug if obj is not None else None


def _name(obj):
    return str(obj) if obj is not None else None


def _amount(value):
    return str(value) if value is not None else None


def _date(value):
    return value.isoformat() if value else None


def evidence_dict(record, absolute, passages=None):
    """Field -> {status, note, passages: [{quote, source, start, end, url}]}, in field order; the
    passages come from the record's prefetched `passages` (or `passages`, when given)."""
    out = {}
    for entry in record.evidence_list(passages):
        if entry is None:
            continue
        out[entry.field] = {
            "status": entry.status,
            "note": entry.note,
            "passages": [
                {
                    "quote": p.quote,
                    "source": p.source.slug,
                    "start": p.start,
                    "end": p.end,
                    "url": absolute(p.get_absolute_url()),
                }
                for p in entry.passages
            ],
        }
    return out


def record_dict(record, kind, absolute):
    """The record as its JSON twin says it: slug, permalink, its kind's fields, citations."""
    data = {"slug": record.slug, "url": absolute(record.get_absolute_url())}
    data.update({f.name: f.value(record) for f in kind.json_fields})
    if kind.participation:  # each participant row carries its own evidence
        for row, participation in zip(
            data["participants"], record.participations.all(), strict=True
        ):
            row["evidence"] = evidence_dict(participation, absolute)
    data["evidence"] = evidence_dict(record, absolute)
    if not kind.cited:
        data["text_url"] = absolute(record.get_absolute_url())
        return data
    data["interpretations"] = record.interpretations
    data["citations"] = [
        passage_annotation(p, record.get_absolute_url(), absolute) for p in record.passages.all()
    ]
    return data


def json_list_response(request, kind, page, chips, description):
    absolute = absolute_url
    flat = [(k, v) for k, vs in request.GET.lists() for v in vs if k != "page"]

    def link(n):
        return absolute(request.path + "?" + urlencode(flat + [("page", n)]))

    filters = {}
    for chip in chips:
        filters.setdefault(chip.param, []).append(chip.value)
    return JsonResponse(
        {
            "catalogue_version": short_version(request),
            "count": page.paginator.count,
            "page": page.number,
            "page_size": page.paginator.per_page,
            "num_pages": page.paginator.num_pages,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "filters": filters,
            "sort": request.GET.get("sort", ""),
            "description": description,
            "results": [record_dict(r, kind, absolute) for r in page.object_list],
        },
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )


def detail_json_response(request, kind, record):
    return JsonResponse(
        {"catalogue_version": short_version(request), **record_dict(record, kind, absolute_url)},
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )


# --- CSV ---------------------------------------------------------------------------------------
#
# A CSV holds every matching row: one query reads them all, each row with its relations' records
# (citations, funders, participants, ...) as JSON arrays made in the database
# (`querysets.related_rows`), in chunks as it is read; a second one reads the sources' labels.
# The cells are made from those values, never from model instances, and say what the JSON twin
# says (tests/test_exports.py compares the two).


def neutralise(value):
    """Spreadsheets run cells that begin with = + - @ as formulas; prefix those with a quote.

    Spreadsheets skip leading spaces and line breaks and read full-width signs ("＝1+1") as their
    ASCII forms, so the test is made on the text as a spreadsheet reads it (NFKC, left-stripped)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_START) or unicodedata.normalize("NFKC", text).lstrip().startswith(
        FORMULA_START
    ):
        return "'" + text
    return text


# A cell beginning with one of these (or empty) is left as it is by `neutralise`: NFKC keeps a
# printable ASCII character first (at most composing it with the marks after it into a letter).
_SAFE_START = frozenset(map(chr, range(33, 127))) - set(FORMULA_START) | {""}


# A separator no cell holds, then a character other than those.
_RISKY_START = re.compile("\x00[^\x00!-~]|\x00[" + re.escape("".join(FORMULA_START)) + "]")


def _neutralised(cells):
    """`neutralise` of every cell; the cells of a row are looked at together first, and one by
    one only when one of them begins with anything but printable ASCII or a formula sign."""
    if not _RISKY_START.search("\x00" + "\x00".join(cells)):
        return cells
    return [c if c[:1] in _SAFE_START else neutralise(c) for c in cells]


def _flatten(value):
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(f"{v['name']} ({v['role']})" for v in value)
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return value


def evidence_columns(kind):
    """The CSV's evidence columns of `kind`, the same for every row: per factual field (and the
    record as a whole) its status, note and the reader URLs of its words."""
    names = [*ev.factual_fields(kind.model), ev.RECORD_KEY]
    return [f"{name}__{part}" for name in names for part in ("status", "note", "passages")]


# A cited record's passages (its source, the span, the words); a source's own passages' spans.
_CITED = Related("passages", ("source_id", "start", "end", "quote"))
_OWN = Related("passages", ("start", "end"))
_JSON_COLUMNS = ("evidence", "interpretations")
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class CsvTable:
    """How one kind's rows become CSV rows: the lookups of the one query, the header, and
    `row(values)`, the cells of one row of values."""

    def __init__(self, kind, absolute):
        self.kind, self.absolute = kind, absolute
        own = tuple(f for f in kind.fields if not f.after_citations)
        tail = tuple(f for f in kind.fields if f.after_citations)
        self.reads = ["pk", "slug", "evidence"] + (["interpretations"] if kind.cited else [])
        self.reads.append(_CITED if kind.cited else _OWN)
        for col in own + tail:
            self.reads += [r for r in col.reads if r not in self.reads]
        position = {read: n for n, read in enumerate(self.reads)}
        self.related = [n for n, read in enumerate(self.reads) if isinstance(read, Related)]
        self.own = [self._reader(col, position) for col in own]
        self.tail = [self._reader(col, position) for col in tail]
        self.evidence = evidence_columns(kind)
        self.no_evidence = [""] * len(self.evidence)
        self.evidence_at = {
            name.removesuffix("__status"): n
            for n, name in enumerate(self.evidence)
            if name.endswith("__status")
        }
        self.header = ["slug", "url", *(col.name for col in own)]
        if not kind.cited:
            self.header.append("text_url")
        self.header += ["citation_quotes", "citation_sources", "citation_urls", "interpretations"]
        self.header += [col.name for col in tail] + self.evidence
        head, tail_ = reverse(f"programmes:{kind.key}-detail", args=["slug"]).rsplit("slug", 1)
        self.url_around = (absolute(head), tail_)
        self.sources = None

    @staticmethod
    def _reader(col, position):
        """(show, the position of its one value or None, the positions of its values); a plain
        column's show is `csv_text`, which `row` writes without a call."""
        at = [position[r] for r in col.reads]
        show = csv_text if col.show is text and col.cell is None else col.csv
        return (show, at[0], None) if len(at) == 1 else (show, None, at)

    def queryset(self, records):
        """`records` as the rows of values this table reads, in their order."""
        if records.query.distinct:
            # By key: DISTINCT over whole rows would compare every column, JSON included.
            ordering = records.query.order_by
            records = self.kind.model._default_manager.filter(
                pk__in=records.order_by().values("pk")
            )
            if ordering:
                records = records.order_by(*ordering)
        model = self.kind.model
        annotations = {
            f"csv_{read.name}": related_rows(model, read.name, read.fields)
            for read in self.reads
            if isinstance(read, Related)
        }
        # Read as text and decoded by `row`: the JSON columns need no converter per row.
        annotations.update({f"csv_{name}": Cast(name, TextField()) for name in _JSON_COLUMNS})
        lookups = [
            f"csv_{r.name}" if isinstance(r, Related) else f"csv_{r}" if r in _JSON_COLUMNS else r
            for r in self.reads
        ]
        return (
            records.prefetch_related(None)
            .select_related(None)
            .annotate(**{k: v for k, v in annotations.items() if k in lookups})
            .values_list(*lookups)
        )

    def _url(self, slug):
        if _PLAIN_SLUG.fullmatch(slug):
            return self.url_around[0] + slug + self.url_around[1]
        return self.absolute(reverse(f"programmes:{self.kind.key}-detail", args=[slug]))

    def _source_labels(self):
        """Source id -> (its URL, its citation label): one query, the first time a row needs it."""
        if self.sources is None:
            self.sources = {
                s.pk: (self.absolute(s.get_absolute_url()), s.citation_label)
                for s in Source.objects.only(*Source.CITATION_FIELDS)
            }
        return self.sources

    def row(self, values):
        values = list(values)
        for n in self.related:
            values[n] = json.loads(values[n])
        slug = values[1]
        url = self._url(slug)
        cells = [slug, url]
        cells += [
            (v if (v := values[n]).__class__ is str else "" if v is None else str(v))
            if show is csv_text
            else show(values[n])
            if at is None
            else show(*[values[i] for i in at])
            for show, n, at in self.own
        ]
        evidence = {} if values[2] == "{}" else json.loads(values[2] or "{}") or {}
        passages = values[4] if self.kind.cited else values[3]
        if self.kind.cited:
            sources = self.sources or self._source_labels()
            if len(passages) == 1:  # most records: one passage, no joins to make
                ((source, start, end, quote),) = passages
                source_url, label = sources[source]
                spans = [(start, end, f"{source_url}#passage-{start}-{end}")]
                cells += [quote, label, spans[0][2]]
            else:
                spans = [
                    (start, end, f"{sources[source][0]}#passage-{start}-{end}")
                    for source, start, end, _ in passages
                ]
                cells.append("\n\n".join([p[3] for p in passages]))
                cells.append("; ".join(dict.fromkeys([sources[p[0]][1] for p in passages])))
                cells.append(" ".join([span[2] for span in spans]))
            cells.append("" if values[3] == "{}" else csv_text(_flatten(json.loads(values[3]))))
        else:
            cells += [url, "", "", ""]
            spans = [(s, e, f"{url}#passage-{s}-{e}") for s, e in passages]
            notes = {
                name: entry["note"]
                for name, entry in evidence.items()
                if entry.get("status") == ev.INTERPRETED
            }
            cells.append(csv_text(_flatten(notes)))
        cells += [show(*[values[i] for i in at or [n]]) for show, n, at in self.tail]
        cells += self._evidence_cells(evidence, spans) if evidence else self.no_evidence
        return cells

    def _evidence_cells(self, evidence, spans):
        by_span = {(start, end): url for start, end, url in spans}
        cells = [""] * len(self.evidence)
        for name, entry in evidence.items():
            at = self.evidence_at.get(name)
            if at is None or not entry:
                continue
            cells[at] = entry["status"]
            cells[at + 1] = entry.get("note", "")
            urls = [by_span.get((span[0], span[1])) for span in entry.get("passages", ())]
            cells[at + 2] = " ".join(url for url in urls if url)
        return cells


def csv_row(table, values):
    """The cells of one CSV row, each safe to open in a spreadsheet."""
    return _neutralised(table.row(values))


class _Echo:
    def write(self, value):
        return value


def short_version(request):
    """The catalogue version the request reads, as the releases name it (12 characters), or
    None before any load."""
    version = getattr(request, "catalogue_version", None)
    return version.version[:12] if version else None


def csv_filename(kind, chips, version=None):
    """`funded-projects_sector-14022_v<version>.csv`: what was filtered and from which version."""
    name = slugify(kind.title)
    parts = [f"{c.param}-{slugify(c.value)}" for c in chips]
    stem = re.sub(r"[^a-z0-9_.-]", "", "_".join([name, *parts]))[:150]
    return f"{stem}_v{version}.csv" if version else f"{stem}.csv"


# Rows fetched from the database per round trip of the one query, and lines sent per chunk.
CHUNK_ROWS = 2000
LINES_PER_CHUNK = 200
# Bytes of a CSV kept in memory while it is written before it is sent; the rest goes to a
# temporary file.
BUFFER_BYTES = 1024 * 1024
# Bytes sent per chunk of the answer.
SEND_BLOCK = 256 * 1024


def buffered(chunks):
    """The text `chunks`, every one read now and kept (`BUFFER_BYTES` in memory, the rest in a
    temporary file), rewound: the database is read at its own speed, inside the request's
    snapshot, and a slow client then reads bytes, holding no connection or transaction. A
    temporary folder without room is an outage of the site (`outages.NoRoom`), not a fault."""
    body = tempfile.SpooledTemporaryFile(max_size=BUFFER_BYTES)  # noqa: SIM115 (the answer closes it)
    try:
        for chunk in chunks:
            body.write(chunk.encode() if isinstance(chunk, str) else chunk)
        body.seek(0)
    except OSError as exc:
        body.close()
        logger.error("no room to write a CSV before sending it: %s", exc)
        raise NoRoom(str(exc)) from exc
    except BaseException:
        body.close()
        raise
    return body


class _Blocks:
    """The bytes of the open file `body`, in blocks, closed when read or when the server closes
    the answer (a client gone)."""

    def __init__(self, body):
        self.body = body

    def __iter__(self):
        return self

    def __next__(self):
        block = self.body.read(SEND_BLOCK)
        if not block:
            self.close()
            raise StopIteration
        return block

    def close(self):
        self.body.close()


def csv_chunks(kind, records, keys=None):
    """Every row of `records` as CSV text, in chunks of LINES_PER_CHUNK lines as they are read;
    only the rows of primary keys `keys`, in that order, when given (a page of the list)."""
    writer = csv.writer(_Echo())
    table = CsvTable(kind, absolute_url)
    values = table.queryset(records)
    if keys is not None:
        position = {key: n for n, key in enumerate(keys)}
        values = sorted(values.filter(pk__in=keys), key=lambda row: position[row[0]])
    else:
        values = values.iterator(chunk_size=CHUNK_ROWS)
    lines = []
    try:
        for row in values:
            cells = csv_row(table, row)
            if not lines:
                lines.append(writer.writerow(table.header))
            lines.append(writer.writerow(cells))
            if len(lines) >= LINES_PER_CHUNK:
                yield "".join(lines)
                lines = [""]  # the header is written
    except Exception:
        if any(lines):
            yield "".join(lines)  # the rows read before the failure
        raise
    finally:
        # Closed now, inside the request's snapshot: a server-side cursor (PostgreSQL) closed
        # later, when collected, would fail in whatever transaction is open by then.
        if hasattr(values, "close"):
            values.close()
    if not lines:
        yield writer.writerow(["slug", "url"])
    elif any(lines):
        yield "".join(lines)


CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# What `?bom=1` puts first: the UTF-8 byte-order mark, by which a spreadsheet (Excel on Windows)
# reads the file as UTF-8 rather than as its locale's code page.
BOM = "\ufeff"


def csv_disposition(request, kind, chips):
    return f'attachment; filename="{csv_filename(kind, chips, short_version(request))}"'


def csv_response(request, kind, stream, chips, bom=False):
    """The CSV text `stream` (`csv_chunks`, or the bytes of the whole list as it is kept in its
    file), read whole here, inside the view and its snapshot (`buffered`), then sent, after a
    byte-order mark if `bom`: a database lost while it is read is the quick 503 of every page,
    and a client reading slowly holds neither a connection nor a transaction."""
    chunks = itertools.chain([BOM], stream) if bom else stream
    response = StreamingHttpResponse(_Blocks(buffered(chunks)), content_type=CSV_CONTENT_TYPE)
    response.reads_database = False
    response["Content-Disposition"] = csv_disposition(request, kind, chips)
    return response
