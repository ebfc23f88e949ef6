"""Every record page and its `.json` twin: one view, given the kind's registry entry; and the home
page. A record page shows the record (its kind's `for_detail()` QuerySet method), what its head
says to machines and sharing sites (`linked_data`), the related records `RELATED` adds for its
kind, and breadcrumbs Home › list › record.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from .. import kinds, models
from ..formats import exports, reader
from ..loading import datapackage
from ..pictures import drawings
from ..querysets import CITING
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
        context.update(related(record))
    context["ld"].description = descriptions.for_record(kind, record, context)
    return render(request, kind.detail_template, context)


# --- what each kind's page shows besides the record: kind key -> context -----------------------


def _city(city):
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


def _partner(partner):
    return {
        "participations": models.Participation.objects.for_partner(partner),
        "funded": models.FundedProject.objects.for_list().filter(funders=partner),
        "implemented": models.FundedProject.objects.for_list().filter(implementers=partner),
        "awards_conferred": models.Award.objects.for_list().filter(conferred_by=partner),
        "awards_recommended": models.Award.objects.for_list().filter(recommended_by=partner),
        "milestones": models.Milestone.objects.for_list().filter(partners=partner),
        "people": models.Person.objects.for_list().filter(organisation=partner),
    }


def _programme(programme):
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


def _coverage(source, passages):
    """Each sentence of the source with its coverage: the records citing it (from the passages'
    prefetched records, so no query), whether they cover all of it, or why it carries no fact."""
    by_key = {("source", source.slug): ("Source", "this document's description", "#source-facts")}
    for passage in passages:
        for name in CITING:
            for record in getattr(passage, name).all():
                kind = kinds.of(record)
                url = record.get_absolute_url()
                by_key[(kind.key, record.slug)] = (kind.label, str(record), url)
    paragraph_starts = [start for start, _ in reader.paragraphs(source.text)]
    rows = []
    for row in source.coverage or []:
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
        paragraph = max((s for s in paragraph_starts if s <= row["start"]), default=0)
        rows.append(
            {
                "start": row["start"],
                "end": row["end"],
                "text": source.text[row["start"] : row["end"]],
                "records": cited,
                "state": state,
                "no_fact": row["no_fact"],
                "paragraph": paragraph,
            }
        )
    return rows


def _source(source):
    passages = list(source.passages.all())
    summary = source.coverage_summary
    return {
        "paragraphs": reader.render(source.text, passages),
        "passages": passages,
        "coverage": _coverage(source, passages),
        "coverage_summary": summary,
        "accounted": summary["cited"] + summary["no_catalogued_fact"],
    }


RELATED = {"city": _city, "partner": _partner, "programme": _programme, "source": _source}


def home(request):
    counts = kinds.counts()
    version = getattr(request, "catalogue_version", None)
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
            "map": pictures.city_map(),
            "page_description": descriptions.for_home(counts),
            "package": release,
        },
    )
