"""One named QuerySet method per page: each picks its joins, and a test pins its query count.

models.py builds its managers from these classes, so the other models are named here through the
app registry (`_model("Passage")`) rather than imported: the import runs one way only.
"""

from django.apps import apps
from django.db import models
from django.db.models import Count, F, OuterRef, Prefetch, Subquery, Sum, TextField
from django.db.models.functions import Coalesce, JSONArray

# A passage's length in code points: its quote's, as the constraint
# passage_quote_length_matches_span holds, and what passage_source_length_idx orders.
PASSAGE_LENGTH = F("end") - F("start")


def _count(queryset, field="*", distinct=False):
    """COUNT over a correlated subquery (`queryset` filters on OuterRef("pk")), 0 when empty.

    COUNT(*) by default, not COUNT(id): the rows are then counted from the index on the column
    `queryset` filters by, without reading the table (an index-only scan on PostgreSQL once the
    table is vacuumed): a city's 500 projects, each page's fifty cities."""
    counted = (
        queryset.order_by()
        .annotate(group=models.Value(1))
        .values("group")
        .annotate(n=models.Count(field, distinct=distinct))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


# A cited passage names its source (title, author, date, and its evidence: the JSON-LD leaves out
# an interpreted date); the source's whole text (it can be megabytes) and its coverage (a JSON
# entry per sentence, decoded again for every passage that names the source) stay behind.
SOURCE_BEHIND = ("source__text", "source__coverage")
# A participant is shown by its name and linked by its slug; its own evidence is its page's.
PARTICIPANT_BEHIND = tuple(
    f"{relation}__{field}"
    for relation in ("city", "partner")
    for field in ("evidence", "interpretations")
)


class JSONList(Subquery):
    """The rows of `queryset` (a `values()` of one JSON array each) as one JSON array per row of
    the outer query, in the queryset's order, as text: `json_group_array` on SQLite (the ordered
    subquery feeds it in order), `json_agg` on PostgreSQL. "[]" when there are none."""

    output_field = TextField()

    def as_sql(self, compiler, connection, template=None, **extra_context):
        sql, params = super().as_sql(compiler, connection, template, **extra_context)
        column = connection.ops.quote_name(next(iter(self.query.annotation_select)))
        if connection.vendor == "postgresql":
            return f"(SELECT COALESCE(json_agg(_r.{column}), '[]')::text FROM {sql} _r)", params
        return f"(SELECT COALESCE(json_group_array(json(_r.{column})), '[]') FROM {sql} _r)", params


def related_rows(model, name, fields):
    """For each row of a `model` QuerySet, the records of its relation `name` (a many-to-many
    field or a reverse foreign key) in their model's order, each as a JSON array of `fields`
    (lookups, or nested `related_rows`): one correlated subquery, however many rows."""
    field = model._meta.get_field(name)
    if field.many_to_many and not field.auto_created:
        related, back = field.related_model, field.related_query_name()
    else:
        related, back = field.related_model, field.field.name
    rows = (
        related._default_manager.filter(**{back: OuterRef("pk")})
        .order_by(*related._meta.ordering)
        .values(row=JSONArray(*(F(f) if isinstance(f, str) else f for f in fields)))
    )
    return JSONList(rows)


def _model(name):
    return apps.get_model("programmes", name)


def _passage_count():
    return _count(_model("Passage").objects.filter(source=OuterRef("pk")))


# What a source's row shows of its shortest passage (`Source.shortest` makes it a Passage).
SHORTEST_FIELDS = ("id", "start", "end", "quote", "prefix", "suffix")


def _shortest_passage():
    """Each source's shortest cited passage, as `shortest_<field>` annotations (SHORTEST_FIELDS).

    A passage's length is its span's (`end - start`, the quote's length by the constraint
    passage_quote_length_matches_span), so each is one probe of passage_source_length_idx per
    row of the page, ties going to the earliest. Ranking every passage of the page's sources by
    the length of its quote read them all (a thousand per source on a large catalogue), and
    prefetching the shortest of every source made PostgreSQL hash all of them."""
    first = (
        _model("Passage").objects.filter(source=OuterRef("pk")).order_by(PASSAGE_LENGTH, "start")
    )
    return {f"shortest_{name}": Subquery(first.values(name)[:1]) for name in SHORTEST_FIELDS}


class PrefetchedRows(models.QuerySet):
    """One record's prefetched related records, where its related manager reads them
    (`record.passages.all()`). Django's own prefetch filters a fresh queryset for each record (a
    tenth of a millisecond each: a list page of fifty rows with two relations spends ten on
    them); this one is built bare. Any query derived from it (`.filter()`, `.values()`) is the
    related manager's own, so it reads only the record's related rows, as it would with
    Django's."""

    def _chain(self):
        record, relation = self._record
        cache = record._prefetched_objects_cache
        held = cache.pop(relation)
        try:
            return getattr(record, relation).all()._chain()
        finally:
            cache[relation] = held


class Prefetched:
    """Where a `_prefetch` of `relation` puts each record's rows (its `to_attr`): into the
    record's prefetch cache as a `PrefetchedRows`. Reading it raises AttributeError, so Django
    finds a record not yet fetched as it does for any `to_attr`."""

    def __init__(self, relation):
        self.relation = relation

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, record, owner=None):
        if record is None:
            return self
        raise AttributeError(self.name)

    def __set__(self, record, rows):
        rows_of = PrefetchedRows(record._meta.get_field(self.relation).related_model)
        rows_of._result_cache = rows
        rows_of._prefetch_done = True
        rows_of._record = (record, self.relation)
        record.__dict__.setdefault("_prefetched_objects_cache", {})[self.relation] = rows_of


def _prefetch(relation, queryset):
    """As `Prefetch(relation, queryset)`, read the same way, without a queryset per record (the
    record's model declares `Prefetched(relation)` as `_rows_<relation>`)."""
    return Prefetch(relation, queryset=queryset, to_attr=f"_rows_{relation}")


def _passages():
    Passage = _model("Passage")

    return _prefetch("passages", Passage.objects.select_related("source").defer(*SOURCE_BEHIND))


class SourceQuerySet(models.QuerySet):
    def for_list(self):
        """Sources with their number of cited passages and only the shortest one (for the row)."""
        return (
            self.defer("text")
            .annotate(passage_count=_passage_count(), **_shortest_passage())
            .order_by("date", "slug")
        )

    def for_home(self):
        counted = self.defer("text").annotate(passage_count=_passage_count())
        return counted.order_by("date", "slug")[:20]

    def for_detail(self):
        """The source with every cited passage and the records citing each (the reader, its
        coverage and its own description's evidence all read these)."""
        return self.prefetch_related(
            Prefetch("passages", queryset=_model("Passage").objects.for_reader())
        )

    def for_export(self):
        """The JSON and CSV lists: every passage, so each row's evidence names its words."""
        return (
            self.defer("text")
            .prefetch_related(
                Prefetch(
                    "passages",
                    queryset=_model("Passage")
                    .objects.select_related("source")
                    .defer(*SOURCE_BEHIND),
                )
            )
            .annotate(passage_count=_passage_count())
            .order_by("date", "slug")
        )


class PassageQuerySet(models.QuerySet):
    def for_reader(self):
        """A source's passages for its reader, in the order of the text; the records citing
        them come from `citations()`, for the passages a page lists."""
        return self.order_by("start", "end")

    def citations(self, citing):
        """(passage id, record) for every record of the models `citing` (the registry's cited
        kinds) citing one of these passages, model by model, each in its own order: one query per
        model however many passages, each record without its JSON (evidence, notes), which a list
        of names does not read."""
        pairs = []
        for model in citing:
            json = [f.name for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
            records = (
                model.objects.filter(passages__in=self.values("pk"))
                .annotate(passage_pk=models.F("passages"))
                .defer(*json)
            )
            pairs.extend((record.passage_pk, record) for record in records)
        return pairs


def _participations(model_name, passages=False):
    """The lookups of a record's participants with their cities and organisations (one query),
    and with their passages and sources (one more) where `passages`.

    The passages are a lookup of their own through the participants, not a prefetch nested in
    the participants' queryset: a reverse foreign key's manager evaluates that queryset, nested
    prefetch included, before Django takes the nested lookups over, so they ran twice."""
    rows = _model(model_name).objects.select_related("city", "partner").defer(*PARTICIPANT_BEHIND)
    lookups = [_prefetch("participations", rows)]
    if passages:
        lookups.append(
            Prefetch("participations__passages", _passages().queryset, to_attr="_rows_passages")
        )
    return lookups


class CityQuerySet(models.QuerySet):
    def for_list(self):
        FundedProject, Participation = _model("FundedProject"), _model("Participation")

        # Correlated counts, computed for the page's rows only: joining both relations and
        # grouping would multiply them and aggregate every city before the LIMIT.
        return (
            self.prefetch_related(_passages())
            .annotate(
                programme_count=_count(
                    Participation.objects.filter(city=OuterRef("pk")), "programme", distinct=True
                ),
                project_count=_count(FundedProject.objects.filter(city=OuterRef("pk"))),
            )
            .order_by("name", "slug")
        )

    def for_detail(self):
        return self.prefetch_related(_passages())


class PartnerQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("city").prefetch_related(_passages())

    def for_detail(self):
        return self.select_related("city").prefetch_related(_passages())


class PersonQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("organisation").prefetch_related(_passages())

    def for_detail(self):
        return self.select_related("organisation").prefetch_related(_passages())


class ProgrammeQuerySet(models.QuerySet):
    def for_list(self):
        return self.prefetch_related(_passages(), *_participations("Participation"))

    def for_detail(self):
        """Each participant's passages too: its table quotes them."""
        return self.select_related("part_of").prefetch_related(
            _passages(), *_participations("Participation", passages=True)
        )

    for_export = for_detail  # the JSON and CSV: each participant's role's evidence

    def for_city(self, city):
        """The city's programmes, each with all its participants (the city's partners)."""
        return (
            self.filter(participations__city=city)
            .distinct()
            .prefetch_related(*_participations("Participation"), _passages())
        )


class AwardQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("conferred_by", "recipient", "recommended_by").prefetch_related(
            _passages()
        )

    def for_detail(self):
        return self.for_list()


class FundedProjectQuerySet(models.QuerySet):
    def for_list(self):
        """The HTML list: each row shows its funders and the passage that names its project (the
        evidence of its title), so every funder and every cited passage of the page's rows come
        in one query each."""
        Partner = _model("Partner")
        return self.select_related(
            "programme", "city", "sector", "sector__category"
        ).prefetch_related(
            _prefetch("funders", Partner.objects.only("slug", "name", "acronym")), _passages()
        )

    def for_export(self):
        """The JSON and CSV lists: every citation and every funder of each row."""
        return self.select_related(
            "programme", "city", "sector", "sector__category"
        ).prefetch_related("funders", _passages())

    def for_detail(self):
        return self.select_related(
            "programme", "city", "sector", "sector__category"
        ).prefetch_related("funders", "implementers", _passages())

    def totals(self, *by):
        """Project counts and stated amounts per currency (summed within it, never converted),
        per value of the fields `by`: one grouped query, for the funding chart and the totals
        under a city's or programme's projects.

        A DISTINCT list (a filter across a to-many relation: a funder, a partner) is taken by
        primary key so a join can neither repeat a project nor double its amount. Otherwise the
        filtered query is grouped as it is, which lets the database use its indexes.
        """
        base = self
        if self.query.distinct:
            base = self.model.objects.filter(pk__in=self.order_by().values("pk"))
        return (
            base.prefetch_related(None)
            .select_related(None)
            .order_by()
            .values(*by, "currency")
            .annotate(count=Count("pk"), amount=Sum("amount"))
        )


class MilestoneQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("programme").prefetch_related(
            _passages(), *_participations("MilestoneParticipation")
        )

    def for_detail(self):
        """Each participant's passages too: its table quotes them."""
        return self.select_related("programme").prefetch_related(
            _passages(), *_participations("MilestoneParticipation", passages=True)
        )

    for_export = for_detail  # each participant's role's evidence names its passages


class StatementQuerySet(models.QuerySet):
    def for_list(self):
        # Each row links its passages into the reader, which needs each passage's source.
        return self.select_related("city", "programme", "partner").prefetch_related(_passages())

    def for_detail(self):
        return self.for_list()


class CatalogueVersionQuerySet(models.QuerySet):
    def current(self):
        """The latest load (its version and load time), or None when the catalogue was never
        loaded. Read once per request, by the cache middleware, and handed on from there."""
        return self.order_by("-loaded_at", "-pk").only("version", "loaded_at").first()


class ReleaseQuerySet(models.QuerySet):
    def listed(self):
        """Every release, oldest first, without its contents (the releases page)."""
        return self.defer("contents")

    def named(self, name):
        """The release whose version begins with `name` (its twelve characters), or None."""
        return self.filter(version__startswith=name).first() if len(name) == 12 else None


class ListSummaryQuerySet(models.QuerySet):
    def for_list(self, version, kind, param="", value=""):
        """The summary of a list without filters, or with the single filter `param=value`, as
        one dict: the filtered summary's facets, count and chart, and the facet of `param`
        itself from the unfiltered one (a facet ignores its own parameter); what the loader did
        not summarise is missing from it. One query."""
        found = {
            (row.param, row.value): row.data
            for row in self.filter(version_id=version.pk, kind=kind).filter(
                models.Q(param="", value="") | models.Q(param=param, value=value)
            )
        }
        unfiltered = found.get(("", ""), {})
        if not param:
            return unfiltered
        # A value matching few records is not summarised; its own facet still is, and what the
        # list shows whatever its filters (the map of every city).
        summary = found.get((param, value), {"facets": {}})
        own = unfiltered.get("facets", {}).get(param)
        if own is not None:
            summary["facets"] = {**summary["facets"], param: own}
        if "map" in unfiltered:
            summary["map"] = unfiltered["map"]
        return summary


class ParticipationQuerySet(models.QuerySet):
    def network_of_city(self, city):
        """Every participation in the city's programmes: its partner cities and organisations."""
        return self.filter(programme__in=city.participations.values("programme")).select_related(
            "programme", "city", "partner"
        )

    def network_of_programme(self, programme):
        return self.filter(programme=programme).select_related("city", "partner")

    def city_memberships(self):
        """(programme id, city id) of every city taking part itself or through an organisation
        based there; only the ids travel, as a large catalogue has many thousands of them."""
        return (
            self.annotate(place=Coalesce("city_id", "partner__city_id"))
            .filter(place__isnull=False)
            .values_list("programme_id", "place")
            .distinct()
            .order_by()
        )

    def for_partner(self, partner):
        return (
            self.filter(partner=partner)
            .select_related("programme")
            .prefetch_related(
                "programme__participations__city", "programme__participations__partner"
            )
        )
