"""What each kind of page says about itself to search engines (`<meta name="description">`),
written from the page's own facts: a record page by its kind's function here, which its registry
entry names (`Kind.page_description`), a list by `for_list`.

Only values the sources state go in as facts. A value the catalogue interpreted (a partner's
name given by the catalogue, a sector code, a summary) is either left out or said to be the
catalogue's, so a search result never presents a reading as the source's words.
"""

from django.utils.text import Truncator

from ..evidence import is_catalogues_wording

LIMIT = 160
NAME_LIMIT = 70
WORDING = "(the catalogue’s wording)"


def _fit(text):
    return Truncator(" ".join(text.split())).chars(LIMIT)


def _stated(record, field):
    """The value of `field` if the sources state it, else None."""
    evidence = record.evidence_for(field)
    value = getattr(record, field, None)
    return value if evidence is not None and evidence.is_stated and value else None


def _named(record, field):
    """The record's name, said to be the catalogue's where the sources do not state it."""
    value = str(getattr(record, field))
    if _stated(record, field):
        return value
    # Shortened here if need be, so that the qualification is never what is cut off.
    return f"{Truncator(value).chars(NAME_LIMIT)} {WORDING}"


def _count(n, word, plural=None):
    return f"{n} {word if n == 1 else plural or word + 's'}"


CITED = "Each fact is cited to its source passage."


def city(record, context):
    return (
        f"{_named(record, 'name')} in the city cooperation catalogue: "
        f"{_count(len(context['programmes']), 'cooperation programme')}, "
        f"{_count(context['projects_count'], 'funded project')} and "
        f"{_count(len(context['milestones']), 'milestone')}. {CITED}"
    )


def partner(record, context):
    return (
        f"{_named(record, 'name')}: {_count(len(context['participations']), 'programme role')}"
        f" in city-to-city environmental cooperation. {CITED}"
    )


def person(record, context):
    role = _stated(record, "role")
    return f"{_named(record, 'name')}{f', {role}' if role else ''}. {CITED}"


def programme(record, context):
    began = _stated(record, "date_as_stated")
    return (
        f"{_named(record, 'name')}{f', from {began}' if began else ''}: "
        f"{_count(len(record.participations.all()), 'participant')} and "
        f"{_count(context['projects_count'], 'funded project')}. {CITED}"
    )


def award(record, context):
    recipient = record.recipient.name if _stated(record, "recipient") else ""
    year = _stated(record, "year_as_stated")
    return (
        f"{_named(record, 'name')}{f', awarded to {recipient}' if recipient else ''}"
        f"{f' ({year})' if year else ''}. {CITED}"
    )


def project(record, context):
    parts = [f"Funded project: {_named(record, 'title')}"]
    if _stated(record, "city"):
        parts.append(f"in {record.city.name}")
    amount = _stated(record, "amount_as_stated")
    status = _stated(record, "status_as_stated")
    text = " ".join(parts)
    if amount:
        text += f"; {amount} as stated"
    if status:
        text += f"; “{status}”"
    return f"{text}. {CITED}"


def milestone(record, context):
    when = _stated(record, "date_as_stated")
    return f"{_named(record, 'title')}{f' — “{when}”' if when else ''}. {CITED}"


def statement(record, context):
    about = record.city.name if record.city_id and _stated(record, "city") else ""
    return (
        f"What a source asserts{f' about {about}' if about else ''}, in the catalogue’s summary: "
        f"{record.summary}"
    )


def source(record, context):
    author = _stated(record, "author")
    role = _stated(record, "author_role")
    when = _stated(record, "date_as_stated")
    by = f" by {author}{f', {role}' if role else ''}" if author else ""
    return (
        f"{_named(record, 'title')}{by}{f', {when}' if when else ''}: the full text with its "
        f"{_count(len(context['passages']), 'cited passage')} marked."
    )


def title(kind, record):
    """The record's name as its page's <title>, og:title and breadcrumb give it: said to be the
    catalogue's wording where the sources do not state it, as in its meta description."""
    name = str(record)
    return f"{name} {WORDING}" if is_catalogues_wording(record, kind.title_field) else name


def for_record(kind, record, context):
    """A record page: what its kind's entry says of it (`Kind.page_description`, one of the
    functions above), from the record and what its page shows."""
    return _fit(kind.page_description(record, context))


def for_list(kind, count, description):
    """A list page: what it lists, as filtered, and how many."""
    filtered = f" {description}" if description else ""
    text = f"{kind.plural}{filtered} in the city cooperation catalogue: {_count(count, 'record')}"
    return _fit(f"{text}{kind.list_note}. {CITED} As a page, JSON or CSV.")


def for_home(counts):
    return _fit(
        "Who cooperated with whom in city-to-city environmental cooperation: "
        f"{_count(counts.get('cities', 0), 'city', 'cities')}, "
        f"{_count(counts.get('programmes', 0), 'programme')}, "
        f"{_count(counts.get('funded_projects', 0), 'funded project')}, each fact cited to "
        "its source passage."
    )
