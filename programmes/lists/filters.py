"""django-filter FilterSets for every list. Parameter names are what they filter; values are slugs
or codes. Several values of one parameter combine with OR, different parameters with AND.
"""

import django_filters as filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q
from django.db.models.functions import Coalesce, ExtractYear
from django_filters.fields import BaseCSVField

from .. import scripts
from ..models import (
    City,
    FundedProject,
    Milestone,
    Partner,
    Programme,
    Role,
    Sector,
    SectorCategory,
    Source,
    Statement,
)
from .parameters import MAX_VALUE_LENGTH, MAX_WORDS, at_most_max_words


class YearFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1000)
        kwargs.setdefault("max_value", 2999)
        kwargs.setdefault("help_text", "a year such as 2001")
        super().__init__(*args, **kwargs)


def joins_many(model, path):
    """Whether the lookup `path` from `model` follows a to-many relation, and so can repeat rows."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a transform such as date__year: no join
            return False
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


class DistinctWhereNeeded:
    """SELECT DISTINCT only when the filter follows a to-many relation.

    A column or a foreign key cannot repeat a record, and DISTINCT over whole rows (JSON included)
    makes the page, its count and its facets sort every matching row on large tables.
    """

    def filter(self, qs, value):
        self.distinct = joins_many(qs.model, self.field_name)
        return super().filter(qs, value)


class ChoicesFilter(DistinctWhereNeeded, filters.MultipleChoiceFilter):
    """Several values of a field with choices, combined with OR."""


class SortNames(BaseCSVField):
    """Column names separated by commas: an empty one (`?sort=,`, `?sort=title,`) is refused,
    not read as a column called ""."""

    def clean(self, value):
        if value and len(value) > 1 and "" in value:
            raise forms.ValidationError("column names separated by commas, none of them empty")
        if value and len(set(value)) < len(value):
            raise forms.ValidationError("each column name at most once")
        return super().clean(value)


class SortFilter(filters.OrderingFilter):
    """`sort`: records without a value (an amount not stated, an undated milestone) come last in
    either direction on every database, and ties keep a stable order."""

    base_field_class = SortNames

    def filter(self, qs, value):
        if value in filters.constants.EMPTY_VALUES:
            return qs
        ordering = []
        for param in value:
            name = self.get_ordering_value(param)
            field = F(name.lstrip("-"))
            ordering.append(
                field.desc(nulls_last=True) if name.startswith("-") else field.asc(nulls_last=True)
            )
        return qs.order_by(*ordering, "pk")


class SlugsFilter(DistinctWhereNeeded, filters.ModelMultipleChoiceFilter):
    """Records named by slug (or code); an unknown one is an error, not an empty list."""

    def __init__(self, *args, queryset, to_field_name="slug", **kwargs):
        super().__init__(*args, queryset=queryset, to_field_name=to_field_name, **kwargs)

    def get_filter_predicate(self, v):
        # Filter by the chosen record itself (its primary key), not by its slug on the FK column.
        return {self.field_name: v}


def text_filter(*fields):
    def search(queryset, name, value):
        query = Q()
        for word in value.split():
            word_query = Q()
            for field in fields:
                for form in scripts.forms(word):
                    word_query |= Q(**{f"{field}__icontains": form})
            query &= word_query
        return queryset.filter(query)

    return filters.CharFilter(
        method=search,
        max_length=MAX_VALUE_LENGTH,
        validators=[at_most_max_words],
        label="words",
        help_text=f"words, each found in some field (at most {MAX_WORDS})",
    )


def listing(filterset, words, sort):
    """`filterset` with the list's words (`q`, matching the fields `words`) and `sort` (the
    (lookup, parameter) pairs given): what a kind's field declarations say of its list."""
    return type(
        filterset.__name__,
        (filterset,),
        {"q": text_filter(*words), "sort": SortFilter(fields=sort), "__module__": __name__},
    )


class ListFilterSet(filters.FilterSet):
    """A list's FilterSet. `phrases` says each of its parameters as the list's title and meta
    description do ("Funded projects in sector 14022 Sanitation - large systems"): the phrases
    several lists share here, a list's own beside its filters (tests/test_kinds.py checks that
    every parameter has one)."""

    phrases = {
        "city": "in {}",
        "programme": "under {}",
        "partner": "with {}",
        "kind": "of kind {}",
        "status": "with status {}",
        "country": "in country {}",
        "year_from": "from {}",
        "year_to": "to {}",
        "q": "matching “{}”",
    }


class FundedProjectFilter(ListFilterSet):
    sector = SlugsFilter(
        field_name="sector",
        queryset=Sector.objects.all(),
        to_field_name="code",
        help_text="a 5-digit OECD DAC CRS purpose code, e.g. 14022",
    )
    sector_category = SlugsFilter(
        field_name="sector__category",
        queryset=SectorCategory.objects.all(),
        to_field_name="code",
        help_text="a 3-digit DAC sector category code, e.g. 140",
    )
    city = SlugsFilter(field_name="city", queryset=City.objects.all())
    programme = SlugsFilter(field_name="programme", queryset=Programme.objects.all())
    funder = SlugsFilter(field_name="funders", queryset=Partner.objects.all())
    partner = SlugsFilter(method="filter_partner", queryset=Partner.objects.all())
    instrument = ChoicesFilter(choices=FundedProject.Instrument.choices)
    status = ChoicesFilter(choices=FundedProject.Status.choices)
    year_from = YearFilter(method="filter_year_from", label="active in or after year")
    year_to = YearFilter(method="filter_year_to", label="active in or before year")

    phrases = ListFilterSet.phrases | {
        "sector": "in sector {}",
        "sector_category": "in sector category {}",
        "funder": "funded by {}",
        "instrument": "by instrument {}",
    }

    # A project's known period: its own years, else its programme's start and the year its
    # status was stated.
    @staticmethod
    def _period(queryset):
        return queryset.annotate(
            period_start=Coalesce("start_year", ExtractYear("programme__date")),
            period_end=Coalesce("end_year", ExtractYear("status_date")),
        )

    def filter_year_from(self, queryset, name, value):
        return self._period(queryset).filter(period_end__gte=value)

    def filter_year_to(self, queryset, name, value):
        return self._period(queryset).filter(period_start__lte=value)

    def filter_partner(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(funders__in=value) | Q(implementers__in=value)).distinct()


class ProgrammeFilter(ListFilterSet):
    city = SlugsFilter(field_name="participations__city", queryset=City.objects.all())
    partner = SlugsFilter(field_name="participations__partner", queryset=Partner.objects.all())
    role = ChoicesFilter(field_name="participations__role", choices=Role.choices)
    kind = ChoicesFilter(choices=Programme.Kind.choices)
    status = ChoicesFilter(choices=Programme.Status.choices)
    year_from = YearFilter(method="filter_year_from", label="active in or after year")
    year_to = YearFilter(
        field_name="date__year", lookup_expr="lte", label="began in or before year"
    )

    phrases = ListFilterSet.phrases | {"role": "with role {}"}

    def filter_year_from(self, queryset, name, value):
        return queryset.filter(
            Q(end_date__year__gte=value) | Q(end_date__isnull=True, date__isnull=False)
        )


class PartnerFilter(ListFilterSet):
    kind = ChoicesFilter(choices=Partner.Kind.choices)
    country = ChoicesFilter(choices=lambda: _countries(Partner))
    city = SlugsFilter(field_name="city", queryset=City.objects.all())


class PersonFilter(ListFilterSet):
    organisation = SlugsFilter(field_name="organisation", queryset=Partner.objects.all())

    phrases = ListFilterSet.phrases | {"organisation": "of {}"}


class CityFilter(ListFilterSet):
    country = ChoicesFilter(choices=lambda: _countries(City))


class AwardFilter(ListFilterSet):
    recipient = SlugsFilter(field_name="recipient", queryset=City.objects.all())
    conferred_by = SlugsFilter(field_name="conferred_by", queryset=Partner.objects.all())
    recommended_by = SlugsFilter(field_name="recommended_by", queryset=Partner.objects.all())
    year_from = YearFilter(field_name="year", lookup_expr="gte", label="in or after year")
    year_to = YearFilter(field_name="year", lookup_expr="lte", label="in or before year")

    phrases = ListFilterSet.phrases | {
        "recipient": "awarded to {}",
        "conferred_by": "conferred by {}",
        "recommended_by": "recommended by {}",
    }


class MilestoneFilter(ListFilterSet):
    city = SlugsFilter(field_name="cities", queryset=City.objects.all())
    programme = SlugsFilter(field_name="programme", queryset=Programme.objects.all())
    partner = SlugsFilter(field_name="partners", queryset=Partner.objects.all())
    kind = ChoicesFilter(choices=Milestone.Kind.choices)
    year_from = YearFilter(method="filter_year_from", label="in or after year")
    year_to = YearFilter(field_name="date__year", lookup_expr="lte", label="in or before year")

    def filter_year_from(self, queryset, name, value):
        # A decade or a year reaches into later years: compare with the end of its span.
        return queryset.filter(
            Q(date__year__gte=value) | Q(date_precision="decade", date__year__gte=value - 9)
        )


class StatementFilter(ListFilterSet):
    city = SlugsFilter(field_name="city", queryset=City.objects.all())
    programme = SlugsFilter(field_name="programme", queryset=Programme.objects.all())
    topic = ChoicesFilter(choices=Statement.Topic.choices)

    phrases = ListFilterSet.phrases | {"topic": "on topic {}"}


class SourceFilter(ListFilterSet):
    kind = ChoicesFilter(choices=Source.Kind.choices)


def _countries(model):
    # Without the model's ordering, which DISTINCT would otherwise include (every partner's
    # name: 5,000 rows for fourteen countries).
    codes = model.objects.exclude(country="").order_by().values_list("country", flat=True)
    return [(code, code) for code in sorted(codes.distinct())]
