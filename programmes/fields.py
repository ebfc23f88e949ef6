"""The declaration of a kind's fields: each written once, in its kind's entry (`programmes.kinds`).

A `Field` says what one field of a record is in every channel that carries it:

- its name in the JSON and CSV twins, and what it reads: `values()` lookups (`"programme__slug"`)
  or a `Related` relation, walked on a model instance for the JSON and read by one query for the
  CSV, so the two cannot say different things;
- `show`, which makes the JSON value of what it read (the CSV cell is that value as text: a list
  joined with "; ", unless `cell` says otherwise);
- the evidence entry it carries (`evidence`, by default the model field its first lookup starts
  from: `city_name` shows the evidence of `city`), a reader's `label` and its `tier`: a fact, a
  classification or reference data (how quietly a page marks its interpretation);
- whether a list's words (`q`) and `/search/` match it (`words`), and the list's sort parameter it
  gives (`sort`).

The list headings, sort keys, filter words, search fields, JSON and CSV all read these.
"""

import json
from dataclasses import dataclass

# How a value's interpretation is shown on a page (the `evidence` tags): a fact's by a quiet
# marker beside it; a classification's, a reference value's or the catalogue's wording of a title
# or summary (whose source words stand under it) once for the page, every value keeping its
# status in the HTML and its note in the page's folded evidence table.
FACT = "fact"
CLASSIFICATION = "classification"
REFERENCE = "reference"
WORDING = "wording"
TIERS = (FACT, CLASSIFICATION, REFERENCE, WORDING)


@dataclass(frozen=True)
class Related:
    """The records of a relation (`name`: many-to-many or reverse foreign key) of each row, in
    their model's order, each as the list of its `fields` (lookups)."""

    name: str
    fields: tuple


def text(value):
    """A value as it stands (the JSON value of a plain column)."""
    return value


def iso(value):
    return value.isoformat() if value else None


def decimal(value):
    return str(value) if value is not None else None


def named(name, detail):
    """str() of a city ("name (native name)") or a partner ("name (acronym)"); None for none."""
    if name is None:
        return None
    return f"{name} ({detail})" if detail else name


def firsts(rows):
    """The first value of each related row (their slugs)."""
    return [row[0] for row in rows]


def named_rows(rows):
    """The names of related partners or cities, each as its str()."""
    return [named(*row[1:3]) for row in rows]


def choice_label(model, field):
    """The label of a field's choice ("kind_name"), for any value it takes."""
    labels = {str(k): str(v) for k, v in model._meta.get_field(field).flatchoices}
    return lambda value: None if value is None else labels.get(value, value)


def as_json(value):
    """A JSON column as the CSV query reads it (text) or as an instance holds it (a dict)."""
    return json.loads(value) if isinstance(value, str) else value


def csv_text(value):
    """A JSON value as one CSV cell."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value
    if isinstance(value, list):
        return "; ".join(csv_text(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Field:
    name: str
    reads: tuple = ()
    show: object = text
    cell: object = None  # JSON value -> CSV text, where csv_text does not say it
    label: str = ""
    evidence: str = ""  # the evidence entry it shows; by default its first lookup's field
    tier: str = FACT
    words: bool = False  # a list's `q` and `/search/` match it
    sort: str = ""  # the `sort` parameter that orders a list by it
    in_json: bool = True
    after_citations: bool = False  # a CSV column placed after the citation columns

    def __post_init__(self):
        if not self.reads:
            object.__setattr__(self, "reads", (self.name,))
        if not self.evidence:
            first = self.reads[0]
            head = first.name if isinstance(first, Related) else first.split("__")[0]
            object.__setattr__(self, "evidence", head)
        assert self.tier in TIERS, self.tier

    @property
    def lookup(self):
        """The model lookup its sort and words read."""
        return self.reads[0]

    def value(self, record):
        """The JSON value of `record` (a model instance, its relations prefetched)."""
        return self.show(*[_walk(record, read) for read in self.reads])

    def csv(self, *values):
        """The CSV cell of the values its lookups read in one query."""
        value = self.show(*values)
        return self.cell(value) if self.cell else csv_text(value)


def _walk(record, read):
    if isinstance(read, Related):
        return [[_walk(row, f) for f in read.fields] for row in getattr(record, read.name).all()]
    value = record
    for part in read.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def field(name, *reads, **options):
    """A `Field`: `field("city", "city__slug")`, `field("name", words=True, sort="name")`."""
    return Field(name, reads, **options)


def date_end(date, precision):
    """The last day of a date at its precision (a year's 31 December)."""
    from .models import DatedMixin

    return iso(DatedMixin.date_end.fget(_Dated(date, precision)))


@dataclass(frozen=True)
class _Dated:
    date: object
    date_precision: str


def participants(rows):
    """A programme's participants: (city slug, name, native name, partner slug, name, acronym,
    role, note, evidence) rows as the JSON gives them."""
    return [
        {
            "city": row[0],
            "partner": row[3],
            "name": named(*row[1:3]) or named(*row[4:6]),
            "role": row[6],
            "note": row[7],
        }
        for row in rows
    ]


def participant_slugs(kind):
    """The slugs of the cities (`kind` "city") or organisations ("partner") among participants
    rows, each once, in the participants' order."""
    column = 0 if kind == "city" else 3

    def slugs(rows):
        return list(dict.fromkeys(row[column] for row in rows if row[column] is not None))

    return slugs


def participants_cell(value):
    return "; ".join(f"{p['name']} ({p['role']})" for p in value)


def participants_evidence(rows):
    """Each participant's role and the status of what it rests on, for one CSV cell."""
    parts = []
    for row in rows:
        role = (as_json(row[8]) or {}).get("role")
        if role:
            note = role.get("note", "")
            note = f" — {note}" if note else ""
            name = named(*row[1:3]) or named(*row[4:6])
            parts.append(f"{name} ({row[6]}): {role['status']}{note}")
    return "\n".join(parts)


PARTICIPATIONS = Related(
    "participations",
    ("city__slug", "city__name", "city__native_name", "partner__slug", "partner__name")
    + ("partner__acronym", "role", "note", "evidence"),
)
