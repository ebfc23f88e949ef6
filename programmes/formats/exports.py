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

Each kind's own fields are one function here (`city_fields`, ...), named by its entry in
`programmes.kinds`; the responses take that entry and read `export_fields`, `cited` and `title`.
"""

import csv
import itertools
import logging
import re
import unicodedata
from urllib.parse import urlencode

from django.http import JsonResponse, StreamingHttpResponse
from django.utils.text import slugify

from .. import evidence as ev
from ..outages import database_unavailable
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


def city_fields(record):
    return {
        "name": record.name,
        "native_name": record.native_name,
        "country": record.country,
        "region": record.region,
        "subdivision": record.subdivision,
        "geonames_id": record.geonames_id,
        "latitude": _amount(record.latitude),
        "longitude": _amount(record.longitude),
    }


def partner_fields(record):
    return {
        "name": record.name,
        "acronym": record.acronym,
        "kind": record.kind,
        "kind_name": record.get_kind_display(),
        "country": record.country,
        "city": _slug(record.city),
    }


def person_fields(record):
    return {
        "name": record.name,
        "role": record.role,
        "organisation": _slug(record.organisation),
        "organisation_name": _name(record.organisation),
    }


def programme_fields(record):
    return {
        "name": record.name,
        "kind": record.kind,
        "kind_name": record.get_kind_display(),
        "summary": record.summary,
        "status": record.status,
        "status_as_of": _date(record.status_as_of),
        "start_date": _date(record.date),
        "start_date_precision": record.date_precision,
        "start_date_as_stated": record.date_as_stated,
        "end_date": _date(record.end_date),
        "end_date_precision": record.end_date_precision,
        "end_date_as_stated": record.end_date_as_stated,
        "total_investment": _amount(record.total_investment),
        "total_investment_currency": record.total_investment_currency,
        "total_investment_as_stated": record.total_investment_as_stated,
        "participants": [
            {
                "city": _slug(p.city),
                "partner": _slug(p.partner),
                "name": str(p.participant),
                "role": p.role,
                "note": p.note,
            }
            for p in record.participations.all()
        ],
    }


def award_fields(record):
    return {
        "name": record.name,
        "recipient": _slug(record.recipient),
        "recipient_name": _name(record.recipient),
        "conferred_by": _slug(record.conferred_by),
        "conferred_by_name": _name(record.conferred_by),
        "recommended_by": _slug(record.recommended_by),
        "recommended_by_name": _name(record.recommended_by),
        "year": record.year,
        "year_as_stated": record.year_as_stated,
    }


def statement_fields(record):
    return {
        "summary": record.summary,
        "topic": record.topic,
        "city": _slug(record.city),
        "city_name": _name(record.city),
        "programme": _slug(record.programme),
        "programme_name": _name(record.programme),
        "partner": _slug(record.partner),
        "partner_name": _name(record.partner),
        "date": record.date.isoformat() if record.date else None,
        "date_precision": record.date_precision,
        "date_as_stated": record.date_as_stated,
    }


def project_fields(record):
    return {
        "title": record.title,
        "programme": record.programme.slug,
        "programme_name": record.programme.name,
        "city": record.city.slug,
        "city_name": record.city.name,
        "sector": record.sector.code,
        "sector_name": record.sector.name,
        "sector_category": record.sector.category.code,
        "sector_category_name": record.sector.category.name,
        "funders": [p.slug for p in record.funders.all()],
        "funder_names": [str(p) for p in record.funders.all()],
        "instrument": record.instrument,
        "amount": _amount(record.amount),
        "currency": record.currency,
        "amount_as_stated": record.amount_as_stated,
        "phase": record.phase,
        "status": record.status,
        "status_as_stated": record.status_as_stated,
        "status_date": _date(record.status_date),
        "start_year": record.start_year,
        "end_year": record.end_year,
        "period_as_stated": record.period_as_stated,
    }


def milestone_fields(record):
    return {
        "title": record.title,
        "kind": record.kind,
        "description": record.description,
        "date": _date(record.date),
        "date_end": _date(record.date_end),
        "date_precision": record.date_precision,
        "date_as_stated": record.date_as_stated,
        "date_inferred": record.date_inferred,
        "programme": _slug(record.programme),
        "cities": [c.slug for c in record.cities.all()],
        "partners": [p.slug for p in record.partners.all()],
    }


def source_fields(record):
    return {
        "title": record.title,
        "kind": record.kind,
        "author": record.author,
        "author_role": record.author_role,
        "author_organisation": record.author_organisation,
        "event": record.event,
        "place": record.place,
        "date": _date(record.date),
        "date_precision": record.date_precision,
        "date_as_stated": record.date_as_stated,
        "date_inferred": record.date_inferred,
        "date_inference": record.date_inference,
        "language": record.language,
        "sha256": record.sha256,
    }


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
    data.update(kind.export_fields(record))
    if kind.key == "programme":
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
        record_dict(record, kind, absolute_url),
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )


# --- CSV ---------------------------------------------------------------------------------------


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


def _evidence_cells(kind, evidence):
    cells = dict.fromkeys(evidence_columns(kind), "")
    for name, entry in evidence.items():
        if f"{name}__status" not in cells:
            continue
        cells[f"{name}__status"] = entry["status"]
        cells[f"{name}__note"] = entry["note"]
        cells[f"{name}__passages"] = " ".join(p["url"] for p in entry["passages"])
    return cells


def _participants_evidence(participants):
    """Each participant's role and the status of what it rests on, for one CSV cell."""
    parts = []
    for p in participants:
        role = p.get("evidence", {}).get("role")
        if role:
            note = f" — {role['note']}" if role["note"] else ""
            parts.append(f"{p['name']} ({p['role']}): {role['status']}{note}")
    return "\n".join(parts)


def csv_row(record, kind, absolute):
    data = record_dict(record, kind, absolute)
    citations = data.pop("citations", [])
    data.pop("interpretations", None)
    evidence = data.pop("evidence", {})
    participants = data.get("participants")
    row = {k: _flatten(v) for k, v in data.items()}
    row["citation_quotes"] = "\n\n".join(a["target"]["selector"][0]["exact"] for a in citations)
    row["citation_sources"] = (
        "; ".join(dict.fromkeys(p.source.citation_label for p in record.passages.all()))
        if citations
        else ""
    )
    row["citation_urls"] = " ".join(a["id"] for a in citations)
    row["interpretations"] = (
        _flatten(record.interpretations) if hasattr(record, "interpretations") else ""
    )
    if participants is not None:
        row["participants__evidence"] = _participants_evidence(participants)
    row.update(_evidence_cells(kind, evidence))
    return row


class _Echo:
    def write(self, value):
        return value


def csv_filename(kind, chips):
    name = slugify(kind.title)
    parts = [f"{c.param}-{slugify(c.value)}" for c in chips]
    return re.sub(r"[^a-z0-9_.-]", "", "_".join([name, *parts]))[:150] + ".csv"


# Rows fetched, and their citations and funders prefetched, per query: a 100,000-row download
# makes about 100 queries, not 400 (Django prefetches per chunk of the iterator).
CHUNK_ROWS = 2000
CUT_SHORT = (
    "# the download was cut short: the database became unavailable; the rows above are "
    "complete; download again for the rest"
)


def _cut_short_cleanly(rows, writer, path):
    """The rows; should the database fail once the answer has begun (its 200 and headers are
    sent), the stream ends with one last line saying so, and the error is logged. The client sees
    a complete HTTP answer whose body is the rows read so far, then that line (as Datasette does),
    rather than a connection dropped in mid-row or the server's own error page."""
    try:
        yield from rows
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        logger.error("database unavailable while streaming %s; the CSV was cut short", path)
        yield writer.writerow([CUT_SHORT])


def csv_response(request, kind, records, chips):
    absolute = absolute_url
    writer = csv.writer(_Echo())

    def rows():
        header = None
        for record in (
            records.iterator(chunk_size=CHUNK_ROWS) if hasattr(records, "iterator") else records
        ):
            row = csv_row(record, kind, absolute)
            if header is None:
                header = list(row)
                yield writer.writerow(header)
            yield writer.writerow([neutralise(row[h]) for h in header])
        if header is None:
            yield writer.writerow(["slug", "url"])

    stream = rows()
    # The first rows are read here, inside the view: a database that cannot be reached is the
    # quick 503 of every page, not a stream that fails before its first byte.
    first = next(stream)
    response = StreamingHttpResponse(
        _cut_short_cleanly(itertools.chain([first], stream), writer, request.path),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(kind, chips)}"'
    return response
