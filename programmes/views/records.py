"""Every record page and its `.json` twin: one view, given the kind's registry entry; and the home
page. A record page shows the record (its kind's `for_detail()` QuerySet method), what its head
says to machines and sharing sites (`linked_data`), the related records `RELATED` adds for its
kind, and breadcrumbs Home › list › record.
"""

import bisect

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from .. import kinds, models
from ..formats import exports, reader
from ..http.errors import bad_request
from ..lists.parameters import PageForm
from ..loading import datapackage
from ..pictures import drawings
from . import descriptions, pictures
from .linked_data import linked_data


def record_page(request, slug, kind, format="html"):
    record = get_object_or_404(kind.detail_queryset(), slug=slug)
    if format == "json":
        return exports.detail_json_response(request, kind, record)
    if format != "html":
        raise Http404("no such format")
    context = {
        "record": record,
        kind.key: record,
        "list_url": kind.list_url(),
        "list_title": kind.title,
        "ld": linked_data(request, kind, record),
    }
    related = RELATED.get(kind.key)
    if related:
        try:
            context.update(related(record, request))
        except PageError as error:
            return bad_request(request, error.errors)
    context["ld"].description = descriptions.for_record(kind, record, context)
    return render(request, kind.detail_template, context)


# --- what each kind's page shows besides the record: kind key -> context from the record and the
# request (the reader reads its page) ------------------------------------------------------------


def _city(city, request):
    milestones = list(models.Milestone.objects.for_list().filter(cities=city))
    projects, totals, count = pictures.projects_of(city=city)
    return {
        "programmes": models.Programme.objects.for_city(city),
        "projects": projects,
        "totals": totals,
        "projects_count": count,
        "projects_url": reverse("programmes:project-list") + f"?city={city.slug}",
        "awards": models.Award.objects.for_list().filter(recipient=city),
        "milestones": milestones,
        "partners": models.Partner.objects.for_list().filter(city=city),
        "network": pictures.city_network(city),
        "statements": models.Statement.objects.for_list().filter(city=city),
        "timeline": drawings.timeline(milestones),
    }


def _partner(partner, request):
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


def _programme(programme, request):
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


# The reader lists this many cited passages, and this many sentences, on each of its pages (the
# real sources fit on the first); the text, with every passage marked, is whole on the first page,
# so every `#passage-<start>-<end>` link lands on its words.
READER_PAGE = 200


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
                if key in kinds.BY_KEY and key != "source"
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


def _source(source, request):
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
    by_key = {("source", source.slug): ("Source", "this document's description", "#source-facts")}
    cited_by = {}
    for passage_pk, record in models.Passage.objects.filter(pk__in=named).citations():
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

    return {
        "paragraphs": reader.render(source.text, passages) if number == 1 else None,
        "passages": passages,
        "cited": [
            {
                "start": p.start,
                "end": p.end,
                "quote": p.quote,
                "url": f"{source_url}#{p.anchor}",
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


RELATED = {"city": _city, "partner": _partner, "programme": _programme, "source": _source}


def _home_summary(version):
    """The catalogue's record counts and its map as the load stored them for `version` (a
    COUNT of every table and the map of every city cost hundreds of milliseconds on a large
    catalogue); counted and drawn here when nothing was stored. Two queries."""
    if version is None:
        return kinds.counts(), None
    stored = models.CatalogueVersion.objects.filter(pk=version.pk).values_list("counts", flat=True)
    counts = stored.first() or kinds.counts()
    drawn = models.ListSummary.objects.for_list(version, "city").get("map")
    return counts, mark_safe(drawn) if drawn else None  # the loader's drawing, escaped when drawn


def home(request):
    version = getattr(request, "catalogue_version", None)
    counts, drawn_map = _home_summary(version)
    release = (
        {
            "version": version.version[:12],
            "catalogue_version": version.version,
            "citation": datapackage.citation_text(version, settings.SITE_URL.rstrip("/")),
        }
        if version
        else None
    )
    dated = models.Milestone.objects.filter(date__isnull=False)
    return render(
        request,
        "programmes/home.html",
        {
            "counts": counts,
            "sources": models.Source.objects.for_home(),
            "oldest": dated.order_by("date", "title").first(),
            "newest": dated.order_by("-date", "title").first(),
            "map": None if drawn_map else pictures.city_map(),
            "map_drawn": drawn_map,
            "page_description": descriptions.for_home(counts),
            "package": release,
        },
    )
