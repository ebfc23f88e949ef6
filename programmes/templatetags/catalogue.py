"""Tags every page uses: interpretation labels and the "cite this record" block."""

from django import template
from django.utils.html import format_html

from ..site import absolute_url

register = template.Library()


@register.simple_tag
def interpretation(record, field):
    """The catalogue's note on a derived value, shown next to the value."""
    note = record.interpretation(field) if hasattr(record, "interpretation") else ""
    if not note:
        return ""
    return format_html(
        '<span class="interpretation"><span class="interpretation-label">'
        "Catalogue’s interpretation:</span> {}</span>",
        note,
    )


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
    text = f"“{label}”. City cooperation catalogue"
    if version:
        text += f", version {version.version[:12]} ({version.loaded_at:%Y-%m-%d})"
    text += f". {permalink}"
    if sources:
        text += ". Citing: " + "; ".join(sources) + "."
    return {"permalink": permalink, "citation_text": text}


@register.inclusion_tag("programmes/_passage_cell.html")
def shortest_passage(record):
    """The record's shortest cited passage, verbatim, for a list row (uses the prefetched rows)."""
    passages = getattr(record, "shortest", None) or list(record.passages.all())
    return {"passage": min(passages, key=lambda p: len(p.quote)) if passages else None}
