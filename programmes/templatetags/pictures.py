"""Template tags that fetch what a picture needs, in a fixed number of queries, and draw it.

Each renders its SVG in a <figure> with a <figcaption>, followed by a plain table or list of the
same facts (templates/programmes/_network.html, _timeline.html, _funding_chart.html, _map.html).
"""

from django import template
from django.core.paginator import Page
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce

from programmes.models import City, FundedProject, Participation, Programme
from programmes.pictures import drawings as pictures
from programmes.views.lists import version_cached

register = template.Library()


def _rows(records):
    """A page's rows, or a queryset without its prefetches (the pictures need only the row)."""
    if isinstance(records, Page):
        records = records.object_list
    if isinstance(records, QuerySet):
        records = records.prefetch_related(None)
    return records


@register.inclusion_tag("programmes/_network.html")
def city_network(city):
    """The city's partner cities and organisations: 1 query."""
    participations = Participation.objects.filter(
        programme__in=city.participations.values("programme")
    ).select_related("programme", "city", "partner")
    return {"picture": pictures.city_network(city, participations), "subject": city}


@register.inclusion_tag("programmes/_network.html")
def programme_network(programme):
    """The programme's participating cities and organisations: 1 query."""
    participations = Participation.objects.filter(programme=programme).select_related(
        "city", "partner"
    )
    return {"picture": pictures.programme_network(programme, participations), "subject": programme}


@register.inclusion_tag("programmes/_timeline.html")
def milestone_timeline(milestones):
    """The milestones given (a queryset, a list or a page of them): at most 1 query."""
    return {"picture": pictures.timeline(_rows(milestones))}


GROUPS = {
    "category": ("sector__category__code", "sector__category__name"),
    "programme": ("programme__slug", "programme__name"),
}


@register.inclusion_tag("programmes/_funding_chart.html", takes_context=True)
def funding_chart(context, projects):
    """The funded projects as filtered, summed in the database: 2 queries at any size, kept per
    catalogue version like the list's facet counts (the totals depend only on the filters)."""
    if isinstance(projects, Page):
        projects = projects.paginator.object_list
    if not isinstance(projects, QuerySet):
        return {"picture": pictures.funding_chart(funding_totals(projects))}
    groups = version_cached(
        getattr(context.get("request"), "catalogue_version", None),
        "catalogue-funding-chart",
        [str(projects.order_by().values("pk").query)],
        lambda: pictures.funding_rows(funding_totals(projects)),
    )
    return {"picture": pictures.draw_funding_chart(groups)}


def funding_totals(projects):
    """Project counts and stated amounts per currency, by sector category and by programme.

    A filter across a to-many relation (a funder, a partner) makes the list DISTINCT; its projects
    are then taken by primary key so a join can neither repeat a project nor double its amount.
    Otherwise the filtered query is grouped as it is, which lets the database use its indexes.
    """
    if isinstance(projects, QuerySet):
        if projects.query.distinct:
            base = FundedProject.objects.filter(pk__in=projects.order_by().values("pk"))
        else:
            base = projects.prefetch_related(None).select_related(None)
    else:
        base = FundedProject.objects.filter(pk__in=[project.pk for project in projects])
    base = base.order_by()
    totals = {}
    for group, (key, label) in GROUPS.items():
        rows = base.values(key, label, "currency").annotate(count=Count("pk"), amount=Sum("amount"))
        totals[group] = [
            {
                "key": row[key],
                "label": f"{row[key]} {row[label]}" if group == "category" else row[label],
                "currency": row["currency"],
                "count": row["count"],
                "amount": row["amount"],
            }
            for row in rows
        ]
    return totals


@register.inclusion_tag("programmes/_map.html")
def city_map():
    """Every city, which programmes each takes part in, and the programmes drawn: 3 queries.

    A city takes part itself or through an organisation based there; only the ids travel, as a
    large catalogue has many thousands of participations and only the strongest links are drawn.
    """
    memberships = (
        Participation.objects.annotate(place=Coalesce("city_id", "partner__city_id"))
        .filter(place__isnull=False)
        .values_list("programme_id", "place")
        .distinct()
        .order_by()
    )
    links = pictures.city_links(memberships)
    drawn = {pk for ids in links.values() for pk in ids}
    programmes = Programme.objects.only("slug", "name").in_bulk(drawn)
    cities = City.objects.only("slug", "name", "native_name", "latitude", "longitude")
    return {"picture": pictures.city_map(cities, links, programmes)}
