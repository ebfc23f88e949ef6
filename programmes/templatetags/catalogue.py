"""Tags every page uses: evidence markers, interpretation labels and "cite this record"."""

import re

from django import template
from django.template import loader
from django.utils.html import format_html
from django.utils.http import urlencode

from .. import kinds, values
from ..fields import FACT
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
    # Whole, as its kind names a record (a statement by its summary), never shortened.
    kind = kinds.BY_MODEL.get(type(record))
    label = (getattr(record, kind.title_field, "") if kind else "") or str(record)
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


# A participant's evidence rows, after its name: whether it is the one named, and its role.
PARTICIPANT_LABELS = {"city": "who it is", "partner": "who it is"}
MARKER = "programmes/_evidence_marker.html"
DECLARED = (
    '<span class="evidence evidence-declared" data-status="interpreted" data-tier="{}"'
    ' data-field="{}"></span>'
)


def _note_id(context):
    """A page-unique id for a marker's note (its button's aria-describedby)."""
    holder = context.get("request") or context
    number = getattr(holder, "_evidence_notes", 0) + 1
    holder._evidence_notes = number
    return f"evidence-note-{number}"


def _marker(context, record, field, label, note, passages=()):
    """An interpreted value's mark, by its field's tier (`kinds.tier`): a fact's quiet marker,
    whose note opens on focus, hover or tap; a classification's, a reference value's or a
    wording's status alone, declared once for the page. Both keep `data-status`."""
    tier = kinds.tier(record, field)
    if tier != FACT:  # a page's hundreds of these: no template to render
        return format_html(DECLARED, tier, field)
    return loader.render_to_string(
        MARKER,
        {
            "field": field,
            "label": label or _label(record, field),
            "note": note,
            "passages": passages,
            "id": _note_id(context),
        },
    )


# What a page's address may carry without being another page: its order and its page size.
NOT_CANONICAL = ("sort", "page_size")


@register.simple_tag(takes_context=True)
def canonical(context):
    """The page's canonical link (its address on SITE_URL without `sort` or `page_size`), and,
    for a list narrowed by more than one filter, `noindex, follow`: every combination of
    filters is a page, and a search engine need not keep them all."""
    request = context.get("request")
    if request is None:
        return ""
    pairs = [(k, v) for k, vs in request.GET.lists() for v in vs if k not in NOT_CANONICAL]
    query = urlencode(pairs)
    html = format_html(
        '<link rel="canonical" href="{}">',
        absolute_url(local_path(request.path)) + (f"?{query}" if query else ""),
    )
    filters = {k for k, _ in pairs if k != "page"}
    if len(filters) > 1:
        html += format_html('\n<meta name="robots" content="{}">', "noindex, follow")
    return html


@register.filter
def local_path(path):
    """A path of this site as a link can give it: leading slashes and backslashes made one "/",
    so that `//evil.example/x` (a protocol-relative address) links to `/evil.example/x` here."""
    return "/" + re.sub(r"^[/\\]+", "", path)


@register.simple_tag(takes_context=True)
def evidence(context, record, field, label=""):
    """The mark after a value on a record page: links to the words that state it, or, for the
    catalogue's reading, its marker (`_marker`)."""
    entry = record.evidence_for(field) if hasattr(record, "evidence_for") else None
    if entry is None:
        return ""
    if entry.is_stated:
        return loader.render_to_string(
            "programmes/_evidence.html", {"ev": entry, "label": label or _label(record, field)}
        )
    return _marker(context, record, field, label, entry.note, entry.passages)


@register.simple_tag(takes_context=True)
def interpreted(context, record, field, label=""):
    """In a list's cell: the marker when the value shown is the catalogue's reading. Reads only
    `record.evidence`: list rows prefetch one passage at most. Most cells are no interpretation
    and return at once (a list of fifty rows asks this of each of its cells)."""
    entry = (getattr(record, "evidence", None) or {}).get(field) or {}
    if entry.get("status") != "interpreted":
        return ""
    return _marker(context, record, field, label, entry.get("note", ""))


@register.simple_tag
def declaration(where="record"):
    """The page's one sentence on the interpretations it does not mark value by value: where
    their evidence is, on a record's page or, from a list, on each record's."""
    return loader.render_to_string("programmes/_declaration.html", {"list": where == "list"})


@register.inclusion_tag("programmes/_evidence_table.html")
def evidence_table(record, heading_id="evidence-heading"):
    """Every value's evidence in field order, for a researcher reading the record as a whole."""
    rows = [(e, _label(record, e.field)) for e in record.evidence_list() if e is not None]
    kind = kinds.BY_MODEL.get(type(record))
    if kind is not None and kind.participation:  # then each participant's, by its name
        for part in record.participations.all():
            name = part.participant.name
            rows += [
                (e, f"{name}: {PARTICIPANT_LABELS.get(e.field) or _label(part, e.field)}")
                for e in part.evidence_list()
                if e is not None
            ]
    return {"rows": rows, "heading_id": heading_id}


@register.inclusion_tag("programmes/_as_stated.html")
def as_stated(record, field):
    """A value presented as the source's words: a quotation citing the passage it is a slice of."""
    value = getattr(record, field, "")
    entry = record.evidence_for(field) if value and hasattr(record, "evidence_for") else None
    passage = next((p for p in entry.passages if value in p.quote), None) if entry else None
    return {"value": value, "passage": passage}
