"""Thin views: each list is a `Listing` (FilterSet + one QuerySet method + facets), each detail page
one QuerySet method plus the related records it shows. Every view answers HTML, `.json` and (lists)
`.csv` at the same path.
"""

from collections import defaultdict

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from ..formats import exports, reader
from ..lists import filters
from ..models import (
    Award,
    City,
    FundedProject,
    Milestone,
    Participation,
    Partner,
    Passage,
    Person,
    Programme,
    Source,
)
from .lists import Facet, Listing, list_view

FORMATS = ("html", "json", "csv")


def _choices(model_choices):
    return {str(k): str(v) for k, v in model_choices}


PROJECTS = Listing(
    title="Funded projects",
    filterset_class=filters.FundedProjectFilter,
    queryset=lambda: FundedProject.objects.for_list(),
    export_queryset=lambda: FundedProject.objects.for_export(),
    template="programmes/project_list.html",
    facets=[
        Facet("sector", "Sector (DAC code)", "sector__code", "sector__name"),
        Facet(
            "sector_category", "Sector category", "sector__category__code", "sector__category__name"
        ),
        Facet("city", "City", "city__slug", "city__name"),
        Facet("programme", "Programme", "programme__slug", "programme__name"),
        Facet("funder", "Funder", "funders__slug", "funders__name"),
        Facet(
            "instrument",
            "Funding instrument",
            "instrument",
            choices=_choices(FundedProject.Instrument.choices),
        ),
        Facet("status", "Status", "status", choices=_choices(FundedProject.Status.choices)),
    ],
    columns=[
        ("Project", "title"),
        ("Sector", "sector"),
        ("City", "city"),
        ("Programme", "programme"),
        ("Instrument", ""),
        ("Amount as stated", "amount"),
        ("Status", ""),
        ("Source passage", ""),
    ],
)

PROGRAMMES = Listing(
    title="Programmes",
    filterset_class=filters.ProgrammeFilter,
    queryset=lambda: Programme.objects.for_list(),
    template="programmes/programme_list.html",
    facets=[
        Facet("city", "City", "participations__city__slug", "participations__city__name"),
        Facet(
            "partner", "Partner", "participations__partner__slug", "participations__partner__name"
        ),
        Facet("kind", "Kind", "kind", choices=_choices(Programme.Kind.choices)),
        Facet("status", "Status", "status", choices=_choices(Programme.Status.choices)),
    ],
    columns=[
        ("Programme", "name"),
        ("Kind", "kind"),
        ("Began", "year"),
        ("Participants", ""),
        ("Status", ""),
        ("Source passage", ""),
    ],
)

PARTNERS = Listing(
    title="Partners",
    filterset_class=filters.PartnerFilter,
    queryset=lambda: Partner.objects.for_list(),
    template="programmes/partner_list.html",
    facets=[
        Facet("kind", "Kind", "kind", choices=_choices(Partner.Kind.choices)),
        Facet("country", "Country", "country"),
        Facet("city", "City", "city__slug", "city__name"),
    ],
    columns=[
        ("Organisation", "name"),
        ("Kind", "kind"),
        ("Country", "country"),
        ("City", ""),
        ("Source passage", ""),
    ],
)

PEOPLE = Listing(
    title="People",
    filterset_class=filters.PersonFilter,
    queryset=lambda: Person.objects.for_list(),
    template="programmes/person_list.html",
    facets=[Facet("organisation", "Organisation", "organisation__slug", "organisation__name")],
    columns=[("Name", "name"), ("Role", ""), ("Organisation", ""), ("Source passage", "")],
)

CITIES = Listing(
    title="Cities",
    filterset_class=filters.CityFilter,
    queryset=lambda: City.objects.for_list(),
    template="programmes/city_list.html",
    facets=[Facet("country", "Country", "country")],
    columns=[
        ("City", "name"),
        ("Country", "country"),
        ("Region", ""),
        ("Programmes", ""),
        ("Funded projects", ""),
        ("Source passage", ""),
    ],
)

AWARDS = Listing(
    title="Awards",
    filterset_class=filters.AwardFilter,
    queryset=lambda: Award.objects.for_list(),
    template="programmes/award_list.html",
    facets=[
        Facet("recipient", "Recipient", "recipient__slug", "recipient__name"),
        Facet("conferred_by", "Conferred by", "conferred_by__slug", "conferred_by__name"),
        Facet("recommended_by", "Recommended by", "recommended_by__slug", "recommended_by__name"),
    ],
    columns=[
        ("Award", "name"),
        ("Recipient", ""),
        ("Conferred by", ""),
        ("Year", "year"),
        ("Recommended by", ""),
        ("Source passage", ""),
    ],
)

MILESTONES = Listing(
    title="Timeline",
    filterset_class=filters.MilestoneFilter,
    queryset=lambda: Milestone.objects.for_list(),
    template="programmes/milestone_list.html",
    facets=[
        Facet("city", "City", "cities__slug", "cities__name"),
        Facet("programme", "Programme", "programme__slug", "programme__name"),
        Facet("partner", "Partner", "partners__slug", "partners__name"),
        Facet("kind", "Kind", "kind", choices=_choices(Milestone.Kind.choices)),
    ],
    columns=[
        ("Date as stated", "date"),
        ("Milestone", "title"),
        ("Kind", "kind"),
        ("Programme", ""),
        ("Source passage", ""),
    ],
)

SOURCES = Listing(
    title="Sources",
    filterset_class=filters.SourceFilter,
    queryset=lambda: Source.objects.for_list(),
    template="programmes/source_list.html",
    facets=[Facet("kind", "Kind", "kind", choices=_choices(Source.Kind.choices))],
    columns=[
        ("Source", "title"),
        ("Kind", ""),
        ("Speaker or author", ""),
        ("Date", "date"),
        ("Passages cited", ""),
        ("Shortest cited passage", ""),
    ],
)


def _list(listing):
    def view(request, format="html"):
        return list_view(request, listing, format)

    view.__name__ = listing.title.lower().replace(" ", "_") + "_list"
    return view


project_list = _list(PROJECTS)
programme_list = _list(PROGRAMMES)
partner_list = _list(PARTNERS)
person_list = _list(PEOPLE)
city_list = _list(CITIES)
award_list = _list(AWARDS)
milestone_list = _list(MILESTONES)
source_list = _list(SOURCES)


def _detail(request, record, template, context, format):
    if format == "json":
        return exports.detail_json_response(request, record)
    if format != "html":
        raise Http404("no such format")
    return render(request, template, {"record": record, **context})


def totals_by_currency(projects):
    """Stated amounts summed per currency, never converted."""
    totals = defaultdict(lambda: {"amount": 0, "count": 0, "stated": []})
    for project in projects:
        if project.amount is not None:
            total = totals[project.currency]
            total["amount"] += project.amount
            total["count"] += 1
            total["stated"].append(project.amount_as_stated)
    return dict(sorted(totals.items()))


def city_detail(request, slug, format="html"):
    city = get_object_or_404(City.objects.for_detail(), slug=slug)
    programmes = Programme.objects.for_city(city)
    projects = list(FundedProject.objects.for_list().filter(city=city))
    return _detail(
        request,
        city,
        "programmes/city_detail.html",
        {
            "city": city,
            "programmes": programmes,
            "projects": projects,
            "totals": totals_by_currency(projects),
            "awards": Award.objects.for_list().filter(recipient=city),
            "milestones": Milestone.objects.for_list().filter(cities=city),
            "partners": Partner.objects.for_list().filter(city=city),
        },
        format,
    )


def partner_detail(request, slug, format="html"):
    partner = get_object_or_404(Partner.objects.for_detail(), slug=slug)
    return _detail(
        request,
        partner,
        "programmes/partner_detail.html",
        {
            "partner": partner,
            "participations": Participation.objects.for_partner(partner),
            "funded": FundedProject.objects.for_list().filter(funders=partner),
            "implemented": FundedProject.objects.for_list().filter(implementers=partner),
            "awards_conferred": Award.objects.for_list().filter(conferred_by=partner),
            "awards_recommended": Award.objects.for_list().filter(recommended_by=partner),
            "milestones": Milestone.objects.for_list().filter(partners=partner),
            "people": Person.objects.for_list().filter(organisation=partner),
        },
        format,
    )


def person_detail(request, slug, format="html"):
    person = get_object_or_404(Person.objects.for_detail(), slug=slug)
    return _detail(request, person, "programmes/person_detail.html", {"person": person}, format)


def programme_detail(request, slug, format="html"):
    programme = get_object_or_404(Programme.objects.for_detail(), slug=slug)
    projects = list(FundedProject.objects.for_list().filter(programme=programme))
    return _detail(
        request,
        programme,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "projects": projects,
            "totals": totals_by_currency(projects),
            "milestones": Milestone.objects.for_list().filter(programme=programme),
        },
        format,
    )


def award_detail(request, slug, format="html"):
    award = get_object_or_404(Award.objects.for_detail(), slug=slug)
    return _detail(request, award, "programmes/award_detail.html", {"award": award}, format)


def project_detail(request, slug, format="html"):
    project = get_object_or_404(FundedProject.objects.for_detail(), slug=slug)
    return _detail(request, project, "programmes/project_detail.html", {"project": project}, format)


def milestone_detail(request, slug, format="html"):
    milestone = get_object_or_404(Milestone.objects.for_detail(), slug=slug)
    return _detail(
        request, milestone, "programmes/milestone_detail.html", {"milestone": milestone}, format
    )


def source_detail(request, slug, format="html"):
    source = get_object_or_404(Source.objects.for_detail(), slug=slug)
    if format == "json":
        return exports.detail_json_response(request, source)
    passages = list(Passage.objects.for_reader().filter(source=source))
    return render(
        request,
        "programmes/source_detail.html",
        {
            "record": source,
            "source": source,
            "paragraphs": reader.render(source.text, passages),
            "passages": passages,
        },
    )


def home(request):
    counts = {
        "cities": City.objects.count(),
        "programmes": Programme.objects.count(),
        "funded_projects": FundedProject.objects.count(),
        "partners": Partner.objects.count(),
        "people": Person.objects.count(),
        "awards": Award.objects.count(),
        "milestones": Milestone.objects.count(),
        "cited_passages": Passage.objects.count(),
    }
    dated = Milestone.objects.filter(date__isnull=False)
    return render(
        request,
        "programmes/home.html",
        {
            "counts": counts,
            "sources": Source.objects.for_home(),
            "oldest": dated.order_by("date", "title").first(),
            "newest": dated.order_by("-date", "title").first(),
        },
    )
