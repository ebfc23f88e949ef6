"""A record's values as every channel shows them: each value with its evidence.

What a channel shows of a record is a `Value`, never a raw model field: the value, its status
("stated", "interpreted", or "" for a value that needs no evidence: empty, or bookkeeping), the
catalogue's note, the passages that state it or that it rests on, and its tier (a fact, a
classification or reference data: `programmes.fields`). Each channel's renderer decides how a
status looks there — the pages' markers (templatetags), the JSON's and CSV's evidence
(formats.exports), the JSON-LD's qualifications (formats.schema_org), the meta descriptions,
search hits and share cards — and none shows an interpreted value bare.

The words shown under a value or a record are `Value.quotation` or `quotation(record)`: one of
the passages its evidence names, never merely the record's first passage.
"""

from dataclasses import dataclass

from . import evidence as ev
from .fields import FACT


@dataclass(frozen=True)
class Value:
    field: str  # the evidence entry (a model field, or "record")
    value: object
    status: str = ""
    note: str = ""
    passages: tuple = ()
    tier: str = FACT

    @property
    def quotation(self):
        """The words that state the value (or that it rests on): the shortest of its passages."""
        return min(self.passages, key=lambda p: len(p.quote)) if self.passages else None


def of(record, name, value=None, tier=FACT, passages=None):
    """`record`'s value of the evidence entry `name` with its evidence, its passages taken from
    the record's prefetched `passages` (or `passages`). `value` defaults to the attribute."""
    if value is None and name != ev.RECORD_KEY:
        value = getattr(record, name, None)
    entry = record.evidence_for(name, passages) if hasattr(record, "evidence_for") else None
    if entry is None:
        return Value(name, value, tier=tier)
    return Value(name, value, entry.status, entry.note, tuple(entry.passages), tier)


def quotation(record, title_field):
    """The words that state a record: the passage its name or title (`title_field`) rests on,
    else the one its division into records rests on, else its longest passage (the shortest is
    often a shared preamble: "In recent years"). From the prefetched passages: no query."""
    for name in (title_field, ev.RECORD_KEY):
        words = of(record, name, value="").quotation
        if words is not None:
            return words
    passages = list(record.passages.all()) if hasattr(record, "passages") else []
    return max(passages, key=lambda p: len(p.quote)) if passages else None
