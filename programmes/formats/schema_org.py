"""schema.org descriptions of the catalogue's records, embedded in their pages as JSON-LD.

Each record is described as the thing it is (a city is a Place, a grant a MonetaryGrant, a loan a
LoanOrCredit, a milestone an Event, …); the passages that state it are `subjectOf` Quotations,
each part of its source document. Each kind's entry in `programmes.kinds` names its schema.org type
and the `Describer` method that describes it. Dates keep the precision the source gives ("1993",
"2016-06", "2003-10-17").

Machines read JSON-LD without the pages' labels, so a value that is the catalogue's reading
(status "interpreted" in the record's `evidence`) never stands in it as a plain fact: it is left
out (an inferred date, an interpreted funder or lender), or it stands in a node of its own whose
`description` begins "The catalogue's interpretation" and gives the note (coordinates, a region, a
participant city), or the text carrying it says so ("(the catalogue's classification)"). A name or
summary that is the catalogue's wording is kept, and the record's description says whose it is.
A participant stands as `funder`, `attendee` or `location` only where its role is that and the
source states it; any other participant of a milestone is `about` it, in a Role naming the role.
"""

import json

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import dates, values
from ..models import FundedProject, Role, Source

SCHEMA_CONTEXT = "https://schema.org"
# The schema.org property a participant in a role stands under, with the type its value must be:
# only where the role is what the property means, and only when the source states the role.
ROLE_PROPERTIES = {
    Role.FUNDER: ("funder", "Organization"),
    Role.ATTENDEE: ("attendee", "Organization"),
    Role.VENUE: ("location", "Place"),
}
QUALIFIED = "The catalogue's interpretation"
# What json_script escapes: a JSON string can then never close the <script> element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld_script(data):
    """`data` as a <script type="application/ld+json"> block, safe inside HTML."""
    text = json.dumps(data, ensure_ascii=False, indent=1).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


def _clean(data):
    """Drop empty values, so the description states only what the catalogue knows."""
    if isinstance(data, dict):
        return {k: _clean(v) for k, v in data.items() if v not in (None, "", [], {})}
    if isinstance(data, list):
        return [_clean(v) for v in data]
    return data


class Describer:
    def __init__(self, absolute):
        self.url = lambda obj: absolute(obj.get_absolute_url())
        self.absolute = absolute

    # --- evidence: what may stand as a plain fact ---------------------------------------------

    @staticmethod
    def reading(record, field):
        """The catalogue's note when `field` of `record` is its interpretation, else ""."""
        entry = (getattr(record, "evidence", None) or {}).get(field) or {}
        return entry.get("note", "") if entry.get("status") == "interpreted" else ""

    def labelled(self, record, field, label):
        """`field`'s text, begun "The catalogue's <label>:" where it is the catalogue's own."""
        text = getattr(record, field)
        if text and self.reading(record, field):
            return f"The catalogue's {label}: {text}"
        return text

    def stated(self, record, field, value):
        """`value` if `field` is stated by the source (or carries no evidence), else None."""
        return None if self.reading(record, field) else value

    def qualified(self, record, field, node):
        """`node` (a dict) as it stands: with the catalogue's note as its description when
        `field` is an interpretation."""
        note = self.reading(record, field)
        if node is None or not note:
            return node
        return {**node, "description": f"{QUALIFIED}: {note}"}

    def whose(self, record, description, fields):
        """`description`, followed by a sentence naming which of `fields` (field: label) are the
        catalogue's wording rather than the source's."""
        own = [label for field, label in fields if self.reading(record, field)]
        if not own:
            return description
        said = f"The {' and the '.join(own)} {'is' if len(own) == 1 else 'are'} the catalogue's."
        if description:
            return f"{description} {said}"
        # Nothing else to say: the qualification, then the source's words that state it.
        words = values.quotation(record, fields[0][0])
        return f"{said} The source: “{words.quote}”" if words else said

    # --- shared parts -------------------------------------------------------------------------

    def source(self, source, schema_type="CreativeWork"):
        types = {Source.Kind.NEWS_ARTICLE: "NewsArticle", Source.Kind.REPORT: "Report"}
        return {
            "@type": types.get(source.kind, schema_type),
            "@id": self.url(source),
            "name": source.title,
            "url": self.url(source),
            "author": {
                "@type": "Person",
                "name": source.author,
                "jobTitle": source.author_role,
                "affiliation": {"@type": "Organization", "name": source.author_organisation}
                if source.author_organisation
                else None,
            }
            if source.author
            else None,
            "datePublished": self.stated(source, "date", dates.of(source).schema_org),
            "inLanguage": source.language,
        }

    def quotations(self, record):
        return [
            {
                "@type": "Quotation",
                "text": p.quote,
                "url": self.absolute(p.get_absolute_url()),
                "isPartOf": self.source(p.source),
            }
            for p in record.passages.all()
        ]

    def place(self, city):
        if city is None:
            return None
        return {"@type": "Place", "@id": self.url(city), "name": city.name, "url": self.url(city)}

    def programme_node(self, programme):
        """A programme as a node of another record's description."""
        return {
            "@type": "Project",
            "@id": self.url(programme),
            "name": programme.name,
            "url": self.url(programme),
        }

    def organisation(self, partner):
        if partner is None:
            return None
        return {
            "@type": "Organization",
            "@id": self.url(partner),
            "name": partner.name,
            "url": self.url(partner),
        }

    def base(self, record, schema_type, name, description=""):
        return {
            "@context": SCHEMA_CONTEXT,
            "@type": schema_type,
            "@id": self.url(record),
            "url": self.url(record),
            "name": name,
            "description": description,
            "subjectOf": self.quotations(record),
        }

    def participants(self, record, about=False):
        """The record's participants under the schema.org properties their roles are
        (ROLE_PROPERTIES); where the role is another, or the catalogue's reading, and `about`,
        each as a Role node of `about` naming the role (an Event's proposer, recipient or
        host). A participant the catalogue identifies stands with its note."""
        data = {}
        for part in record.participations.all():
            if part.city_id:
                node = self.qualified(part, "city", self.place(part.city))
            else:
                node = self.qualified(part, "partner", self.organisation(part.partner))
            prop, wanted = ROLE_PROPERTIES.get(part.role, (None, None))
            if prop and node["@type"] == wanted and not self.reading(part, "role"):
                data.setdefault(prop, []).append(node)
            elif about:
                role = {"@type": "Role", "roleName": part.get_role_display(), "about": node}
                data.setdefault("about", []).append(self.qualified(part, "role", role))
        return data

    # --- one method per kind ------------------------------------------------------------------

    def city(self, city, schema_type):
        data = self.base(city, schema_type, city.name)
        data["alternateName"] = self.stated(city, "native_name", city.native_name)
        region = self.stated(city, "region", city.region)
        country = self.stated(city, "country", city.country)
        if region or country:  # no empty node where the sources state neither
            data["address"] = {
                "@type": "PostalAddress",
                "addressRegion": region,
                "addressCountry": country,
            }
        if (city.region and not region) or (city.country and not country):
            # The reference data the catalogue adds, each part with its note.
            data["containedInPlace"] = [
                self.qualified(city, field, {"@type": "Place", "name": value})
                for field, value in (("region", city.region), ("country", city.country))
                if value and self.reading(city, field)
            ]
        if city.latitude is not None:
            data["geo"] = self.qualified(
                city,
                "latitude",
                {
                    "@type": "GeoCoordinates",
                    "latitude": float(city.latitude),
                    "longitude": float(city.longitude),
                },
            )
        return data

    def partner(self, partner, schema_type):
        kind = partner.get_kind_display()
        if self.reading(partner, "kind"):
            kind += " (the catalogue's classification)"
        data = self.base(
            partner, schema_type, partner.name, self.whose(partner, kind, [("name", "name")])
        )
        data["alternateName"] = self.stated(partner, "acronym", partner.acronym)
        data["location"] = self.qualified(partner, "city", self.place(partner.city))
        data["address"] = (
            self.qualified(
                partner, "country", {"@type": "PostalAddress", "addressCountry": partner.country}
            )
            if partner.country
            else None
        )
        return data

    def person(self, person, schema_type):
        data = self.base(
            person, schema_type, person.name, self.whose(person, "", [("name", "name")])
        )
        data["jobTitle"] = self.stated(person, "role", person.role)
        data["worksFor"] = self.qualified(
            person, "organisation", self.organisation(person.organisation)
        )
        return data

    def programme(self, programme, schema_type):
        summary = self.labelled(programme, "summary", "summary")
        data = self.base(
            programme,
            schema_type,
            programme.name,
            self.whose(programme, summary, [("name", "name")]),
        )
        # An inferred start or end is not a date the source gives: left out.
        data["foundingDate"] = self.stated(programme, "date", dates.of(programme).schema_org)
        data["dissolutionDate"] = self.stated(
            programme, "end_date", dates.of(programme, "end_date").schema_org
        )
        # A Project (an Organization) has no `about`: only its stated funders and venues.
        data.update(self.participants(programme))
        return data

    def award(self, award, schema_type):
        # schema.org has no class for an award (only the `award` text property), so the record
        # is a Thing naming its recipient and conferring body.
        parts = [f"conferred on {award.recipient.name}"]
        if award.conferred_by:
            by = f"by {award.conferred_by.name}"
            if self.reading(award, "conferred_by"):
                by += " (the catalogue's reading)"
            parts.append(by)
        if award.year_as_stated or award.year:
            parts.append(f"({award.year_as_stated or award.year})")
        description = self.whose(award, f"{award.name}, {' '.join(parts)}", [("name", "name")])
        return self.base(award, schema_type, award.name, description)

    def statement(self, statement, schema_type):
        # A Claim: what the source asserts, about the city or programme it names.
        summary = self.labelled(statement, "summary", "summary")
        data = self.base(statement, schema_type, str(statement), summary)
        field = "programme" if statement.programme else "city"
        subject = statement.programme or statement.city
        # The subject by its own @id and type, so the graph joins it to the subject's page.
        node = self.place(subject) if field == "city" else self.programme_node(statement.programme)
        data["about"] = self.qualified(statement, field, node)
        return data

    def project(self, project, schema_type):
        # The type says what the money is, only where the source says so: a loan is no grant,
        # and equipment or technical cooperation is no monetary grant.
        instrument = self.stated(project, "instrument", project.instrument)
        schema_type = {
            FundedProject.Instrument.GRANT: "MonetaryGrant",
            FundedProject.Instrument.LOAN: "LoanOrCredit",
        }.get(instrument, "Thing")
        what = project.get_instrument_display()
        if not instrument:
            what += " (the catalogue's reading)"
        sector = f"sector {project.sector}"
        if self.reading(project, "sector"):
            sector += " (the catalogue's classification)"
        summary = f"{what.capitalize()}; {sector}"
        if project.amount_as_stated and schema_type == "Thing":
            summary += f"; worth “{project.amount_as_stated}” as stated"
        description = self.whose(project, summary, [("title", "title")])
        data = self.base(project, schema_type, project.title, description)
        if project.amount is not None and schema_type != "Thing":
            amount = {
                "@type": "MonetaryAmount",
                "value": str(project.amount),
                "currency": project.currency,
                "description": project.amount_as_stated,
            }
            if self.reading(project, "currency") or self.reading(project, "amount"):
                notes = [self.reading(project, f) for f in ("amount", "currency")]
                amount["description"] = f"{QUALIFIED} of “{project.amount_as_stated}”: " + " ".join(
                    n for n in notes if n
                )
            data["amount"] = amount
        funders = [self.organisation(p) for p in project.funders.all()]
        if self.reading(project, "funders"):
            funders = []  # the lender or funder is the catalogue's reading: not asserted here
        if schema_type == "MonetaryGrant":
            data["funder"] = funders
            data["fundedItem"] = self.qualified(
                project, "programme", self.programme_node(project.programme)
            )
        elif schema_type == "LoanOrCredit":
            data["provider"] = funders
        if schema_type != "Thing":
            data["areaServed"] = self.qualified(project, "city", self.place(project.city))
        return data

    def milestone(self, milestone, schema_type):
        description = self.labelled(milestone, "description", "note")
        data = self.base(
            milestone,
            schema_type,
            milestone.title,
            self.whose(milestone, description, [("title", "title")]),
        )
        # An inferred date, or an undated event's upper bound, is no schema.org date.
        data["startDate"] = self.stated(milestone, "date", dates.of(milestone).schema_org)
        data["eventStatus"] = "https://schema.org/EventScheduled" if milestone.is_target else None
        data.update(self.participants(milestone, about=True))
        return data

    def source_document(self, source, schema_type):
        data = {"@context": SCHEMA_CONTEXT, **self.source(source, schema_type)}
        data["locationCreated"] = {"@type": "Place", "name": source.place} if source.place else None
        data["about"] = source.event
        return data


def describe(record, kind, absolute):
    """The schema.org description of `record`, of `kind` (its registry entry); `absolute` turns a
    path into a URL."""
    return _clean(kind.describe(Describer(absolute), record, kind.schema_type))
