"""What some kinds' record pages show besides the record: each function here takes the record and
the request (the reader reads its page) and gives what it adds to the page's context; a kind's
registry entry names its function (`Kind.related`)."""

import bisect

from django.urls import reverse

from .. import kinds, models, reference
from ..formats import reader
from ..lists.parameters import PageForm
from ..pictures import drawings
from ..site import absolute_url
from . import pictures


def city(city, request):
    milestones = list(models.Milestone.objects.for_list().filter(cities=city))
    projects, totals, count = pictures.projects_of(city=city)
    network, programmes = pictures.city_network(city)
    years = sorted(m.date.year for m in milestones if m.date)
    country = reference.country(city.country)
    return {
        "programmes": programmes,
        "partner_count": len(network.rows),
        "country_name": country.name if country else city.country,
        "years": (years[0], years[-1]) if years else None,
        "projects": projects,
        "totals": totals,
        "projects_count": count,
        "projects_url": reverse("programmes:project-list") + f"?city={city.slug}",
        "awards": models.Award.objects.for_list().filter(recipient=city),
        "milestones": milestones,
        "partners": models.Partner.objects.for_list().filter(city=city),
        "network": network,
        "statements": list(models.Statement.objects.for_list().filter(city=city)),
        "timeline": drawings.timeline(milestones),
    }


def partner(partner, request):
    return {
        "participations": models.Participation.objects.for_partner(partner),
        **_first_projects("funded", partner, funders=partner),
        **_first_projects("implemented", partner, implementers=partner),
        "awards_conferred": models.Award.objects.for_list().filter(conferred_by=partner),
        "awards_recommended": models.Award.objects.for_list().filter(recommended_by=partner),
        "milestones": models.Milestone.objects.for_list().filter(partners=partner),
        "people": models.Person.objects.for_list().filter(organisation=partner),
    }


def _first_projects(name, partner, **where):
    """A partner's first funded (or implemented) projects, how many there are and the list of
    them all (the projects list filters on funders, or on funders and implementers at once)."""
    rows, count = pictures.first_projects(**where)
    param = "funder" if name == "funded" else "partner"
    url = reverse("programmes:project-list") + f"?{param}={partner.slug}"
    return {name: rows, f"{name}_count": count, f"{name}_url": url}


def programme(programme, request):
    milestones = list(models.Milestone.objects.for_list().filter(programme=programme))
    projects, totals, count = pictures.projects_of(programme=programme)
    return {
        "projects": projects,
        "totals": totals,
        "projects_count": count,
        "projects_url": reverse("programmes:project-list") + f"?programme={programme.slug}",
        "milestones": milestones,
        "network": pictures.programme_network(programme),
        "parts": _programme_parts(programme),
        "statements": models.Statement.objects.for_list().filter(programme=programme),
        "timeline": drawings.timeline(milestones),
    }


def _programme_parts(programme):
    return list(programme.parts.all())


# The reader lists this many cited passages, and this many sentences, on each of its pages (a
# phone lays out a page of a hundred without a pause); the text, with every passage marked, is
# whole on the first page, so every `#passage-<start>-<end>` link lands on its words.
READER_PAGE = 100


class PageError(Exception):
    """A page of a record that cannot be: the view answers 400 naming the parameter."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def _reader_page(request, total):
    """The page of the reader's lists asked for (`?page=`, from 1) and the number of pages."""
    paging = PageForm(request.GET)
    paging.is_valid()  # `page_size` is the lists'; the reader's pages have one size
    if "page" in paging.errors:
        raise PageError({"page": paging.errors["page"]})
    last = max(1, -(-total // READER_PAGE))
    number = paging.cleaned_data["page"]
    if number > last:
        raise PageError({"page": f"is past the last page ({last})"})
    return number, last


def _coverage(source, rows, by_key, text_url):
    """Each of `rows` (sentences of `source.coverage`) with its coverage: the records citing it
    (named from `by_key`), whether they cover all of it, or why it carries no fact."""
    paragraph_starts = [start for start, _ in reader.paragraphs(source.text)]
    out = []
    for row in rows:
        cited = []
        for key, slug in row["records"]:
            label, name, url = by_key.get(
                (key, slug),
                (kinds.BY_KEY[key].label, slug, reverse(f"programmes:{key}-detail", args=[slug]))
                if key in kinds.BY_KEY and kinds.BY_KEY[key].cited
                else (key, slug, ""),
            )
            cited.append({"kind": label, "name": name, "url": url})
        if row["records"]:
            state = "full" if row["full"] else "partial"
        else:
            state = "no-fact" if row["no_fact"] else "unaccounted"
        # The paragraph the sentence begins in.
        at = bisect.bisect_right(paragraph_starts, row["start"]) - 1
        paragraph = paragraph_starts[at] if at >= 0 else 0
        out.append(
            {
                "start": row["start"],
                "end": row["end"],
                "text": source.text[row["start"] : row["end"]],
                "records": cited,
                "state": state,
                "no_fact": row["no_fact"],
                "paragraph_url": f"{text_url}#char-{paragraph}",
            }
        )
    return out


def _passage_citation(source, passage, permalink):
    """A passage cited as text to paste: its words, the source, where they stand, the link."""
    return (
        f"“{passage.quote}” — {source.citation_label}, "
        f"characters {passage.start}–{passage.end}. {permalink}"
    )


def _in_margin(paragraphs, listed, cited_by):
    """Each paragraph with the records that the passages of this page beginning in it feed,
    each record once, in the order of its first passage there, naming the passages it cites
    (`margin`: (kind label, name, URL, anchors)): what the reader sets beside the text."""
    starts = [p.start for p in paragraphs]
    margins = [{} for _ in paragraphs]
    for passage in listed:
        n = max(0, bisect.bisect_right(starts, passage.start) - 1)
        for label, name, url in cited_by.get(passage.pk, ()):
            margins[n].setdefault((label, name, url), []).append(passage.anchor)
    return [
        {
            "start": paragraph.start,
            "html": paragraph.html,
            "margin": [(*record, " ".join(anchors)) for record, anchors in margin.items()],
        }
        for paragraph, margin in zip(paragraphs, margins, strict=True)
    ]


def source(source, request):
    """The reader: the text with every passage marked (on the first page), then a page of the
    cited passages with the records citing each, and a page of the sentences with their coverage.
    Queries: the passages, then one per citing kind for what this page lists."""
    passages = list(source.passages.all())
    sentences = source.coverage or []
    number, last = _reader_page(request, max(len(passages), len(sentences)))
    first = (number - 1) * READER_PAGE
    listed = passages[first : first + READER_PAGE]
    rows = sentences[first : first + READER_PAGE]
    # The records this page names: those citing a listed passage or a listed sentence's words.
    named = {p.pk for p in listed}
    if rows:
        start, end = rows[0]["start"], rows[-1]["end"]
        named.update(p.pk for p in passages if p.start < end and p.end > start)
    # (kind, slug) -> (kind label, name, URL); the source's own description points to its facts.
    own = (kinds.of(source).key, source.slug)
    by_key = {own: ("Source", "this document's description", "#source-facts")}
    cited_by = {}
    citing = [kind.model for kind in kinds.CITED]
    for passage_pk, record in models.Passage.objects.filter(pk__in=named).citations(citing):
        kind = kinds.of(record)
        key = (kind.key, record.slug)
        if key not in by_key:
            by_key[key] = (kind.label, str(record), record.get_absolute_url())
        cited_by.setdefault(passage_pk, []).append(by_key[key])
    source_url = source.get_absolute_url()
    text_url = "" if number == 1 else source_url
    summary = source.coverage_summary

    def link(n):
        return f"?page={n}" if n > 1 else source_url

    paragraphs = reader.render(source.text, passages) if number == 1 else None
    return {
        "paragraphs": _in_margin(paragraphs, listed, cited_by) if paragraphs else None,
        "passages": passages,
        "cited": [
            {
                "start": p.start,
                "end": p.end,
                "quote": p.quote,
                "url": f"{source_url}#{p.anchor}",
                "permalink": (permalink := absolute_url(f"{source_url}#{p.anchor}")),
                "citation": _passage_citation(source, p, permalink),
                "records": cited_by.get(p.pk, ()),
            }
            for p in listed
        ],
        "cited_from": first + 1,
        "cited_to": first + len(listed),
        "coverage": _coverage(source, rows, by_key, text_url),
        "coverage_from": first + 1,
        "coverage_to": first + len(rows),
        "coverage_summary": summary,
        "accounted": summary["cited"] + summary["no_catalogued_fact"],
        "reader_page": {
            "number": number,
            "last": last,
            "previous": link(number - 1) if number > 1 else "",
            "next": link(number + 1) if number < last else "",
        },
    }
