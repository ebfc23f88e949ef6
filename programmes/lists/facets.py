"""Facets: the values of one filter that a list's records take, with their counts.

A `Facet` owns everything about one facet, as datasette's facets do: the grouped query that
counts its values under the list's other filters (`rows`), the key under which those counts may
be kept (`cache_key`), and the values as shown, each with the link that adds or removes it
(`values`). The view decides whether the rows come from the cache.
"""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Max

from .parameters import PAGE_PARAMETERS, link

MAX_FACET_VALUES = 30


@dataclass
class FacetValue:
    value: str
    name: str
    count: int
    selected: bool
    url: str


@dataclass(frozen=True)
class Facet:
    param: str
    label: str
    value: str  # the lookup giving the parameter's value (slug or code)
    name: str | None = None  # the lookup giving its display name; None: use choices
    choices: tuple = ()  # (value, name) pairs, for a field with choices
    code_in_name: bool = False  # show "14022 Sanitation - large systems", not the name alone
    # Where the values are, for some or all records, the catalogue's reading rather than the
    # sources' words: the note the list shows with them (tests/test_interpretation_labels.py
    # checks it against the records' evidence).
    interpreted: str = ""

    def rows(self, filterset):
        """The values with their record counts: one grouped query, at most MAX_FACET_VALUES.

        Grouped by the value alone (a code, a slug or a foreign key column), its name taken with
        MAX: grouping by value and name misleads PostgreSQL's estimate of the groups into sorting
        the whole table. COUNT(DISTINCT) only where a record can appear twice in a group (a filter
        that joins a to-many relation, or `repeats_values`). Records without a value form one
        group, dropped here rather than excluded in SQL, where across a to-many relation the
        exclusion is a correlated subquery per record.
        """
        queryset = _filtered_without(filterset, self.param)
        distinct = queryset.query.distinct or repeats_values(queryset.model, self.value)
        counts = {"n": Count("pk", distinct=distinct)}
        if self.name:
            counts["facet_name"] = Max(self.name)
        rows = (
            queryset.order_by()
            .values(self.value)
            .annotate(**counts)
            .order_by("-n", "facet_name" if self.name else self.value)[: MAX_FACET_VALUES + 1]
        )
        return [row for row in rows if row[self.value] is not None][:MAX_FACET_VALUES]

    def cache_key(self, filterset):
        """The list, the facet and every other filter's values.

        A facet's counts ignore its own parameter, sorting and pagination, so
        `?sector=14022&page=3` and `?sector=14050` share the sector facet's entry.
        """
        others = sorted(
            (param, sorted(filterset.data.getlist(param)))
            for param in filterset.data
            if param not in (self.param, "sort", *PAGE_PARAMETERS)
        )
        return ["catalogue-facet", filterset._meta.model._meta.label, self.param, others]

    def values(self, rows, filterset, pairs):
        """The rows as shown: named, marked if selected, each linking to the list with it
        added or (if selected) removed."""
        selected = set(filterset.data.getlist(self.param))
        choices = dict(self.choices)
        values = []
        for row in rows:
            value = str(row[self.value])
            if value == "":  # a blank field (no country stated) is no value to filter by
                continue
            name = row["facet_name"] if self.name else choices.get(value, value)
            if self.code_in_name:
                name = f"{value} {name}"
            is_selected = value in selected
            url = (
                link(pairs, drop=(self.param, value))
                if is_selected
                else link(pairs, add=(self.param, value))
            )
            values.append(FacetValue(value, name, row["n"], is_selected, url))
        return values


def _filtered_without(filterset, skip):
    """The list's records under every active filter except `skip` (for that facet's counts)."""
    queryset = filterset.queryset.model._default_manager.all()
    for name, value in filterset.form.cleaned_data.items():
        if name in (skip, "sort") or value in (None, "", [], ()):
            continue
        queryset = filterset.filters[name].filter(queryset, value)
    return queryset


def repeats_values(model, path):
    """Whether one record can meet the same value of `path` twice, so that counting its rows
    would count it twice: through a reverse foreign key (a programme with one city in two roles)
    or two to-many steps. One many-to-many step cannot: its table holds each pair once."""
    steps = 0
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if field.one_to_many:
            return True
        if field.many_to_many:
            steps += 1
            if steps > 1 or not field.remote_field.through._meta.auto_created:
                return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False
