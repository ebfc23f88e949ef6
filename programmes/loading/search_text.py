"""Each searched record's `search_text`, written at the end of every load (`writer.replace`).

The text is the kind's declaration read over the record (`Kind.search_text`): its own words, the
names of the records it names and its classifications in words, so that "JICA equipment" finds
the equipment JICA funded. It is derived from the rows just written; nothing else writes it.
"""

from django.db import connections

from ..kinds import SEARCHED

CHUNK = 2000


def write(using="default"):
    """Write the search text of every record of every searched kind from the values its
    searched fields read (one query per kind, read in chunks; no model instances), the texts
    written with one statement per chunk."""
    connection = connections[using]
    quote = connection.ops.quote_name
    for kind in SEARCHED:
        table = quote(kind.model._meta.db_table)
        sql = f"UPDATE {table} SET {quote('search_text')} = %s WHERE {quote('id')} = %s"
        rows = []
        with connection.cursor() as cursor:
            for pk, values in kind.search_rows(using):
                rows.append((kind.search_text(values), pk))
                if len(rows) == CHUNK:
                    cursor.executemany(sql, rows)
                    rows = []
            if rows:
                cursor.executemany(sql, rows)
