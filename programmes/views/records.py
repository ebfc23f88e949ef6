"""Every record page and its `.json` twin: one view, given the kind's registry entry; and the home
page. A record page shows the record (its kind's `for_detail()` QuerySet method), what its head
says to machines and sharing sites (`linked_data`), the related records `RELATED` adds for its
kind, and breadcrumbs Home › list › record.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from .. import kinds, models
from ..formats import exports, reader
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
        context.update(related(record))
    context["ld"].description = descriptions.for_record(kind, record, context)
    return render(request, kind.detail_template, context)


# --- what each kind's page shows besides the record: kind key -> context -----------------------


def _city(city):
    milestones = list(models.Milestone.objects.for_list().filter(cities=city))
    projects, totals = pictures.projects_of(city=city)
    return {
        "programmes": models.Programme.objects.for_city(city),
        "projects": projects,
        "totals": totals,
        "awards": models.Award.objects.for_list().filter(recipient=city),
        "milestones": milestones,
        "partners": models.Partner.objects.for_list().filter(city=city),
        "network": pictures.city_network(city),
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
    projects, totals = pictures.projects_of(programme=programme)
    return {
        "projects": projects,
        "totals": totals,
        "milestones": milestones,
        "network": pictures.programme_network(programme),
        "timeline": drawings.timeline(milestones),
    }


def _source(source):
    passages = list(models.Passage.objects.for_reader().filter(source=source))
    return {"paragraphs": reader.render(source.text, passages), "passages": passages}


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
