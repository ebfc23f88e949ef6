"""What the pages' pictures show, fetched by the views in a fixed number of queries and handed to
`pictures.drawings`; the templates only place the drawn SVG and its table
(`_network.html`, `_timeline.html`, `_funding_chart.html`, `_map.html`)."""

from collections import defaultdict

from ..models import City, FundedProject, Participation, Programme
from ..pictures import drawings, funding


def city_network(city):
    """The city's partner cities and organisations: 1 query."""
    return drawings.city_network(city, Participation.objects.network_of_city(city))


def programme_network(programme):
    """The programme's participating cities and organisations: 1 query."""
    return drawings.programme_network(
        programme, Participation.objects.network_of_programme(programme)
    )


def city_map():
    """Every city, which programmes each takes part in, and the programmes drawn: 3 queries."""
    links = drawings.city_links(Participation.objects.city_memberships())
    drawn = {pk for ids in links.values() for pk in ids}
    programmes = Programme.objects.only("slug", "name").in_bulk(drawn)
    # `evidence` too: the table under the map marks the coordinates as reference data.
    cities = City.objects.only("slug", "name", "native_name", "latitude", "longitude", "evidence")
    return drawings.city_map(cities, links, programmes)


def funding_rows(projects):
    """The funding chart's rows for the projects as filtered: 2 grouped queries at any size."""
    return funding.funding_rows(projects)


# A record's page lists this many of its funded projects (a city of a large catalogue has
# hundreds) and links to the list of them all; the totals still count every one.
RELATED_LIMIT = 50


def totals_by_currency(projects, rows):
    """Stated amounts of `projects` summed per currency, never converted, with the wordings of
    `rows` (those of the projects shown on the page), and the number of projects: 1 grouped
    query."""
    stated = defaultdict(list)
    for project in rows:
        if project.amount is not None:
            stated[project.currency].append(project.amount_as_stated)
    grouped = sorted(projects.totals(), key=lambda row: row["currency"] or "")
    totals = {
        row["currency"]: {
            "amount": row["amount"],
            "count": row["count"],
            "stated": stated[row["currency"]],
        }
        for row in grouped
        if row["currency"]
    }
    return totals, sum(row["count"] for row in grouped)


def projects_of(**where):
    """A record's funded projects for its page (the first RELATED_LIMIT), their totals per
    currency and how many there are: 2 queries at any size."""
    projects = FundedProject.objects.for_list().filter(**where)
    rows = list(projects[:RELATED_LIMIT])
    totals, count = totals_by_currency(projects, rows)
    return rows, totals, count
