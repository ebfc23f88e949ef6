"""What the pages' pictures show, fetched by the views in a fixed number of queries and handed to
`pictures.drawings`; the templates only place the drawn SVG and its table
(`_network.html`, `_timeline.html`, `_funding_chart.html`, `_map.html`)."""

from collections import defaultdict

from ..models import FundedProject, Participation
from ..pictures import drawings, funding, maps


def city_network(city):
    """The city's partner cities and organisations, and its programmes, each with every
    participant (its `participations`) and the key that labels its lines in the picture
    (`network_key`), for the one table of who works with the city: 1 query."""
    participations = list(Participation.objects.network_of_city(city))
    picture = drawings.city_network(city, participations)
    keys = {item["programme"].pk: item["key"] for item in picture.extra["legend"]}
    programmes = {}
    for part in participations:
        programme = programmes.setdefault(part.programme_id, part.programme)
        programme.__dict__.setdefault("parts", []).append(part)
    for programme in programmes.values():
        programme.network_key = keys.get(programme.pk, "")
        programme._rows_participations = programme.__dict__.pop("parts")
    ordered = sorted(programmes.values(), key=lambda p: (p.name, p.pk))  # as the model orders
    return picture, ordered


def programme_network(programme):
    """The programme's participating cities and organisations: 1 query."""
    return drawings.programme_network(
        programme, Participation.objects.network_of_programme(programme)
    )


def city_map():
    """Every city, which programmes each takes part in, and the programmes drawn: 3 queries."""
    return maps.city_map()


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


def first_projects(**where):
    """The first RELATED_LIMIT funded projects matching `where` and how many there are: 2
    queries at any size."""
    projects = FundedProject.objects.for_list().filter(**where)
    return list(projects[:RELATED_LIMIT]), projects.count()
