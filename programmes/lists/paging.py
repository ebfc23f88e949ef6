"""Pages of a list, found by primary key first.

A list's page query joins what its rows show (a project's programme, city, sector and category)
and sorts by a related column (the programme's name). SQLite's planner then scans the whole table
and sorts it, although indexes give the order: it reads the programmes by name and each one's
projects by title only when the query joins nothing else. So the page's primary keys come from
that lean query (ordered, offset, limited), and its rows from a second one by those keys, with
every join and prefetch of the page's QuerySet method: two queries at any size.
"""

from django.core.paginator import Paginator


class KeysFirstPaginator(Paginator):
    """`first_keys`: the first page's keys in the list's order where the loader stored them
    (`loading.summaries`, for the list's own order only), read instead of sorting every row."""

    def __init__(self, object_list, per_page, first_keys=(), **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.first_keys = list(first_keys)

    def page_keys(self, number):
        """The primary keys of page `number`'s rows, in order."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom == 0 and (top <= len(self.first_keys) or len(self.first_keys) == self.count):
            return self.first_keys[:top]
        return list(self.object_list.values_list("pk", flat=True)[bottom:top])

    def page(self, number):
        number = self.validate_number(number)
        keys = self.page_keys(number)
        position = {key: n for n, key in enumerate(keys)}
        rows = sorted(
            self.object_list.filter(pk__in=keys).order_by(), key=lambda row: position[row.pk]
        )
        return self._get_page(rows, number, self)
