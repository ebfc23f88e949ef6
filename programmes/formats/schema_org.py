"""schema.org descriptions of the catalogue's records, embedded in their pages as JSON-LD.

Each record is described as the thing it is (a city is a Place, a funded project a MonetaryGrant,
a milestone an Event, …); the passages that state it are `subjectOf` Quotations, each part of its
source document. Each kind's entry in `programmes.kinds` names its schema.org type and the
`Describer` method that describes it. Dates keep the precision the source gives ("1993",
"2016-06", "2003-10-17").
"""

import json

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..models import DatePrecision, Source

SCHEMA_CONTEXT = "https://schema.org"
# What json_script escapes: a JSON string can then never close the <script> element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld_script(data):
    """`data` as a <script type="application/ld+json"> block, safe inside HTML."""
    text = json.dumps(data, ensure_ascii=False, indent=1).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


def iso_date(date, precision):
    """A date cut to the precision it is known to: day, month or year (a decade is its year)."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.DAY:
        return date.isoformat()
    if precision == DatePrecision.MONTH:
        return date.strftime("%Y-%m")
    return str(date.year)


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
            "datePublished": iso_date(source.date, source.date_precision),
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

    # --- one method per kind ------------------------------------------------------------------

    def city(self, city, schema_type):
        data = self.base(city, schema_type, city.name)
        data["alternateName"] = city.native_name
        data["address"] = {
            "@type": "PostalAddress",
            "addressRegion": city.region,
            "addressCountry": city.country,
        }
        if city.latitude is not None:
            data["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(city.latitude),
                "longitude": float(city.longitude),
            }
        return data

    def partner(self, partner, schema_type):
        data = self.base(partner, schema_type, partner.name, partner.get_kind_display())
        data["alternateName"] = partner.acronym
        data["location"] = self.place(partner.city)
        data["address"] = (
            {"@type": "PostalAddress", "addressCountry": partner.country}
            if partner.country
            else None
        )
        return data

    def person(self, person, schema_type):
        data = self.base(person, schema_type, person.name)
        data["jobTitle"] = person.role
        data["worksFor"] = self.organisation(person.organisation)
        return data

    def programme(self, programme, schema_type):
        data = self.base(programme, schema_type, programme.name, programme.summary)
        data["foundingDate"] = iso_date(programme.date, programme.date_precision)
        data["dissolutionDate"] = iso_date(programme.end_date, programme.end_date_precision)
        return data

    def award(self, award, schema_type):
        # schema.org has no class for an award (only the `award` text property), so the record
        # is a Thing naming its recipient and conferring body.
        parts = [f"conferred on {award.recipient.name}"]
        if award.conferred_by:
            parts.append(f"by {award.conferred_by.name}")
        if award.year_as_stated or award.year:
            parts.append(f"({award.year_as_stated or award.year})")
        return self.base(award, schema_type, award.name, f"{award.name}, {' '.join(parts)}")

    def statement(self, statement, schema_type):
        # A Claim: what the source asserts, about the city or programme it names.
        data = self.base(statement, schema_type, str(statement), statement.summary)
        subject = statement.programme or statement.city
        data["about"] = {
            "@type": "Thing",
            "name": str(subject),
            "url": self.absolute(subject.get_absolute_url()),
        }
        return data

    def project(self, project, schema_type):
        data = self.base(
            project,
            schema_type,
            project.title,
            f"{project.get_instrument_display()}, sector {project.sector}",
        )
        if project.amount is not None:
            data["amount"] = {
                "@type": "MonetaryAmount",
                "value": str(project.amount),
                "currency": project.currency,
                "description": project.amount_as_stated,
            }
        data["funder"] = [self.organisation(p) for p in project.funders.all()]
        data["fundedItem"] = {
            "@type": "Project",
            "@id": self.url(project.programme),
            "name": project.programme.name,
            "url": self.url(project.programme),
        }
        data["areaServed"] = self.place(project.city)
        return data

    def milestone(self, milestone, schema_type):
        data = self.base(milestone, schema_type, milestone.title, milestone.description)
        data["startDate"] = iso_date(milestone.date, milestone.date_precision)
        data["eventStatus"] = "https://schema.org/EventScheduled" if milestone.is_target else None
        data["location"] = [self.place(c) for c in milestone.cities.all()]
        data["organizer"] = [self.organisation(p) for p in milestone.partners.all()]
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
