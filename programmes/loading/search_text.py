"""Each searched record's `search_text`, written at the end of every load (`writer.replace`).

The text is the kind's declaration read over the record (`Kind.search_text`): its own words, the
names of the records it names and its classifications in words, so that "JICA equipment" finds
the equipment JICA funded. It is derived from the rows just written; nothing else writes it.
"""

from django.db import connections

from ..kinds import SEARCHED

CHUNK = 2000


def write(using="default"):
    """Write the search text of every record of every searched kind: its relations read a chunk
    of records at a time, the texts written with one statement per chunk."""
    connection = connections[using]
    quote = connection.ops.quote_name
    for kind in SEARCHED:
        table = quote(kind.model._meta.db_table)
        sql = f"UPDATE {table} SET {quote('search_text')} = %s WHERE {quote('id')} = %s"
        records = kind.list_queryset("json").using(using).order_by("pk")
        rows = []
        with connection.cursor() as cursor:
            for record in records.iterator(chunk_size=CHUNK):
                rows.append((kind.search_text(record), record.pk))
                if len(rows) == CHUNK:
                    cursor.executemany(sql, rows)
                    rows = []
            if rows:
                cursor.executemany(sql, rows)
