"""Tags every page uses: evidence markers, interpretation labels and "cite this record"."""

import functools

from django import template
from django.template import loader

from .. import values
from ..site import absolute_url

register = template.Library()


@register.inclusion_tag("programmes/_cite_this.html", takes_context=True)
def cite_this(context, record):
    version = context.get("catalogue_version")
    permalink = absolute_url(record.get_absolute_url())
    sources = []
    for passage in record.passages.all() if hasattr(record, "passages") else []:
        label = passage.source.citation_label
        if label not in sources:
            sources.append(label)
    label = getattr(record, "title", None) or getattr(record, "name", None) or str(record)
    # The record's label is the catalogue's wording, so it stands without quotation marks: on
    # these pages quotation marks hold only the sources' own words.
    text = f"{label}. City cooperation catalogue"
    if version:
        text += f", version {version.version[:12]} ({version.loaded_at:%Y-%m-%d})"
    text += f". {permalink}"
    if sources:
        text += ". Citing: " + "; ".join(sources) + "."
    return {"permalink": permalink, "citation_text": text}


@register.filter
def quotation(record, title_field):
    """The words that state a record (`values.quotation`: the passage its name or title rests
    on), for a list row or under a summary."""
    return values.quotation(record, title_field)


# --- evidence per value -------------------------------------------------------------------------
# Every tag below reads what the page's QuerySet method prefetched: `record.evidence` (a column)
# and, for links, the record's prefetched `passages`. None of them queries.


def _label(record, name):
    """A field's name as a reader reads it ("date as stated"); "record" is the record itself."""
    if name == "record":
        return "this record as a whole"
    try:
        return str(record._meta.get_field(name).verbose_name)
    except Exception:  # a key of `evidence` that names no field: show it as written
        return name.replace("_", " ")


@register.inclusion_tag("programmes/_evidence.html")
def evidence(record, field, label=""):
    """The marker after a value on a record page: links to the words that state it, or the
    "interpretation" badge with the catalogue's note and the words it rests on."""
    entry = record.evidence_for(field) if hasattr(record, "evidence_for") else None
    return {"ev": entry, "label": label or _label(record, field)}


@register.simple_tag
def interpreted(record, field, label=""):
    """In a list's cell: the badge, with its note in a disclosure, when the value shown is the
    catalogue's reading. Reads only `record.evidence`: list rows prefetch one passage at most.

    A list of fifty rows asks this of each of its cells, most of them no interpretation: those
    get the partial's empty rendering without rendering it again (a tenth of the page's time)."""
    entry = (getattr(record, "evidence", None) or {}).get(field) or {}
    if entry.get("status") != "interpreted":
        return _no_interpretation()
    context = {"note": entry.get("note", ""), "label": label or _label(record, field)}
    return loader.render_to_string(EVIDENCE_CELL, context)


EVIDENCE_CELL = "programmes/_evidence_cell.html"


@functools.cache
def _no_interpretation():
    return loader.render_to_string(EVIDENCE_CELL, {"note": ""})


@register.inclusion_tag("programmes/_evidence_table.html")
def evidence_table(record, heading_id="evidence-heading"):
    """Every value's evidence in field order, for a researcher reading the record as a whole."""
    rows = [(e, _label(record, e.field)) for e in record.evidence_list() if e is not None]
    return {"rows": rows, "heading_id": heading_id}


@register.inclusion_tag("programmes/_as_stated.html")
def as_stated(record, field):
    """A value presented as the source's words: a quotation citing the passage it is a slice of."""
    value = getattr(record, field, "")
    entry = record.evidence_for(field) if value and hasattr(record, "evidence_for") else None
    passage = next((p for p in entry.passages if value in p.quote), None) if entry else None
    return {"value": value, "passage": passage}
