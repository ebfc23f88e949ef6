"""Facets: the values of one filter that a list's records take, with their counts.

A `Facet` owns everything about one facet, as datasette's facets do: the grouped query that
counts its values under the list's other filters (`rows`), the key under which those counts may
be kept (`cache_key`), and the values as shown, each with the link that adds or removes it
(`values`). The view decides whether the rows come from the cache.
"""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import Count, F, Max

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

        COUNT(DISTINCT) only where a record can appear twice in a group (a filter that joins a
        to-many relation, or `repeats_values`). Records without a value form no group: dropped
        here, or (for a related record's value) by the join that names the groups.
        """
        queryset = _filtered_without(filterset, self.param).order_by()
        distinct = queryset.query.distinct or repeats_values(queryset.model, self.value)
        count = Count("pk", distinct=distinct)
        related = self._related_model(queryset.model)
        if related is not None:
            return self._named_rows(queryset, related, count)
        counts = {"n": count}
        if self.name:
            counts["facet_name"] = Max(self.name)
        rows = (
            queryset.values(self.value)
            .annotate(**counts)
            .order_by("-n", "facet_name" if self.name else self.value)[: MAX_FACET_VALUES + 1]
        )
        return [row for row in rows if row[self.value] is not None][:MAX_FACET_VALUES]

    def _related_model(self, model):
        """The model whose records are this facet's values (a city for `city__slug`), or None
        for a value of the list's own records (a status)."""
        if not self.name or "__" not in self.value:
            return None
        path, _ = self.value.rsplit("__", 1)
        if self.name.rsplit("__", 1)[0] != path:
            return None
        for step in path.split("__"):
            field = model._meta.get_field(step)
            if not field.is_relation:
                return None
            model = field.related_model
        return model

    def _named_rows(self, queryset, related, count):
        """Counted by the key column alone (GROUP BY programme_id over the filtered records, no
        join), then the groups joined to the related table for their value and name, so that
        only the groups found read it, by primary key. Joining first, as `values("programme__
        slug")` does, makes PostgreSQL hash every programme (ten thousand on a large catalogue)
        for each facet of each list."""
        path = self.value.rsplit("__", 1)[0]
        counts = queryset.values(facet_key=F(path)).annotate(n=count).order_by()
        inner, params = counts.query.sql_with_params()
        connection = connections[queryset.db]
        quote = connection.ops.quote_name
        table = quote(related._meta.db_table)
        value = quote(related._meta.get_field(self.value.rsplit("__", 1)[1]).column)
        name = quote(related._meta.get_field(self.name.rsplit("__", 1)[1]).column)
        pk = quote(related._meta.pk.column)
        sql = (
            f"SELECT r.{value}, c.n, r.{name} FROM ({inner}) c JOIN {table} r"
            f" ON r.{pk} = c.facet_key ORDER BY c.n DESC, r.{name}, r.{value}"
            f" LIMIT {MAX_FACET_VALUES}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [
                {self.value: key, "n": n, "facet_name": label}
                for key, n, label in cursor.fetchall()
            ]

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
        return ["catalogue-facet", filterset.queryset.model._meta.label, self.param, others]

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
