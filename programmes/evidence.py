"""Evidence per value: for each factual field, the source's words or the catalogue's note.

Every record (and every participation, and each source's own description) carries an `evidence`
JSON object that the loader builds from the fixtures, one entry per non-empty factual field, in the
order of the model's fields::

    {"name": {"status": "stated", "note": "", "passages": [[2291, 2318]]},
     "kind": {"status": "interpreted", "note": "The catalogue's classification …",
              "passages": [[2291, 2318]]}}

- *stated*: the value is what the cited words say; `passages` are their spans (start, end: code
  points of the source text, end exclusive). A value presented as the source's words (every
  `*_as_stated` field) is a verbatim slice of one of them.
- *interpreted*: the value is the catalogue's reading; `note` says how it was derived, and
  `passages` (possibly none, for reference data the sources do not touch) are the words it rests on.

Every evidence passage is also one of the record's `passages`, so a page that prefetches
`passages` shows evidence without another query. The API the pages use::

    record.evidence_for("status")   # -> Evidence or None
    record.evidence_list()          # -> [Evidence, …] in field order
    ev.status, ev.is_stated, ev.is_interpreted, ev.note, ev.passages  # Passage objects

`record.interpretations` (field -> note) is still filled for the interpreted fields, so code that
reads it keeps working.
"""

from dataclasses import dataclass, field

STATED = "stated"
INTERPRETED = "interpreted"
STATUSES = (STATED, INTERPRETED)

# Fields that are bookkeeping, not facts: they need no evidence of their own. A date's precision
# and its "inferred" flag belong to the date's evidence; a source's text and hash are the source,
# and the address and day its copy was read at are the catalogue's record of that copy.
NOT_FACTUAL = {
    "id",
    "slug",
    "interpretations",
    "evidence",
    "passages",
    "date_precision",
    "end_date_precision",
    "date_inferred",
    "date_inference",
    "text",
    "sha256",
    "filename",
    "address",
    "accessed",
    "language",
    "coverage",
    "uncatalogued",
    "programme_participation",
}
# A key of `evidence` that is no field: the record itself, where how the source's words divide
# into records is a reading (the nine projects of one sentence).
RECORD_KEY = "record"
# Values meaning "the source says nothing": such a field needs no evidence.
EMPTY_VALUES = (None, "", [], "unknown")


def factual_fields(model, exclude=()):
    """Names of the fields of `model` that state a fact and so need evidence, in model order."""
    names = []
    for f in model._meta.get_fields():
        if f.auto_created or not f.concrete and not f.many_to_many:
            continue
        if f.many_to_many and not f.remote_field.through._meta.auto_created:
            continue  # read through rows that carry their own evidence (a milestone's cities)
        if f.name in NOT_FACTUAL or f.name in exclude or not f.editable:
            continue  # bookkeeping, or derived by the load (a record's search text)
        names.append(f.name)
    return names


def is_empty(value):
    return value in EMPTY_VALUES or value == {}


def is_as_stated(name):
    """A field whose value is presented as the source's own words."""
    return name.endswith("_as_stated")


@dataclass(frozen=True)
class Evidence:
    """One field's evidence, its passages resolved to Passage objects."""

    field: str
    status: str
    note: str = ""
    passages: list = field(default_factory=list)

    @property
    def is_stated(self):
        return self.status == STATED

    @property
    def is_interpreted(self):
        return self.status == INTERPRETED

    @property
    def sources(self):
        """The sources its words are in, in the order of its passages: more than one where a
        source states a value another source states too."""
        found = []
        for passage in self.passages:
            if passage.source not in found:
                found.append(passage.source)
        return found


def resolve(record, name, passages=None):
    """`record`'s evidence for `name` with its passages taken from `passages` (by default the
    record's own `passages`, which a page has prefetched), or None if the field has none."""
    entry = (record.evidence or {}).get(name)
    if not entry:
        return None
    if passages is None:
        passages = record.passages.all()
    by_span = {(p.start, p.end): p for p in passages}
    return Evidence(
        field=name,
        status=entry["status"],
        note=entry.get("note", ""),
        passages=[
            by_span[tuple(span)] for span in entry.get("passages", []) if tuple(span) in by_span
        ],
    )


def validate_entries(evidence):
    """Problems with a stored evidence object (the loader writes it; fixtures of a dump may not)."""
    problems = []
    if not isinstance(evidence, dict):
        return ["must be an object of field: {status, note, passages}"]
    for name, entry in evidence.items():
        if not isinstance(entry, dict) or entry.get("status") not in STATUSES:
            problems.append(f"{name!r}: status must be one of {', '.join(STATUSES)}")
            continue
        if entry["status"] == INTERPRETED and not str(entry.get("note", "")).strip():
            problems.append(f"{name!r}: an interpreted value needs a note")
        if entry["status"] == STATED and not entry.get("passages"):
            problems.append(f"{name!r}: a stated value needs its passage")
        for span in entry.get("passages", []):
            if not (
                isinstance(span, list)
                and len(span) == 2
                and all(isinstance(n, int) for n in span)
                and span[0] < span[1]
            ):
                problems.append(f"{name!r}: a passage is [start, end]")
    return problems


def is_catalogues_wording(record, name):
    """Whether a record's name (`name`: its title field) is the catalogue's wording rather than
    words the sources state — and so must say so wherever it stands alone, as in a page's title
    or a share card."""
    entry = (getattr(record, "evidence", None) or {}).get(name) or {}
    return entry.get("status") != STATED
