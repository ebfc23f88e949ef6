"""What the pages' pictures show, fetched by the views in a fixed number of queries and handed to
`pictures.drawings`; the templates only place the drawn SVG and its table
(`_network.html`, `_timeline.html`, `_funding_chart.html`, `_map.html`)."""

from collections import defaultdict

from ..models import City, FundedProject, Participation, Programme
from ..pictures import drawings

GROUPS = {
    "category": ("sector__category__code", "sector__category__name"),
    "programme": ("programme__slug", "programme__name"),
}


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
    cities = City.objects.only("slug", "name", "native_name", "latitude", "longitude")
    return drawings.city_map(cities, links, programmes)


def funding_rows(projects):
    """The funding chart's rows for the projects as filtered: 2 grouped queries at any size."""
    totals = {}
    for group, (key, label) in GROUPS.items():
        totals[group] = [
            {
                "key": row[key],
                "label": f"{row[key]} {row[label]}" if group == "category" else row[label],
                "currency": row["currency"],
                "count": row["count"],
                "amount": row["amount"],
            }
            for row in projects.totals(key, label)
        ]
    return drawings.funding_rows(totals)


def totals_by_currency(projects, rows):
    """Stated amounts of `projects` summed per currency, never converted, with the wordings of
    `rows` (the same projects, fetched for the page): 1 grouped query."""
    stated = defaultdict(list)
    for project in rows:
        if project.amount is not None:
            stated[project.currency].append(project.amount_as_stated)
    return {
        row["currency"]: {
            "amount": row["amount"],
            "count": row["count"],
            "stated": stated[row["currency"]],
        }
        for row in sorted(projects.totals(), key=lambda row: row["currency"] or "")
        if row["currency"]
    }


def projects_of(**where):
    """A record's funded projects for its page, and their totals per currency."""
    projects = FundedProject.objects.for_list().filter(**where)
    rows = list(projects)
    return rows, totals_by_currency(projects, rows)
