"""Template tags that fetch what a picture needs, in a fixed number of queries, and draw it.

Each renders its SVG in a <figure> with a <figcaption>, followed by a plain table or list of the
same facts (templates/programmes/_network.html, _timeline.html, _funding_chart.html, _map.html).
"""

from django import template
from django.core.paginator import Page
from django.db.models import QuerySet

from programmes import pictures
from programmes.models import City, Participation

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


@register.inclusion_tag("programmes/_funding_chart.html")
def funding_chart(projects):
    """The funded projects as filtered: a page stands for its whole filtered list. 1 query."""
    if isinstance(projects, Page):
        projects = projects.paginator.object_list
    if isinstance(projects, QuerySet):
        projects = projects.prefetch_related(None).select_related("sector__category", "programme")
    return {"picture": pictures.funding_chart(projects)}


@register.inclusion_tag("programmes/_map.html")
def city_map():
    """Every city, and every participation to find the partner cities: 2 queries."""
    participations = Participation.objects.select_related("programme", "city", "partner__city")
    return {"picture": pictures.city_map(City.objects.all(), participations)}
