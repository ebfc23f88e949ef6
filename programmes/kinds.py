"""The registry of record kinds: everything the catalogue says about a kind, in one entry.

Each `Kind` names its model, its URLs (`/<prefix>/`, `/<prefix>/<slug>/` and their `.json` and
`.csv` twins, URL names `programmes:<key>-list`, `-detail`, ...), its list (FilterSet, facets,
columns, the QuerySet methods of its pages, the picture it draws), its JSON/CSV fields, the
fields searched, its schema.org type, its pages' meta descriptions, what its record page adds,
its share card's label, its key in the catalogue dump and in the fixtures. The URLs, the list and
detail views, search, share cards, schema.org, the exports, the API description, the source
reader, the loader, the dump and the record counts all read `KINDS`; none keeps a list of its
own, and no view is named here: what a page does for one kind only is named in its entry
(`related`, `picture`) and looked up where it is done.

To add a kind (say `Statement`):

1. Its model in `models.py` (a `CitedRecord`: `slug`, `passages` with a `related_name`,
   `url_name = "statement"`, so `get_absolute_url()` is `programmes:statement-detail`, and the
   `search_text` each load writes) with its migration (on PostgreSQL with a GIN index on the
   vector of its `search_text`, as 0005 adds one for each searched kind), and its QuerySet
   class in `querysets.py`: `for_list()`, `for_detail()`, and `for_export()` where the JSON/CSV
   rows need more joins than the HTML rows.
2. Its entry `Kind(key="statement", model=models.Statement, prefix="statements", ...)` in `KINDS`
   below, with what it names: a FilterSet in `lists/filters.py` (a `ListFilterSet`; `phrases`
   for parameters no other list has, `help_text` where its values need saying), its `fields`
   (`programmes.fields.Field`: each once, giving its JSON and CSV field, the list's words and
   sort keys, the fields `/search/` matches and the evidence it shows), its JSON-LD
   (`describe=Describer.statement`, `formats/schema_org.py`) and its meta description
   (`page_description=descriptions.statement`, `formats/descriptions.py`). Its place in
   `KINDS` is the order in which fixtures are loaded and the dump's tables written: after
   every kind it refers to, before `source`. Only if its page shows more than the record, a
   function in `views/related.py` named by `related`; only if its list draws a picture, the
   picture's name in `picture` (`views.lists.PICTURES`); only if the loader fills values of its
   records from reference data, the function in `complete`; only if its records list
   `participants` in the fixtures (each a city or partner in a role, with its own evidence),
   the model of those rows in `participation` (a `models.Participant` whose foreign key to the
   record has `related_name="participations"`) and the fields `participating()` declares; only
   if its record page reads query parameters, their names in `parameters` (any other is a
   400); only if its records are texts served as `/<prefix>/<slug>.txt`, the field in `text`.
   Each field's `tier` decides how its
   page marks an interpretation of it (`tier()` below, read by the `evidence` tags).
3. Its templates `templates/programmes/statement_list.html` (extends `_list_base.html`; its
   rows follow the entry's `columns`) and `statement_detail.html` (extends `_detail_base.html`;
   the record is `statement` and `record`); if it belongs in the site's navigation, a link in
   `templates/base.html` and its count on `home.html` (`counts.statements`).

The URLs, the JSON and CSV twins, the search group, the share card, the JSON-LD, the OpenAPI
paths, the records the source reader names, the dump table, the record counts, the loader's
fixture kind and the fixtures' JSON Schema (regenerate fixtures/fixture.schema.json with
`manage.py fixture_schema`) then follow from the entry; tests/test_kinds.py checks that every
name the entry gives is found and that every model citing passages is a kind, and the tests
parametrized over `KINDS` (tests/test_kinds.py, test_api.py) cover it.
"""

import dataclasses
import functools
import json
from dataclasses import dataclass

from django.urls import reverse

from . import dates, models, reference, scripts
from .fields import (
    CLASSIFICATION,
    FACT,
    PARTICIPATIONS,
    REFERENCE,
    WORDING,
    Related,
    choice_label,
    date_end,
    decimal,
    field,
    firsts,
    iso,
    named,
    named_rows,
    participant_slugs,
    participants,
    participants_cell,
    participants_evidence,
)
from .formats import descriptions
from .formats.schema_org import Describer
from .lists import filters
from .lists.facets import Facet
from .querysets import related_rows


@dataclass(frozen=True)
class Kind:
    key: str  # URL names (`programmes:<key>-detail`), share-card URLs, search groups, templates
    model: type
    prefix: str  # the lists' and records' path: /<prefix>/, /<prefix>/<slug>/
    title: str  # the list page's title
    plural: str  # the search group's heading
    noun: str  # the records in the API description's sentences
    label: str  # one record, on its share card
    filterset: type
    columns: tuple  # the list table's (heading, sort key or "")
    fields: tuple  # its fields (`programmes.fields.Field`), each declared once for every channel
    describe: object  # the `Describer` method giving its schema.org description
    schema_type: str
    dump_key: str  # its table in /catalogue.json and the record counts
    facets: tuple = ()
    search_rank: int = 0  # where its group stands among the search results, first = lowest
    title_field: str = "name"  # what names a record in search results
    fixture: str = ""  # its `model` in fixtures/records/*.json; "" if not loaded from them
    fixture_references: dict = dataclasses.field(
        default_factory=dict
    )  # foreign key -> fixture kind
    fixture_many: dict = dataclasses.field(
        default_factory=dict
    )  # many-to-many field -> fixture kind
    cited: bool = True  # whether its records cite passages (a source is what they cite)
    # What the loader adds to a record it reads: (fields, evidence specs) -> [(field, problem)],
    # filling values the fixture leaves to reference data (a city's coordinates and region).
    complete: object = None
    # The model of its records' participants (a `models.Participant`), if its fixture records
    # list `participants`: loaded, dumped, exported and described with their roles.
    participation: type = None
    list_method: str = "for_list"
    export_method: str = "for_list"  # the JSON and CSV lists, where they need more than the page
    detail_method: str = "for_detail"
    example_filters: tuple = ()  # (parameter, value) pairs the API description shows
    # What its pages do that not every kind's do, declared here so that no view keeps a list of
    # kinds (tests/test_kinds.py checks that each name is found):
    page_description: object = None  # (record, page context) -> its meta description
    list_note: str = ""  # what its list's meta description adds after the count
    related: str = ""  # the function of `views/related.py` giving what its page adds
    # The query parameters its record page reads (the reader's `page`); any other is a 400.
    parameters: tuple = ()
    picture: str = ""  # what its list draws (`views.lists.PICTURES`): "map", "funding_chart", ...
    unread: tuple = ()  # fields its share card leaves in the database (a source's whole text)
    # The field holding a record's whole text, served as `/<prefix>/<slug>.txt` (a source's:
    # what its passages' positions count in, the target of their Web Annotations).
    text: str = ""

    def __post_init__(self):
        # The list's words (`q`) and sort keys are those its fields declare: a cited record's
        # words are its search text, as `/search/` matches them.
        sort = tuple((f.lookup, f.sort) for f in self.fields if f.sort)
        words = ("search_text",) if self.cited else tuple(f.lookup for f in self.fields if f.words)
        object.__setattr__(self, "filterset", filters.listing(self.filterset, words, sort))

    @property
    def search_fields(self):
        """The fields whose words `/search/` and a list's `q` match (in the record's
        `search_text`, which `search_text()` words): its own words, the names of the records it
        names and its classifications in words; none for a source, which is searched as text,
        paragraph by paragraph (programmes.search)."""
        return tuple(f for f in self.fields if f.words) if self.cited else ()

    def search_rows(self, using="default"):
        """Each record's primary key and the values its searched fields read, as a dict per
        row (read -> value): a relation's rows (a project's funders) as lists, one query."""
        reads = list(dict.fromkeys(read for f in self.search_fields for read in f.reads))
        lookups = [read for read in reads if isinstance(read, str)]
        names = [read.name for read in reads if isinstance(read, Related)]
        listed = {
            f"related_{read.name}": related_rows(self.model, read.name, read.fields)
            for read in reads
            if isinstance(read, Related)
        }
        rows = self.model.objects.using(using).annotate(**listed).order_by("pk")
        for pk, *values in rows.values_list("pk", *lookups, *listed).iterator(chunk_size=2000):
            found = dict(zip(lookups, values[: len(lookups)], strict=True))
            for name, text in zip(names, values[len(lookups) :], strict=True):
                found[name] = json.loads(text) if isinstance(text, str) else text
            yield pk, found

    def search_text(self, values):
        """The words `/search/` matches in a record, from the `values` its searched fields read
        (`search_rows`): each searched field's value as its page says it (a choice by its
        label), then, where they differ, the same words with their Han characters simplified,
        so that 大連 and 大连 find each other."""
        words = []
        for f in self.search_fields:
            value = f.show(*[values[r.name if isinstance(r, Related) else r] for r in f.reads])
            if isinstance(f.lookup, str) and "__" not in f.lookup:
                value = _choice_labels(self.model, f.lookup).get(value, value)
            words.extend(_strings(value))
        text = SEARCH_SEPARATOR.join(dict.fromkeys(w for w in words if w))
        simple = scripts.simplified(text)
        return text if simple == text else f"{text}\n{simple}"

    @property
    def json_fields(self):
        return tuple(f for f in self.fields if f.in_json)

    @functools.cached_property
    def tiers(self):
        """Evidence entry -> the tier its fields declare (the first that names it)."""
        tiers = {}
        for f in self.fields:
            tiers.setdefault(f.evidence, f.tier)
        return tiers

    def list_queryset(self, fmt="html"):
        return getattr(
            self.model.objects, self.list_method if fmt == "html" else self.export_method
        )()

    def detail_queryset(self):
        return getattr(self.model.objects, self.detail_method)()

    @property
    def list_template(self):
        return f"programmes/{self.key}_list.html"

    @property
    def detail_template(self):
        return f"programmes/{self.key}_detail.html"

    def list_url(self):
        return reverse(f"programmes:{self.key}-list")


# What a list says with a facet whose values are the catalogue's reading (Facet.interpreted).
READ_ALL = (
    "These values are the catalogue's reading of the sources, not their words; each record's "
    "page gives the note and the words it rests on."
)
READ_SOME = (
    "For some records this value is the catalogue's reading of the sources, not their words; "
    "each record's page says which, with the note and the words it rests on."
)
ISO_COUNTRY = (
    "ISO 3166-1 codes: the catalogue's reading of the country the sources name or imply; each "
    "record's page gives the words it rests on."
)
DAC_SECTOR = (
    "OECD DAC sector codes assigned by the catalogue from the words that describe each project; "
    "each project's page says why."
)
DAC_CATEGORY = "The category of the OECD DAC sector code the catalogue assigned to each project."


FUNDERS = Related("funders", ("slug", "name", "acronym"))


def participating():
    """The fields of a kind whose records have participants (`Kind.participation`): each
    participant with its role and note, and, after the citations in the CSV, each role's status."""
    return (
        field("participants", PARTICIPATIONS, show=participants, cell=participants_cell),
        field(
            "participants__evidence",
            PARTICIPATIONS,
            show=participants_evidence,
            in_json=False,
            after_citations=True,
        ),
    )


def _choices(model_choices):
    return tuple((str(k), str(v)) for k, v in model_choices)


def _choice_facet(param, label, model_choices, interpreted=""):
    """A facet over a field with choices, named by them."""
    return Facet(param, label, param, choices=_choices(model_choices), interpreted=interpreted)


def _record_facet(param, label, path, interpreted=""):
    """A facet over the records `path` leads to, by slug, named by their names."""
    return Facet(param, label, f"{path}__slug", f"{path}__name", interpreted=interpreted)


KINDS = (
    Kind(
        key="city",
        model=models.City,
        prefix="cities",
        title="Cities",
        plural="Cities",
        noun="cities",
        label="City",
        filterset=filters.CityFilter,
        facets=(Facet("country", "Country", "country", interpreted=ISO_COUNTRY),),
        columns=(
            ("City", "name"),
            ("Country", "country"),
            ("Region", ""),
            ("Programmes", ""),
            ("Funded projects", ""),
            ("Source passage", ""),
        ),
        fields=(
            field("name", words=True, sort="name"),
            field("native_name", words=True, tier=REFERENCE),
            field("country", tier=REFERENCE, sort="country"),
            field("region", words=True, tier=REFERENCE),
            field("subdivision", tier=REFERENCE),
            field("geonames_id", tier=REFERENCE),
            field("latitude", show=decimal, tier=REFERENCE),
            field("longitude", show=decimal, tier=REFERENCE),
        ),
        search_rank=1,
        describe=Describer.city,
        schema_type="Place",
        dump_key="cities",
        fixture="city",
        complete=reference.complete_city,
        page_description=descriptions.city,
        related="city",
        picture="map",
    ),
    Kind(
        key="partner",
        model=models.Partner,
        prefix="partners",
        title="Partners",
        plural="Partners",
        noun="partners",
        label="Partner",
        filterset=filters.PartnerFilter,
        facets=(
            _choice_facet("kind", "Kind", models.Partner.Kind.choices, READ_ALL),
            Facet("country", "Country", "country", interpreted=ISO_COUNTRY),
            _record_facet("city", "City", "city", READ_SOME),
        ),
        columns=(
            ("Organisation", "name"),
            ("Kind", "kind"),
            ("Country", "country"),
            ("City", ""),
            ("Source passage", ""),
        ),
        fields=(
            field("name", words=True, sort="name"),
            field("acronym", words=True),
            field("kind", tier=CLASSIFICATION, sort="kind"),
            field(
                "kind_name",
                "kind",
                show=choice_label(models.Partner, "kind"),
                tier=CLASSIFICATION,
                words=True,
            ),
            field("country", tier=REFERENCE, sort="country"),
            field("city", "city__slug"),
        ),
        search_rank=4,
        describe=Describer.partner,
        schema_type="Organization",
        dump_key="partners",
        fixture="partner",
        fixture_references={"city": "city"},
        page_description=descriptions.partner,
        related="partner",
    ),
    Kind(
        key="person",
        model=models.Person,
        prefix="people",
        title="People",
        plural="People",
        noun="people",
        label="Person",
        filterset=filters.PersonFilter,
        facets=(_record_facet("organisation", "Organisation", "organisation", READ_SOME),),
        columns=(("Name", "name"), ("Role", ""), ("Organisation", ""), ("Source passage", "")),
        fields=(
            field("name", words=True, sort="name"),
            field("role", words=True),
            field("organisation", "organisation__slug"),
            field(
                "organisation_name",
                "organisation__name",
                "organisation__acronym",
                show=named,
                words=True,
            ),
        ),
        search_rank=5,
        describe=Describer.person,
        schema_type="Person",
        dump_key="people",
        fixture="person",
        fixture_references={"organisation": "partner"},
        page_description=descriptions.person,
    ),
    Kind(
        key="programme",
        model=models.Programme,
        prefix="programmes",
        title="Programmes",
        plural="Programmes",
        noun="programmes",
        label="Programme",
        filterset=filters.ProgrammeFilter,
        facets=(
            _record_facet("city", "City", "participations__city", READ_SOME),
            _record_facet("partner", "Partner", "participations__partner", READ_SOME),
            _choice_facet("kind", "Kind", models.Programme.Kind.choices, READ_ALL),
            _choice_facet("status", "Status", models.Programme.Status.choices, READ_ALL),
        ),
        columns=(
            ("Programme", "name"),
            ("Kind", "kind"),
            ("Began", "year"),
            ("Participants", ""),
            ("Status", ""),
            ("Source passage", ""),
        ),
        export_method="for_export",
        fields=(
            field("name", words=True, sort="name"),
            field("kind", tier=CLASSIFICATION, sort="kind"),
            field(
                "kind_name",
                "kind",
                show=choice_label(models.Programme, "kind"),
                tier=CLASSIFICATION,
                words=True,
            ),
            field("summary", words=True, tier=WORDING),
            field("status", tier=CLASSIFICATION),
            field("status_as_of", show=iso),
            field("start_date", "date", show=iso, sort="year"),
            field("start_date_precision", "date_precision", evidence="date"),
            field("start_date_as_stated", "date_as_stated"),
            field("end_date", show=iso),
            field("end_date_precision", evidence="end_date"),
            field("end_date_as_stated"),
            field(
                "start_date_edtf",
                *("date", "date_precision", "evidence"),
                show=dates.edtf(),
                evidence="date",
            ),
            field(
                "end_date_edtf",
                *("end_date", "end_date_precision", "evidence"),
                show=dates.edtf("end_date"),
                evidence="end_date",
            ),
            field("total_investment", show=decimal),
            field("total_investment_currency"),
            field("total_investment_as_stated"),
            *participating(),
        ),
        search_rank=2,
        describe=Describer.programme,
        schema_type="Project",
        dump_key="programmes",
        fixture="programme",
        participation=models.Participation,
        fixture_references={"part_of": "programme"},
        example_filters=(("city", "dalian"),),
        page_description=descriptions.programme,
        related="programme",
    ),
    Kind(
        key="award",
        model=models.Award,
        prefix="awards",
        title="Awards",
        plural="Awards",
        noun="awards",
        label="Award",
        filterset=filters.AwardFilter,
        facets=(
            Facet("recipient", "Recipient", "recipient__slug", "recipient__name"),
            _record_facet("conferred_by", "Conferred by", "conferred_by", READ_SOME),
            Facet(
                "recommended_by", "Recommended by", "recommended_by__slug", "recommended_by__name"
            ),
        ),
        columns=(
            ("Award", "name"),
            ("Recipient", ""),
            ("Conferred by", ""),
            ("Year", "year"),
            ("Recommended by", ""),
            ("Source passage", ""),
        ),
        fields=(
            field("name", words=True, sort="name"),
            field("recipient", "recipient__slug"),
            field(
                "recipient_name",
                "recipient__name",
                "recipient__native_name",
                show=named,
                words=True,
            ),
            field("conferred_by", "conferred_by__slug"),
            field(
                "conferred_by_name",
                "conferred_by__name",
                "conferred_by__acronym",
                show=named,
                words=True,
            ),
            field("recommended_by", "recommended_by__slug"),
            field(
                "recommended_by_name",
                "recommended_by__name",
                "recommended_by__acronym",
                show=named,
                words=True,
            ),
            field("year", sort="year"),
            field("year_as_stated", words=True),
        ),
        search_rank=6,
        # schema.org has no class for an award (only the `award` text property).
        describe=Describer.award,
        schema_type="Thing",
        dump_key="awards",
        fixture="award",
        fixture_references={
            "conferred_by": "partner",
            "recipient": "city",
            "recommended_by": "partner",
        },
        page_description=descriptions.award,
    ),
    Kind(
        key="project",
        model=models.FundedProject,
        prefix="projects",
        title="Funded projects",
        plural="Funded projects",
        noun="funded projects",
        label="Funded project",
        filterset=filters.FundedProjectFilter,
        facets=(
            Facet(
                "sector",
                "Sector (DAC code)",
                "sector__code",
                "sector__name",
                code_in_name=True,
                interpreted=DAC_SECTOR,
            ),
            Facet(
                "sector_category",
                "Sector category",
                "sector__category__code",
                "sector__category__name",
                code_in_name=True,
                interpreted=DAC_CATEGORY,
            ),
            _record_facet("city", "City", "city", READ_SOME),
            _record_facet("programme", "Programme", "programme", READ_SOME),
            _record_facet("funder", "Funder", "funders", READ_SOME),
            _choice_facet(
                "instrument",
                "Funding instrument",
                models.FundedProject.Instrument.choices,
                READ_SOME,
            ),
            _choice_facet("status", "Status", models.FundedProject.Status.choices, READ_SOME),
        ),
        # What a reader scans a list of projects by; the city, programme and instrument are on
        # each project's page, in the filters, the JSON and the CSV.
        columns=(
            ("Project", "title"),
            ("Sector", "sector"),
            ("Funder", ""),
            ("Amount as stated", "amount"),
            ("Status", ""),
            ("Named in the source", ""),
        ),
        export_method="for_export",
        fields=(
            field("title", words=True, tier=WORDING, sort="title"),
            field("programme", "programme__slug"),
            field("programme_name", "programme__name", sort="programme", words=True),
            field("city", "city__slug"),
            field("city_name", "city__name", sort="city", words=True),
            field("sector", "sector__code", tier=CLASSIFICATION, sort="sector"),
            field("sector_name", "sector__name", tier=CLASSIFICATION, words=True),
            field("sector_category", "sector__category__code", tier=CLASSIFICATION),
            field(
                "sector_category_name", "sector__category__name", tier=CLASSIFICATION, words=True
            ),
            field("funders", FUNDERS, show=firsts),
            field("funder_names", FUNDERS, show=named_rows, words=True),
            field("instrument", tier=CLASSIFICATION, words=True),
            field("amount", show=decimal, sort="amount"),
            field("currency"),
            field("amount_as_stated"),
            field("phase", words=True),
            field("status", tier=CLASSIFICATION),
            field("status_as_stated", words=True),
            field("status_date", show=iso),
            field("start_year", sort="year"),
            field("end_year"),
            field("period_as_stated"),
        ),
        search_rank=3,
        title_field="title",
        describe=Describer.project,
        # A grant's type; a loan is a LoanOrCredit, and equipment, technical cooperation or an
        # instrument that is the catalogue's reading a Thing (Describer.project).
        schema_type="MonetaryGrant",
        dump_key="funded_projects",
        fixture="project",
        fixture_references={"programme": "programme", "city": "city", "sector": "sector"},
        fixture_many={"funders": "partner", "implementers": "partner"},
        example_filters=(("sector", "14022"), ("city", "dalian")),
        page_description=descriptions.project,
        list_note=", with sector codes as the catalogue classifies them",
        picture="funding_chart",
    ),
    Kind(
        key="milestone",
        model=models.Milestone,
        prefix="milestones",
        title="Timeline",
        plural="Milestones",
        noun="milestones",
        label="Milestone",
        filterset=filters.MilestoneFilter,
        facets=(
            _record_facet("city", "City", "cities", READ_SOME),
            _record_facet("programme", "Programme", "programme", READ_SOME),
            _record_facet("partner", "Partner", "partners", READ_SOME),
            _choice_facet("kind", "Kind", models.Milestone.Kind.choices, READ_ALL),
        ),
        columns=(
            ("Date as stated", "date"),
            ("Milestone", "title"),
            ("Kind", "kind"),
            ("Programme", ""),
            ("Source passage", ""),
        ),
        export_method="for_export",
        fields=(
            field("title", words=True, tier=WORDING, sort="title"),
            field("kind", tier=CLASSIFICATION, sort="kind", words=True),
            field("description", words=True),
            field("date", show=iso, sort="date"),
            field("date_end", "date", "date_precision", show=date_end),
            field("date_precision"),
            field("date_as_stated"),
            field("date_inferred", evidence="date"),
            field(
                "date_edtf",
                *("date", "date_precision", "evidence", "date_not_after", "kind"),
                show=dates.edtf(bounded=True, deadlines=True),
                evidence="date",
            ),
            field("programme", "programme__slug"),
            # The slugs of its participants' cities and organisations, whatever their roles
            # (each participant's role and evidence: `participants`).
            field(
                "cities", PARTICIPATIONS, show=participant_slugs("city"), evidence="participants"
            ),
            field(
                "partners",
                PARTICIPATIONS,
                show=participant_slugs("partner"),
                evidence="participants",
            ),
            *participating(),
        ),
        search_rank=7,
        title_field="title",
        describe=Describer.milestone,
        schema_type="Event",
        dump_key="milestones",
        fixture="milestone",
        fixture_references={"programme": "programme"},
        participation=models.MilestoneParticipation,
        example_filters=(("year_from", "1993"), ("year_to", "2003")),
        page_description=descriptions.milestone,
        picture="timeline",
    ),
    Kind(
        key="statement",
        model=models.Statement,
        prefix="statements",
        title="Statements",
        plural="Statements",
        noun="statements",
        label="Statement",
        filterset=filters.StatementFilter,
        facets=(
            _record_facet("city", "City", "city", READ_SOME),
            _choice_facet("topic", "Topic", models.Statement.Topic.choices, READ_ALL),
            _record_facet("programme", "Programme", "programme", READ_SOME),
        ),
        columns=(
            ("Statement", ""),
            ("Topic", "topic"),
            ("About", "city"),
            ("Date as stated", "date"),
            ("Source passage", ""),
        ),
        fields=(
            field("summary", words=True, tier=WORDING),
            field("topic", tier=CLASSIFICATION, sort="topic", words=True),
            field("city", "city__slug"),
            field(
                "city_name", "city__name", "city__native_name", show=named, sort="city", words=True
            ),
            field("programme", "programme__slug"),
            field("programme_name", "programme__name", words=True),
            field("partner", "partner__slug"),
            field("partner_name", "partner__name", "partner__acronym", show=named, words=True),
            field("date", show=iso, sort="date"),
            field("date_precision"),
            field("date_as_stated"),
            field(
                "date_edtf",
                *("date", "date_precision", "evidence", "date_not_after"),
                show=dates.edtf(bounded=True),
                evidence="date",
            ),
        ),
        search_rank=8,
        title_field="summary",
        # What a source asserts: schema.org's Claim.
        describe=Describer.statement,
        schema_type="Claim",
        dump_key="statements",
        fixture="statement",
        fixture_references={"city": "city", "programme": "programme", "partner": "partner"},
        example_filters=(("city", "dalian"), ("topic", "outcome")),
        page_description=descriptions.statement,
    ),
    Kind(
        key="source",
        model=models.Source,
        prefix="sources",
        title="Sources",
        plural="Source documents",
        noun="source documents",
        label="Source document",
        filterset=filters.SourceFilter,
        facets=(_choice_facet("kind", "Kind", models.Source.Kind.choices, READ_ALL),),
        columns=(
            ("Source", "title"),
            ("Kind", ""),
            ("Speaker or author", ""),
            ("Date", "date"),
            ("Passages cited", ""),
            ("Shortest cited passage", ""),
        ),
        export_method="for_export",
        fields=(
            field("title", words=True, sort="title"),
            field("kind", tier=CLASSIFICATION),
            field("author", words=True),
            field("author_role"),
            field("author_organisation"),
            field("event"),
            field("place"),
            field("publisher"),
            field("address"),
            field("accessed", show=iso),
            field("date", show=iso, sort="date"),
            field("date_precision"),
            field("date_as_stated"),
            field("date_inferred", evidence="date"),
            field("date_inference", evidence="date"),
            field(
                "date_edtf",
                *("date", "date_precision", "evidence", "date_not_after"),
                show=dates.edtf(bounded=True),
                evidence="date",
            ),
            field("language", tier=REFERENCE),
            field("sha256"),
        ),
        # Sources are searched as text, paragraph by paragraph (programmes.search).
        title_field="title",
        describe=Describer.source_document,
        schema_type="CreativeWork",
        dump_key="sources",
        cited=False,
        page_description=descriptions.source,
        related="source",
        parameters=("page",),
        unread=("text",),
        text="text",
    ),
)

# Between the values of a record's search text (and of a search hit's snippet).
SEARCH_SEPARATOR = " · "


def _choice_labels(model, name):
    """A field's choices by their labels; none for a name that is no field of the model."""
    field = next((f for f in model._meta.concrete_fields if f.name == name), None)
    return models.choice_labels(field) if field else {}


def _strings(value):
    """The texts in a field's value: itself, or those of its items."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return [] if value is None or isinstance(value, bool) else [str(value)]


BY_KEY = {kind.key: kind for kind in KINDS}
BY_MODEL = {kind.model: kind for kind in KINDS}
# The kinds loaded from fixtures' `records`, in an order in which each refers only to earlier ones.
LOADED = tuple(kind for kind in KINDS if kind.fixture)
# The kinds whose records cite passages, in the registry's order: the source reader lists them.
CITED = tuple(kind for kind in KINDS if kind.cited)
# The kinds whose records have participants, each in a role.
PARTICIPATING = tuple(kind for kind in LOADED if kind.participation)
SEARCHED = tuple(
    sorted((kind for kind in KINDS if kind.search_fields), key=lambda k: k.search_rank)
)


def of(record):
    """The kind of a record."""
    return BY_MODEL[type(record)]


def tier(record, name):
    """How quietly a page marks the interpretation of `record`'s evidence entry `name`: the tier
    of the field declaring it (`fields.FACT` unless declared otherwise). A record of no kind (a
    participant) says its own in `evidence_tiers`."""
    kind = BY_MODEL.get(type(record))
    if kind is None:
        return getattr(record, "evidence_tiers", {}).get(name, FACT)
    return kind.tiers.get(name, FACT)


def tables():
    """Dump key -> model of every table, in the order rows can be created."""
    return {
        "sector_categories": models.SectorCategory,
        "sectors": models.Sector,
        "sources": models.Source,
        "passages": models.Passage,
        **{kind.dump_key: kind.model for kind in LOADED},
        **{participation_key(kind): kind.participation for kind in PARTICIPATING},
    }


def participation_key(kind):
    """The dump table (and record count) of a kind's participants: "participations" for a
    programme's, "milestone_participations" for a milestone's."""
    return str(kind.participation._meta.verbose_name_plural).replace(" ", "_")


def counts(using="default"):
    """The number of rows of every table but the fixed sector categories (one COUNT each):
    stored with each load, shown on the home page and written into the dump."""
    return {
        key: model.objects.using(using).count()
        for key, model in tables().items()
        if model is not models.SectorCategory
    }
