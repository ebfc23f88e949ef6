"""The catalogue's records and the source passages that every one of them cites.

Fixtures bypass save() and full_clean(), so each invariant is also a named database constraint;
`load_catalogue` then runs full_clean() on every object as a second line.
"""

import functools
import hashlib
import re
import textwrap
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.urls import get_script_prefix, reverse

from . import evidence as ev
from . import reference
from .querysets import (
    PASSAGE_LENGTH,
    SHORTEST_FIELDS,
    AwardQuerySet,
    CatalogueVersionQuerySet,
    CityQuerySet,
    FundedProjectQuerySet,
    ListSummaryQuerySet,
    MilestoneQuerySet,
    ParticipationQuerySet,
    PartnerQuerySet,
    PassageQuerySet,
    PersonQuerySet,
    Prefetched,
    ProgrammeQuerySet,
    ReleaseQuerySet,
    SourceQuerySet,
    StatementQuerySet,
)

CONTEXT_CHARS = 32


class DatePrecision(models.TextChoices):
    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"
    DECADE = "decade", "decade"
    UNKNOWN = "unknown", "not stated"


class DatedMixin(models.Model):
    """A date as the source states it, plus the calendar span the catalogue reads it as.

    `date` is the first day of the span (day, month, year or decade); `date_as_stated` keeps the
    source's words ("At the end of 1993"). An undated event has precision "unknown" and no date.
    """

    date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    date_as_stated = models.CharField(max_length=200, blank=True)
    # What an undated text supports when only a bound is known ("written before the end of
    # 2017"): the latest day the event can be. Always the catalogue's reading, with its note.
    date_not_after = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def year(self):
        return self.date.year if self.date else None

    @property
    def date_display(self):
        if self.date is None:
            if self.date_not_after:
                return f"undated, no later than {self.date_not_after.strftime('%-d %B %Y')}"
            return "undated"
        d = self.date
        return {
            DatePrecision.DAY: d.strftime("%-d %B %Y"),
            DatePrecision.MONTH: d.strftime("%B %Y"),
            DatePrecision.YEAR: str(d.year),
            DatePrecision.DECADE: f"{d.year}s",
        }.get(self.date_precision, str(d))

    @property
    def date_end(self):
        """The last day of the span `date` stands for."""
        import calendar
        import datetime

        d = self.date
        if d is None:
            return None
        if self.date_precision == DatePrecision.MONTH:
            return d.replace(day=calendar.monthrange(d.year, d.month)[1])
        if self.date_precision == DatePrecision.YEAR:
            return datetime.date(d.year, 12, 31)
        if self.date_precision == DatePrecision.DECADE:
            return datetime.date(d.year + 9, 12, 31)
        return d

    def clean_date(self):
        if (self.date is None) != (self.date_precision == DatePrecision.UNKNOWN):
            raise ValidationError(
                {"date_precision": "a date needs a precision; 'unknown' precision needs no date"}
            )

    @staticmethod
    def date_constraints(prefix):
        return [
            models.CheckConstraint(
                name=f"{prefix}_date_matches_precision",
                condition=(Q(date__isnull=True) & Q(date_precision="unknown"))
                | (Q(date__isnull=False) & ~Q(date_precision="unknown")),
                violation_error_message="a date needs a precision; 'unknown' needs no date",
            ),
            models.CheckConstraint(
                name=f"{prefix}_bound_only_when_undated",
                condition=Q(date_not_after__isnull=True) | Q(date__isnull=True),
                violation_error_message="a known date needs no upper bound",
            ),
        ]


class InterpretationsMixin(models.Model):
    """`interpretations` maps a field name to the catalogue's note on how it derived that value.

    Anything the sources do not say in so many words (a sector code, an inferred date, an ISO
    currency code, the split of one sentence into several records) is listed here, so pages say so.
    """

    interpretations = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    def clean_interpretations(self):
        if not isinstance(self.interpretations, dict):
            raise ValidationError({"interpretations": "must be an object of field: note"})
        names = {f.name for f in self._meta.get_fields()} | {"record"}
        for key, note in self.interpretations.items():
            if key not in names:
                raise ValidationError(
                    {"interpretations": f"names no field of this record: {key!r}"}
                )
            if not isinstance(note, str) or not note.strip():
                raise ValidationError({"interpretations": f"note for {key!r} must be text"})

    def interpretation(self, field):
        return self.interpretations.get(field, "")


@functools.cache
def choice_labels(field):
    """A field's choices, value -> label, read once per field."""
    return {value: str(label) for value, label in field.flatchoices}


class EvidenceMixin(models.Model):
    """`evidence` maps each factual field to its status, note and passages (see evidence.py)."""

    evidence = models.JSONField(default=dict, blank=True)

    # Where lists' prefetches put a record's passages and participants (`querysets._prefetch`).
    _rows_passages = Prefetched("passages")
    _rows_participations = Prefetched("participations")
    _rows_funders = Prefetched("funders")

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        """`get_<field>_display()`, from labels read once per field rather than rebuilt from its
        choices on every call (a list row asks for a role, a kind and a status)."""
        value = getattr(self, field.attname)
        return choice_labels(field).get(value, value)

    def clean_evidence(self):
        problems = ev.validate_entries(self.evidence)
        if problems:
            raise ValidationError({"evidence": problems})

    def evidence_for(self, field, passages=None):
        """The evidence for `field` (an `evidence.Evidence`), or None; its passages come from
        the record's prefetched `passages` unless `passages` is given."""
        return ev.resolve(self, field, passages)

    def evidence_list(self, passages=None):
        """Every field's evidence, in the record's field order."""
        if passages is None:
            passages = list(self._evidence_passages())
        return [ev.resolve(self, name, passages) for name in (self.evidence or {})]

    def _evidence_passages(self):
        return self.passages.all()


class NotesFromEvidenceMixin:
    """`interpretations` (field -> note) read from `evidence`, for kinds without that column."""

    @property
    def interpretations(self):
        return {
            name: entry["note"]
            for name, entry in (self.evidence or {}).items()
            if entry.get("status") == ev.INTERPRETED
        }

    def interpretation(self, field):
        return self.interpretations.get(field, "")


# --- record URLs --------------------------------------------------------------------------------

_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_PLACEHOLDER = "__slug__"


@functools.cache
def _detail_url_parts(key, script_prefix):
    """What stands before and after the slug in `/<prefix>/<slug>/`, reversed once per kind."""
    before, after = reverse(f"programmes:{key}-detail", args=[_PLACEHOLDER]).split(_PLACEHOLDER)
    return before, after


def detail_url(key, slug):
    """`reverse("programmes:<key>-detail", args=[slug])` without resolving the URL pattern on
    every call: a list page links fifty records, their passages and their participants."""
    if not _SLUG.fullmatch(slug):
        return reverse(f"programmes:{key}-detail", args=[slug])
    before, after = _detail_url_parts(key, get_script_prefix())
    return f"{before}{slug}{after}"


# --- sources and passages ---------------------------------------------------------------------


class Source(NotesFromEvidenceMixin, DatedMixin, EvidenceMixin, models.Model):
    class Kind(models.TextChoices):
        SPEECH = "speech", "speech"
        NEWS_ARTICLE = "news-article", "news article"
        REPORT = "report", "report"
        WEB_PAGE = "web-page", "web page"

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    filename = models.CharField(max_length=200, unique=True)
    author = models.CharField(max_length=200, blank=True, help_text="speaker or author")
    author_role = models.CharField(max_length=200, blank=True)
    author_organisation = models.CharField(max_length=200, blank=True)
    event = models.CharField(max_length=300, blank=True)
    place = models.CharField(max_length=200, blank=True)
    publisher = models.CharField(max_length=200, blank=True, help_text="who published it")
    # Where and when the catalogue took its copy of the text (a web page, a report online): the
    # catalogue's own record of its copy, as `filename` and `sha256` are, not the source's words.
    address = models.URLField(max_length=500, blank=True, help_text="the address it was read at")
    accessed = models.DateField(null=True, blank=True, help_text="the day it was read there")
    date_inferred = models.BooleanField(default=False)
    date_inference = models.TextField(blank=True, help_text="why the date was inferred")
    language = models.CharField(max_length=10, default="en")
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    coverage = models.JSONField(
        default=list,
        blank=True,
        help_text="per sentence: its span, the records citing it, full or partial, or why it "
        "carries no catalogued fact (see coverage.py)",
    )

    objects = SourceQuerySet.as_manager()

    class Meta:
        # Undated sources last on every database (SQLite would sort NULL first).
        ordering = [F("date").asc(nulls_last=True), "slug"]
        constraints = [
            *DatedMixin.date_constraints("source"),
            models.CheckConstraint(
                name="source_inferred_date_has_reason",
                condition=Q(date_inferred=False) | ~Q(date_inference=""),
                violation_error_message="an inferred date must say why",
            ),
            models.CheckConstraint(
                name="source_sha256_is_hex64", condition=Q(sha256__regex=r"^[0-9a-f]{64}$")
            ),
        ]
        indexes = [
            # /sources/ in its default order (date, slug) and ?sort=date.
            models.Index(fields=["date", "slug"], name="source_date_slug_idx"),
            # /sources/?kind=… in date order, and the kind facet's GROUP BY.
            models.Index(fields=["kind", "date"], name="source_kind_date_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return detail_url("source", self.slug)

    def get_text_url(self):
        """Its text as plain text, in which its passages' positions count."""
        return reverse("programmes:source-detail-text", args=[self.slug])

    def clean(self):
        self.clean_date()
        self.clean_evidence()
        actual = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        if actual != self.sha256:
            raise ValidationError({"sha256": f"text hashes to {actual}, not {self.sha256}"})
        if self.date_inferred and not self.date_inference.strip():
            raise ValidationError({"date_inference": "an inferred date must say why"})

    @property
    def shortest(self):
        """[its shortest cited passage] when the list annotated it (SourceQuerySet.for_list),
        else None (the row then reads its prefetched passages)."""
        fields = {name: getattr(self, f"shortest_{name}", None) for name in SHORTEST_FIELDS}
        if fields["id"] is None:
            return None
        return [Passage(source=self, **fields)]

    @property
    def coverage_summary(self):
        """Sentences, how many records cite (fully or partly), how many carry no catalogued fact."""
        rows = self.coverage or []
        return {
            "sentences": len(rows),
            "cited": sum(1 for r in rows if r["records"]),
            "cited_fully": sum(1 for r in rows if r["records"] and r["full"]),
            "cited_partly": sum(1 for r in rows if r["records"] and not r["full"]),
            "no_catalogued_fact": sum(1 for r in rows if not r["records"] and r["no_fact"]),
            "unaccounted": sum(1 for r in rows if not r["records"] and not r["no_fact"]),
        }

    @property
    def credited_author(self):
        """Who the source is by: its named author, else the organisation it is by (a body's
        report or web page), else nobody ("")."""
        return self.author or self.author_organisation

    # What `citation_label` reads (and `get_absolute_url`: the slug): a query for labels only
    # loads these.
    CITATION_FIELDS = (
        "slug",
        "author",
        "author_organisation",
        "publisher",
        "address",
        "accessed",
        "title",
        "date",
        "date_precision",
        "date_not_after",
        "date_inferred",
    )

    @property
    def citation_label(self):
        who = f"{self.credited_author}, " if self.credited_author else ""
        label = (
            f"{who}“{self.title}”, {self.date_display}{' (inferred)' if self.date_inferred else ''}"
        )
        if self.publisher and self.publisher != self.credited_author:
            label += f", {self.publisher}"
        if self.address:
            label += f", {self.address}"
            if self.accessed:
                label += f" (accessed {self.accessed:%Y-%m-%d})"
        return label


class Passage(models.Model):
    """A span of a source: a W3C Web Annotation TextPositionSelector plus TextQuoteSelector.

    `start`/`end` count Unicode code points, end exclusive; `source.text[start:end] == quote`.
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="passages")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    prefix = models.CharField(max_length=CONTEXT_CHARS, blank=True)
    suffix = models.CharField(max_length=CONTEXT_CHARS, blank=True)

    objects = PassageQuerySet.as_manager()

    class Meta:
        ordering = ["source", "start", "end"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "start", "end"], name="passage_unique_span_per_source"
            ),
            models.CheckConstraint(name="passage_end_after_start", condition=Q(end__gt=F("start"))),
            # The quote's length must be the span's length (code points on both databases).
            models.CheckConstraint(
                name="passage_quote_length_matches_span",
                condition=Q(end=F("start") + Length("quote")),
            ),
        ]
        indexes = [
            # Each source's shortest passage on /sources/ (querysets._shortest_passage): one probe
            # per row, in order of length, then start.
            models.Index("source", PASSAGE_LENGTH, "start", name="passage_source_length_idx"),
        ]

    def __str__(self):
        short = self.quote if len(self.quote) <= 60 else self.quote[:57] + "…"
        return f"“{short}” ({self.source.slug} {self.start}–{self.end})"

    @property
    def anchor(self):
        return f"passage-{self.start}-{self.end}"

    def get_absolute_url(self):
        return f"{self.source.get_absolute_url()}#{self.anchor}"

    def clean(self):
        text = self.source.text
        if text[self.start : self.end] != self.quote:
            raise ValidationError({"quote": "is not the source's text at start:end"})
        if self.prefix != text[max(0, self.start - CONTEXT_CHARS) : self.start]:
            raise ValidationError({"prefix": "is not the 32 characters before the quote"})
        if self.suffix != text[self.end : self.end + CONTEXT_CHARS]:
            raise ValidationError({"suffix": "is not the 32 characters after the quote"})


# --- reference data ---------------------------------------------------------------------------


class SectorCategory(models.Model):
    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "sector categories"
        constraints = [
            models.CheckConstraint(
                name="sectorcategory_code_is_3_digits", condition=Q(code__regex=r"^[0-9]{3}$")
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def slug(self):
        return self.code


class Sector(models.Model):
    """An OECD DAC CRS purpose code, the controlled vocabulary of funded projects' sectors."""

    code = models.CharField(max_length=5, primary_key=True)
    name = models.CharField(max_length=200)
    category = models.ForeignKey(SectorCategory, on_delete=models.PROTECT, related_name="sectors")
    status = models.CharField(max_length=10, default="active")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="sector_code_is_5_digits", condition=Q(code__regex=r"^[0-9]{5}$")
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def slug(self):
        return self.code

    def get_absolute_url(self):
        return reverse("programmes:project-list") + f"?sector={self.code}"


# --- catalogued records -----------------------------------------------------------------------


class CitedRecord(InterpretationsMixin, EvidenceMixin, models.Model):
    """What every catalogued record shares: a slug, its passages and its interpretations."""

    slug = models.SlugField(max_length=120, unique=True)
    # The words `/search/` and a list's `q` match (`Kind.search_text`): the record's searched
    # fields, the names of the records it names, its classifications in words. Derived: every
    # load writes it (`loading.search_text`); no dump, export or version reads it.
    search_text = models.TextField(default="", editable=False)

    class Meta:
        abstract = True

    url_name = ""

    def get_absolute_url(self):
        return detail_url(self.url_name, self.slug)

    def clean(self):
        self.clean_interpretations()
        self.clean_evidence()
        self.clean_codes()

    def clean_codes(self):
        """Country and currency codes are checked against ISO 3166 and ISO 4217 as pycountry
        ships them, not a hand-typed list: `XXZ` is no currency."""
        for f in self._meta.concrete_fields:
            value = getattr(self, f.attname)
            if not value or not isinstance(value, str):
                continue
            if f.name == "country" and not reference.is_country(value):
                raise ValidationError({f.name: f"{value!r} is no ISO 3166-1 alpha-2 country code"})
            if f.name.endswith("currency") and not reference.is_currency(value):
                raise ValidationError({f.name: f"{value!r} is no ISO 4217 currency code"})


class City(CitedRecord):
    name = models.CharField(max_length=120)
    native_name = models.CharField(max_length=120, blank=True, help_text="name in its own script")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    region = models.CharField(max_length=120, blank=True, help_text="province, prefecture, state")
    # Reference data for joining other datasets, filled by the loader from maintained packages
    # (programmes/reference.py): the GeoNames feature, and its ISO 3166-2 subdivision.
    geonames_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    subdivision = models.CharField(max_length=6, blank=True, help_text="ISO 3166-2 code")
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    passages = models.ManyToManyField(Passage, related_name="cities")

    objects = CityQuerySet.as_manager()
    url_name = "city"

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "cities"
        constraints = [
            models.CheckConstraint(
                name="city_country_is_iso_alpha2", condition=Q(country__regex=r"^[A-Z]{2}$")
            ),
            models.CheckConstraint(
                name="city_coordinates_in_range",
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (
                    Q(latitude__gte=-90, latitude__lte=90)
                    & Q(longitude__gte=-180, longitude__lte=180)
                ),
            ),
        ]
        indexes = [
            # /cities/ in its order (name, slug); ?sort=city of the funded projects.
            models.Index(fields=["name", "slug"], name="city_name_slug_idx"),
            # /cities/?country=… by name, and the country facet's GROUP BY.
            models.Index(fields=["country", "name"], name="city_country_name_idx"),
        ]

    # The language a city's native name is written in, by its country (BCP 47 tags).
    NATIVE_LANGUAGES = {"CN": "zh", "JP": "ja", "KR": "ko", "TW": "zh"}

    @property
    def native_language(self):
        """The `lang` of its native name: its country's script, or "" where the catalogue has
        none for that country."""
        return self.NATIVE_LANGUAGES.get(self.country, "")

    def __str__(self):
        return f"{self.name} ({self.native_name})" if self.native_name else self.name


class Partner(CitedRecord):
    class Kind(models.TextChoices):
        NATIONAL_GOVERNMENT = "national-government", "national government"
        REGIONAL_GOVERNMENT = "regional-government", "provincial/regional government"
        MUNICIPAL_GOVERNMENT = "municipal-government", "municipal government"
        GOVERNMENT_AGENCY = "government-agency", "government agency"
        INTERNATIONAL_ORGANISATION = "international-organisation", "international organisation"
        ASSOCIATION = "association", "association"
        PARTY_BODY = "party-body", "party body"
        WORKING_GROUP = "working-group", "working group"

    name = models.CharField(max_length=200)
    acronym = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    city = models.ForeignKey(
        City, null=True, blank=True, on_delete=models.PROTECT, related_name="partners"
    )
    passages = models.ManyToManyField(Passage, related_name="partners")

    objects = PartnerQuerySet.as_manager()
    url_name = "partner"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="partner_country_is_iso_alpha2_or_blank",
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{2}$"),
            ),
        ]
        indexes = [
            # /partners/ and /people/?organisation=… name order; ?sort=name.
            models.Index(fields=["name"], name="partner_name_idx"),
            # /partners/?kind=… by name, and the kind facet's GROUP BY.
            models.Index(fields=["kind", "name"], name="partner_kind_name_idx"),
            # /partners/?country=… by name, and the country facet's GROUP BY.
            models.Index(fields=["country", "name"], name="partner_country_name_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class Person(CitedRecord):
    """A named person in a source, with the role the source gives them."""

    name = models.CharField(max_length=120)
    role = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    passages = models.ManyToManyField(Passage, related_name="people")

    objects = PersonQuerySet.as_manager()
    url_name = "person"

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        indexes = [
            # /people/ in name order.
            models.Index(fields=["name"], name="person_name_idx"),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    """What a city or organisation does in a programme or at a milestone, in words a reader can
    read without a key."""

    PROPOSER = "proposer", "proposer"
    FUNDER = "funder", "funder"
    IMPLEMENTER = "implementer", "implementer"
    HOST = "host", "host"
    BENEFICIARY = "beneficiary", "beneficiary"
    RECOMMENDER = "recommender", "recommender"
    PARTNER = "partner", "partner"
    ISSUER = "issuer", "issuer"
    APPROVER = "approver", "approver"
    SUPPORTER = "supporter", "supporter"
    PARTICIPANT = "participant", "participant"
    VENUE = "venue", "venue"
    MODEL = "model", "model to learn from"
    # At a milestone: who received, selected, inspected, conferred, founded, visited, attended,
    # or what it is about.
    RECIPIENT = "recipient", "recipient"
    SELECTOR = "selector", "selecting body"
    SELECTED = "selected", "selected"
    INSPECTOR = "inspector", "inspector"
    CONFERRER = "conferrer", "conferring body"
    FOUNDER = "founder", "founder"
    VISITOR = "visitor", "visitor"
    ATTENDEE = "attendee", "attendee"
    SUBJECT = "subject", "subject"


def _amount_constraint(name, amount, currency, as_stated):
    """An amount is positive, with its ISO 4217 currency and its wording as stated, or absent."""
    return models.CheckConstraint(
        name=name,
        condition=(Q(**{f"{amount}__isnull": True}) & Q(**{currency: ""}) & Q(**{as_stated: ""}))
        | (
            Q(**{f"{amount}__gt": 0})
            & Q(**{f"{currency}__regex": r"^[A-Z]{3}$"})
            & ~Q(**{as_stated: ""})
        ),
    )


class Programme(DatedMixin, CitedRecord):
    """A cooperation programme or partnership; `date` is when it began, `end_*` when it ended."""

    class Kind(models.TextChoices):
        CITY_PARTNERSHIP = "city-partnership", "city-to-city partnership"
        MODEL_ZONE = "model-zone", "environmental model zone"
        LOAN_PROGRAMME = "loan-programme", "loan programme"
        NETWORK = "network", "city network"
        COOPERATION_PROGRAMME = "cooperation-programme", "cooperation programme"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "proposed"
        ONGOING = "ongoing", "ongoing"
        UNDER_CONSTRUCTION = "under-construction", "under construction"
        COMPLETED = "completed", "completed"
        UNKNOWN = "unknown", "not stated"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    summary = models.TextField()
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.UNKNOWN)
    status_as_of = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    end_date_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    end_date_as_stated = models.CharField(max_length=200, blank=True)
    total_investment = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    total_investment_currency = models.CharField(max_length=3, blank=True)
    total_investment_as_stated = models.CharField(max_length=100, blank=True)
    # Money allotted to the programme as a whole (Dalian's USD100 million of yen loans): its
    # projects carry no share of it, so totals count it once.
    funding_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    funding_currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217")
    funding_as_stated = models.CharField(max_length=100, blank=True)
    funding_instrument = models.CharField(
        max_length=30, blank=True, help_text="loan, grant… as FundedProject.Instrument"
    )
    # A part outlives the whole it belongs to (deleting the catalogue deletes both in one go).
    part_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="parts"
    )
    passages = models.ManyToManyField(Passage, related_name="programmes")

    objects = ProgrammeQuerySet.as_manager()
    url_name = "programme"

    class Meta:
        ordering = ["name"]
        constraints = [
            *DatedMixin.date_constraints("programme"),
            _amount_constraint(
                "programme_investment_has_currency_and_wording",
                "total_investment",
                "total_investment_currency",
                "total_investment_as_stated",
            ),
            _amount_constraint(
                "programme_funding_has_currency_and_wording",
                "funding_amount",
                "funding_currency",
                "funding_as_stated",
            ),
            models.CheckConstraint(
                name="programme_not_part_of_itself",
                condition=Q(part_of__isnull=True) | ~Q(part_of=F("pk")),
            ),
            models.CheckConstraint(
                name="programme_end_not_before_start",
                condition=Q(end_date__isnull=True)
                | Q(date__isnull=True)
                | Q(end_date__gte=F("date")),
            ),
        ]
        indexes = [
            # /programmes/ in name order; /projects/ in its default order (programme name, title)
            # and ?sort=programme, walking programmes by name (with project_programme_title_idx).
            models.Index(fields=["name"], name="programme_name_idx"),
            # /programmes/?kind=… and ?status=… by name, and those facets' GROUP BY.
            models.Index(fields=["kind", "name"], name="programme_kind_name_idx"),
            models.Index(fields=["status", "name"], name="programme_status_name_idx"),
            # /programmes/?sort=year and ?year_to=… (began in or before).
            models.Index(fields=["date"], name="programme_date_idx"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self.clean_date()


class Participant(NotesFromEvidenceMixin, EvidenceMixin, models.Model):
    """A city or partner organisation in one role, in a record (a programme or a milestone):
    each concrete subclass adds the foreign key to its record, `related_name="participations"`."""

    # Its note is the catalogue's own words by definition: a page marks its role, not its note
    # (kinds.tier; the tiers are programmes.fields').
    evidence_tiers = {"note": "wording"}

    city = models.ForeignKey(
        City, null=True, blank=True, on_delete=models.PROTECT, related_name="%(class)ss"
    )
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="%(class)ss"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                name="%(class)s_is_city_xor_partner",
                condition=(Q(city__isnull=False) & Q(partner__isnull=True))
                | (Q(city__isnull=True) & Q(partner__isnull=False)),
                violation_error_message="a participant is either a city or a partner",
            ),
        ]

    @classmethod
    def record_field(cls):
        """The foreign key to the record the participant takes part in."""
        (name,) = [
            f.name
            for f in cls._meta.concrete_fields
            if f.many_to_one and f.name not in ("city", "partner")
        ]
        return name

    @property
    def record(self):
        return getattr(self, self.record_field())

    def __str__(self):
        return f"{self.participant} — {self.get_role_display()} — {self.record}"

    @property
    def participant(self):
        return self.city or self.partner

    def clean(self):
        self.clean_evidence()

    def get_absolute_url(self):
        return self.record.get_absolute_url()


def _participant_once(record):
    """A participant takes each role in a record once."""
    return [
        models.UniqueConstraint(
            fields=[record, kind, "role"],
            condition=Q(**{f"{kind}__isnull": False}),
            name=f"%(class)s_{kind}_role_once",
        )
        for kind in ("city", "partner")
    ]


class Participation(Participant):
    """A city or partner organisation taking part in a programme, in one role."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="participations"
    )
    passages = models.ManyToManyField(Passage, related_name="participations")

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "role", "pk"]
        verbose_name_plural = "participations"
        constraints = [*Participant.Meta.constraints, *_participant_once("programme")]
        indexes = [
            # /programmes/?city=… (the programmes a city takes part in, without reading rows), the
            # city facet's GROUP BY and the city page's programmes.
            models.Index(fields=["city", "programme"], name="participation_city_prog_idx"),
            # /programmes/?partner=… and the partner facet's GROUP BY; the partner page.
            models.Index(fields=["partner", "programme"], name="participation_partner_prog_idx"),
        ]


class Award(CitedRecord):
    name = models.CharField(max_length=200)
    conferred_by = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="awards_conferred"
    )
    recipient = models.ForeignKey(City, on_delete=models.PROTECT, related_name="awards")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    year_as_stated = models.CharField(max_length=100, blank=True)
    recommended_by = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="awards_recommended"
    )
    passages = models.ManyToManyField(Passage, related_name="awards")

    objects = AwardQuerySet.as_manager()
    url_name = "award"

    class Meta:
        ordering = ["year", "name"]
        constraints = [
            models.CheckConstraint(
                name="award_year_plausible",
                condition=Q(year__isnull=True) | Q(year__gte=1900, year__lte=2100),
            ),
        ]
        indexes = [
            # /awards/ in its order (year, name), ?sort=year and ?year_from=/?year_to=….
            models.Index(fields=["year", "name"], name="award_year_name_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.year})" if self.year else self.name


class FundedProject(CitedRecord):
    class Instrument(models.TextChoices):
        LOAN = "loan", "loan"
        GRANT = "grant", "grant"
        EQUIPMENT = "equipment", "equipment"
        TECHNICAL_COOPERATION = "technical-cooperation", "technical cooperation"

    class Status(models.TextChoices):
        PLANNED = "planned", "planned"
        FUNDED = "funded", "funded"
        UNDER_CONSTRUCTION = "under-construction", "under construction"
        COMPLETED = "completed", "completed"
        DELIVERED = "delivered", "delivered"
        UNKNOWN = "unknown", "not stated"

    title = models.CharField(max_length=300)
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="funded_projects"
    )
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="funded_projects")
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="funded_projects")
    funders = models.ManyToManyField(Partner, blank=True, related_name="funded_projects")
    implementers = models.ManyToManyField(Partner, blank=True, related_name="implemented_projects")
    instrument = models.CharField(max_length=30, choices=Instrument.choices)
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217")
    amount_as_stated = models.CharField(max_length=100, blank=True)
    phase = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.UNKNOWN)
    status_as_stated = models.CharField(max_length=300, blank=True)
    status_date = models.DateField(null=True, blank=True, help_text="when the status was stated")
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)
    period_as_stated = models.CharField(max_length=200, blank=True)
    passages = models.ManyToManyField(Passage, related_name="funded_projects")

    objects = FundedProjectQuerySet.as_manager()
    url_name = "project"

    class Meta:
        # Ties broken by ids, so that the database walks the programmes by name and each one's
        # projects by title (project_programme_title_idx) and never sorts the table.
        ordering = ["programme__name", "programme__id", "title", "id"]
        constraints = [
            models.CheckConstraint(
                name="fundedproject_amount_has_currency_and_wording",
                condition=(Q(amount__isnull=True) & Q(currency="") & Q(amount_as_stated=""))
                | (Q(amount__gt=0) & Q(currency__regex=r"^[A-Z]{3}$") & ~Q(amount_as_stated="")),
                violation_error_message=(
                    "an amount needs its ISO 4217 currency and the amount as stated"
                ),
            ),
            models.CheckConstraint(
                name="fundedproject_period_in_order",
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(end_year__gte=F("start_year")),
            ),
        ]
        indexes = [
            # /projects/?sector=… (and ?sector_category=…, through the category's sectors) with
            # ?sort=title; ?sort=sector; the paginator's COUNT(*) and every facet's rows under a
            # sector filter (an index scan of that sector only); the sector facet's GROUP BY.
            models.Index(fields=["sector", "title"], name="project_sector_title_idx"),
            # /projects/?city=… by title; the city facet's GROUP BY; a city's page.
            models.Index(fields=["city", "title"], name="project_city_title_idx"),
            # /projects/?programme=… by title; the default order (programme name, title) walks
            # programme_name_idx and, per programme, this; the programme facet's GROUP BY.
            models.Index(fields=["programme", "title"], name="project_programme_title_idx"),
            # /projects/?instrument=… and ?status=… by title, and those facets' GROUP BY.
            models.Index(fields=["instrument", "title"], name="project_instrument_title_idx"),
            models.Index(fields=["status", "title"], name="project_status_title_idx"),
            # /projects/?instrument=… and ?status=… in the default order: the programmes walked
            # by name (programme_name_idx), each one's projects of that instrument or status by
            # title, so the first page reads its own rows instead of sorting every match.
            models.Index(
                fields=["programme", "instrument", "title"], name="project_prog_instr_title_idx"
            ),
            models.Index(
                fields=["programme", "status", "title"], name="project_prog_status_title_idx"
            ),
            # /projects/?sort=title, ?sort=amount and ?sort=year over the whole list.
            models.Index(fields=["title"], name="project_title_idx"),
            models.Index(fields=["amount"], name="project_amount_idx"),
            models.Index(fields=["start_year"], name="project_start_year_idx"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.amount is not None and self.amount <= Decimal(0):
            raise ValidationError({"amount": "must be positive"})
        if (self.amount is None) != (self.currency == "") or (self.amount is None) != (
            self.amount_as_stated == ""
        ):
            raise ValidationError(
                {"currency": "an amount needs its ISO 4217 currency and the amount as stated"}
            )


def _participating(model, field):
    """A milestone's cities or organisations: those of its participations (`field` "city" or
    "partner"), whatever their roles."""
    return models.ManyToManyField(
        model,
        blank=True,
        related_name="milestones",
        through="MilestoneParticipation",
        through_fields=("milestone", field),
    )


class Milestone(DatedMixin, CitedRecord):
    class Kind(models.TextChoices):
        PROPOSAL = "proposal", "proposal"
        STUDY = "study", "study"
        VISIT = "visit", "visit"
        SELECTION = "selection", "selection"
        AWARD = "award", "award"
        MEETING = "meeting", "meeting"
        TARGET = "target", "target"
        AGREEMENT = "agreement", "approval or agreement"
        PUBLICATION = "publication", "publication"
        INSPECTION = "inspection", "inspection or evaluation"
        ESTABLISHMENT = "establishment", "establishment"
        COMPLETION = "completion", "completion"
        FUNDING = "funding", "funding"
        START = "start", "start"

    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    date_inferred = models.BooleanField(default=False)
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="milestones"
    )
    # The cities and organisations of its participants (MilestoneParticipation: each in its
    # role, with its own evidence).
    cities = _participating(City, "city")
    partners = _participating(Partner, "partner")
    passages = models.ManyToManyField(Passage, related_name="milestones")

    objects = MilestoneQuerySet.as_manager()
    url_name = "milestone"

    class Meta:
        ordering = [F("date").asc(nulls_last=True), "title"]
        constraints = [
            *DatedMixin.date_constraints("milestone"),
        ]
        indexes = [
            # The timeline sorts by date and filters by kind and year range.
            models.Index(fields=["date", "title"], name="milestone_date_title_idx"),
            models.Index(fields=["kind", "date"], name="milestone_kind_date_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_target(self):
        return self.kind == self.Kind.TARGET

    def clean(self):
        super().clean()
        self.clean_date()
        if self.date_inferred and not (
            self.interpretation("date") or self.interpretation("date_not_after")
        ):
            raise ValidationError({"interpretations": "an inferred date must say why under 'date'"})


class MilestoneParticipation(Participant):
    """A city or partner organisation at a milestone, in one role (the proposer, the recipient,
    the venue…)."""

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="participations"
    )
    passages = models.ManyToManyField(Passage, related_name="milestone_participations")

    class Meta:
        ordering = ["milestone", "pk"]
        verbose_name_plural = "milestone participations"
        constraints = [*Participant.Meta.constraints, *_participant_once("milestone")]


def shortened(text, width=100):
    """A long text in one line, whole if short, else cut at a space with " …" (never inside a
    word, "eco-cycle" included): a heading, a breadcrumb, a search hit's title."""
    wrapper = textwrap.TextWrapper(
        width=width, max_lines=1, placeholder=" …", break_on_hyphens=False
    )
    return wrapper.fill(" ".join(text.split()))


class Statement(DatedMixin, CitedRecord):
    """What a source asserts about a city or programme that is not itself a programme, project,
    award or milestone: an outcome, a standard, a practice, a lesson, an aim."""

    class Topic(models.TextChoices):
        OUTCOME = "outcome", "outcome"
        STANDARD = "standard", "standard"
        PRACTICE = "practice", "practice"
        LESSON = "lesson", "lesson"
        AIM = "aim", "aim"
        ASSESSMENT = "assessment", "assessment"
        CONTEXT = "context", "context"

    summary = models.TextField(help_text="the catalogue's wording of what the source asserts")
    topic = models.CharField(max_length=20, choices=Topic.choices)
    city = models.ForeignKey(
        City, null=True, blank=True, on_delete=models.PROTECT, related_name="statements"
    )
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="statements"
    )
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="statements"
    )
    passages = models.ManyToManyField(Passage, related_name="statements")

    objects = StatementQuerySet.as_manager()
    url_name = "statement"

    class Meta:
        ordering = ["city__name", "topic", "slug"]
        constraints = [
            *DatedMixin.date_constraints("statement"),
            models.CheckConstraint(
                name="statement_is_about_a_city_or_programme",
                condition=Q(city__isnull=False) | Q(programme__isnull=False),
                violation_error_message="a statement is about a city or a programme",
            ),
        ]
        indexes = [
            # The statement list filtered by city and topic.
            models.Index(fields=["city", "topic"], name="statement_city_topic_idx"),
            models.Index(fields=["topic", "slug"], name="statement_topic_slug_idx"),
        ]

    def __str__(self):
        """Its summary, shortened at a word (a heading, a breadcrumb, a list of names)."""
        return shortened(self.summary)

    def clean(self):
        super().clean()
        self.clean_date()
        # While the loader checks fixtures, references are still slugs (`_fk_slugs`).
        refs = getattr(self, "_fk_slugs", {})
        if not (self.city_id or self.programme_id or refs.get("city") or refs.get("programme")):
            raise ValidationError({"city": "a statement is about a city or a programme"})


class CatalogueVersion(models.Model):
    """One row per load: the hash of the fixtures that built the catalogue, and when."""

    version = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()
    counts = models.JSONField(default=dict)

    objects = CatalogueVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-loaded_at", "-pk"]
        get_latest_by = "loaded_at"

    def __str__(self):
        return f"{self.version[:12]} loaded {self.loaded_at:%Y-%m-%d %H:%M:%S}"

    @property
    def is_synthetic(self):
        """Made by `manage.py synthesize` for benchmarking, not loaded from the fixtures."""
        return self.version.startswith("synthetic-")

    def get_absolute_url(self):
        return reverse("programmes:home")


class Release(models.Model):
    """A catalogue version the site has held, kept when the next one is loaded: its contents
    (the dump, `/catalogue.json`, gzip-compressed) and the day the site first held it, from which
    its package is built and served (`/releases/<version>.zip`) and the changes between versions
    are read (`loading.releases`). Not a table of the catalogue: a load replaces those and adds
    the new version here."""

    version = models.CharField(max_length=64)
    # When the site first held this version: a version loaded again keeps its first date.
    loaded_at = models.DateTimeField()
    contents = models.BinaryField()

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["loaded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["version"], name="release_version_unique")]

    def __str__(self):
        return f"{self.version[:12]} released {self.loaded_at:%Y-%m-%d}"

    @property
    def name(self):
        return self.version[:12]


class ListSummary(models.Model):
    """What a list shows whatever page or sort is asked for, computed when a catalogue version is
    loaded (`loading.summaries`): its facet counts, its funding chart and its number of records,
    for the list without filters (`param` and `value` empty) and for each single filter whose
    value matches many records (`?status=completed`), where counting at request time would read
    a large part of the table."""

    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)  # the kind's key in `programmes.kinds`
    param = models.CharField(max_length=50, blank=True)
    value = models.CharField(max_length=200, blank=True)
    # {"count": n, "facets": {param: rows}, "chart": {group: rows}}, as the list view reads them
    data = models.JSONField(default=dict)

    objects = ListSummaryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "kind", "param", "value"], name="list_summary_unique"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.param}={self.value}" if self.param else self.kind
