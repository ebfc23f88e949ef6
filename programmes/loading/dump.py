"""The whole catalogue as one JSON document, and back.

Shape (format "city-cooperation-catalogue-dump", version 1) — one key per table, rows in the
catalogue's own order, no database ids:

    {
      "format": "city-cooperation-catalogue-dump", "format_version": 1,
      "catalogue_version": "<SHA-256 of the tables below: content_version()>",
      "counts": {"sources": 2, ...},
      "sector_categories": [{"code", "name"}],
      "sectors": [{"code", "name", "category", "status", "description"}],
      "sources": [{"slug", "title", "kind", "filename", "author", ..., "text", "sha256"}],
      "passages": [{"id": "<source slug>:<start>-<end>", "source", "start", "end", "quote",
                    "prefix", "suffix"}],
      "cities" | "partners" | "people" | "programmes" | "awards" | "funded_projects" |
      "milestones": [{"slug", <every field>, "interpretations", "citations": [passage ids]}],
      "participations": [{"programme", "city", "partner", "role", "note", "evidence",
                          "citations"}],
      "milestone_participations": [{"milestone", "city", "partner", "role", "note", "evidence",
                                    "citations"}]
    }

A milestone's `cities` and `partners` are those of its participations (each in its role), so the
dump gives them once, there.

A reference to another row is its slug (a sector or category: its code; a passage: its id); a
many-to-many field is a list of those; dates are ISO 8601 strings and decimal amounts strings, so
nothing is rounded. `load_dump` writes such a document into the database in one transaction,
replacing what is there, checks every row as the fixture loader does and the catalogue as a whole
(`check_catalogue`), and records the version its content hashes to.
"""

import datetime
import hashlib
import json
from contextlib import contextmanager
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DataError, IntegrityError, models

from ..coverage import coverage as coverage_rows
from ..coverage import faults as coverage_faults
from ..kinds import LOADED, PARTICIPATING, counts, tables
from ..models import (
    CatalogueVersion,
    Passage,
    Sector,
    SectorCategory,
    Source,
)
from . import writer

FORMAT = "city-cooperation-catalogue-dump"
FORMAT_VERSION = 2  # 2: milestones' cities and organisations are participations with roles

# Dump key -> model, in the order rows can be created (each refers only to earlier ones).
TABLES = tables()
CITATIONS = "citations"  # the `passages` many-to-many field, by its meaning


class DumpError(Exception):
    pass


# What a value of an unexpected shape raises deep in the checks (a list where a slug belongs, an
# object where a date does): both loaders answer each with an error naming where it is, so no
# fixture or dump, however malformed, ends in a traceback (tests/test_loader_fuzz.py).
MALFORMED = (
    TypeError,
    ValueError,
    AttributeError,
    KeyError,
    IndexError,
    ArithmeticError,
    ObjectDoesNotExist,
)


def natural_key(model, row):
    """How the dump names a row: a code, a slug or a passage id; participations are unnamed."""
    if model in (Sector, SectorCategory):
        return row["code"]
    if model is Passage:
        return f"{row['source']}:{row['start']}-{row['end']}"
    return row.get("slug")


def _fields(model):
    """Every stored field but an automatic id (a sector's code is its primary key) and what a
    load derives (a record's `search_text`)."""
    fields = [
        f for f in model._meta.concrete_fields if f.editable and not isinstance(f, models.AutoField)
    ]
    return sorted(fields, key=lambda f: (f.name != "slug", f.name == "interpretations"))


def _links(model):
    """The many-to-many fields the dump writes as lists: not those read through a table of its
    own (a milestone's cities, which are its participations')."""
    return [f for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]


def _m2m_name(field):
    return CITATIONS if field.name == "passages" else field.name


def _to_json(field, value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _from_json(field, value, where):
    if value is None:
        return None
    try:
        if isinstance(field, models.DecimalField):
            return Decimal(str(value))
        if isinstance(field, models.DateField):
            return datetime.date.fromisoformat(value)
    except (ValueError, TypeError, ArithmeticError):
        raise DumpError(f"{where}: field '{field.name}': invalid value {value!r}") from None
    return value


# --- out ---------------------------------------------------------------------------------------


def dump_catalogue(version=None):
    """The whole catalogue as a JSON-ready dict; one query per table and per many-to-many.
    `version`: the catalogue version the request already read, if any."""
    data = {"format": FORMAT, "format_version": FORMAT_VERSION}
    version = version or CatalogueVersion.objects.current()
    data["catalogue_version"] = version.version if version else None
    data["counts"] = counts()
    data.update(dump_tables())
    return data


def dump_tables():
    """Every table of the dump, rows in the catalogue's order."""
    keys = {}  # model -> {pk: natural key}
    data = {}
    for name, model in TABLES.items():
        fields = _fields(model)
        rows, pks = [], []
        if any(f.is_relation and f.related_model is model for f in fields):
            # A programme that is part of another names it by slug, like any reference.
            keys[model] = dict(model.objects.values_list("pk", "slug"))
        for values in model.objects.order_by("pk").values("pk", *(f.attname for f in fields)):
            row = {}
            for f in fields:
                value = values[f.attname]
                if f.is_relation:
                    value = None if value is None else keys[f.related_model][value]
                row[f.name] = _to_json(f, value)
            if model is Passage:
                row = {"id": natural_key(model, row), **row}
            rows.append(row)
            pks.append(values["pk"])
        keys[model] = {pk: natural_key(model, row) for pk, row in zip(pks, rows, strict=True)}
        index = {pk: n for n, pk in enumerate(pks)}
        for f in _links(model):
            for row in rows:
                row[_m2m_name(f)] = []
            through = f.remote_field.through
            source_col = f.m2m_column_name()
            target_col = f.m2m_reverse_name()
            pairs = through.objects.order_by(target_col).values_list(source_col, target_col)
            for owner, target in pairs:
                rows[index[owner]][_m2m_name(f)].append(keys[f.related_model][target])
        data[name] = rows
    return data


# --- in ----------------------------------------------------------------------------------------


def load_dump(data):
    """Replace the catalogue with the dumped one; on any error nothing changes."""
    try:
        return _load_dump(data)
    except MALFORMED as exc:  # a shape no check above foresaw: still a message, not a traceback
        raise DumpError(f"malformed dump ({type(exc).__name__}: {exc})") from None


def _load_dump(data):
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DumpError(f"not a catalogue dump: 'format' must be {FORMAT!r}")
    if data.get("format_version") != FORMAT_VERSION:
        raise DumpError(f"unsupported format_version {data.get('format_version')!r}")
    return writer.replace(lambda: _fill(data))


def _fill(data):
    objects = {}  # model -> {natural key: object}
    for name, model in TABLES.items():
        rows = data.get(name)
        if not isinstance(rows, list):
            raise DumpError(f"'{name}' must be a list of rows")
        created, links = [], []
        by_name = {f.name: f for f in _fields(model)}
        m2m = {_m2m_name(f): f for f in _links(model)}
        for n, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise DumpError(f"{name}[{n}]: each row is an object of field: value")
            where = f"{name}[{n}] {_name_of(model, row)}".rstrip()
            unknown = set(row) - set(by_name) - set(m2m) - {"id"}
            if unknown:
                raise DumpError(f"{where}: unknown field '{sorted(unknown)[0]}'")
            values = {}
            for field_name, f in by_name.items():
                value = row.get(field_name)
                if f.is_relation and f.related_model is model:
                    continue  # a reference to a row of this table: set once all are created
                if f.is_relation and value is not None:
                    if not isinstance(value, str):
                        raise DumpError(f"{where}: field '{field_name}': a reference is a name")
                    target = objects[f.related_model].get(value)
                    if target is None:
                        raise DumpError(f"{where}: field '{field_name}': no row {value!r}")
                    value = target
                elif field_name in row:
                    value = _from_json(f, value, where)
                else:
                    continue
                values[field_name] = value
            obj = model(**values)
            if isinstance(model._meta.pk, models.AutoField):
                obj.pk = n
            try:
                obj.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                raise DumpError(f"{where}: {exc.messages[0]}") from None
            except MALFORMED as exc:
                raise DumpError(f"{where}: malformed row ({type(exc).__name__}: {exc})") from None
            created.append(obj)
            link = {name: row.get(name, []) for name in m2m}
            for m2m_name, refs in link.items():
                if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
                    raise DumpError(f"{where}: field '{m2m_name}': a list of names")
            links.append(link)
        with _refused_as_the_dumps_fault(name):
            model.objects.bulk_create(created)
        objects[model] = {natural_key(model, _row(obj)): obj for obj in created}
        for f in (f for f in by_name.values() if f.is_relation and f.related_model is model):
            for obj, row in zip(created, rows, strict=True):
                ref = row.get(f.name)
                if ref is not None:
                    if ref not in objects[model]:
                        raise DumpError(f"{name} {obj.slug}: field '{f.name}': no row {ref!r}")
                    setattr(obj, f.name, objects[model][ref])
            with _refused_as_the_dumps_fault(name):
                model.objects.bulk_update(created, [f.name])
        for m2m_name, f in m2m.items():
            through = f.remote_field.through
            targets = objects[f.related_model]
            pairs = []
            for obj, link in zip(created, links, strict=True):
                for ref in link[m2m_name]:
                    if ref not in targets:
                        raise DumpError(f"{name} {natural_key(model, _row(obj))}: no row {ref!r}")
                    pairs.append(
                        through(
                            **{f.m2m_field_name(): obj, f.m2m_reverse_field_name(): targets[ref]}
                        )
                    )
            with _refused_as_the_dumps_fault(name):
                through.objects.bulk_create(pairs)

    check_catalogue()
    # The version names the content: a dump changed by hand (an amount, a source text with its
    # hash recomputed) is refused if it still claims the version it was written under, and
    # loads under a version of its own if it claims none.
    version = content_version(data)
    stated = data.get("catalogue_version")
    if stated not in (None, version):
        raise DumpError(
            f"'catalogue_version' {str(stated)[:70]!r} names other content: the tables hash to "
            f"{version}; set it to null to load the changed catalogue under that version"
        )
    return version


def content_version(data):
    """The catalogue version of a dump's content: a SHA-256 of its tables, whatever the dump
    says of itself (its own `catalogue_version` and `counts` are left out)."""
    tables = {name: data.get(name) for name in TABLES}
    canonical = json.dumps(tables, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@contextmanager
def _refused_as_the_dumps_fault(table):
    """A write the database refuses (a duplicate name, a value too long for its column) is the
    dump's fault: name the table, roll everything back."""
    try:
        yield
    except (IntegrityError, DataError) as exc:
        raise DumpError(f"'{table}': the database refuses a row: {exc}") from None


def _name_of(model, row):
    try:
        name = natural_key(model, row)
    except (KeyError, TypeError):
        return ""
    return name if isinstance(name, str) else ""


def check_catalogue():
    """What the fixture loader proves of every catalogue, proved again of what was just written:
    a source to cite, every record citing a passage, evidence naming passages of its own record,
    every `*_as_stated` value a verbatim part of its evidence, and every sentence of every source
    accounted for with the coverage stored on the source."""
    if not Source.objects.exists():
        raise DumpError("a catalogue has at least one source document")
    for kind in LOADED:
        records = kind.model.objects.prefetch_related("passages")
        for record in records:
            where = f"{kind.dump_key} {record.slug}"
            passages = list(record.passages.all())
            if kind.cited and not passages:
                raise DumpError(f"{where}: cites no passage")
            _check_evidence(where, record, passages)
    for source in Source.objects.all():
        if _coverage(source) != source.coverage:
            raise DumpError(f"sources {source.slug}: 'coverage' is not what its citations give")
        contradicted, uncovered = coverage_faults(source.coverage)
        for row in contradicted:
            raise DumpError(
                f"sources {source.slug}: sentence [{row['start']}:{row['end']}] is cited by a "
                "record and marked as carrying no fact"
            )
        for row in uncovered:
            raise DumpError(
                f"sources {source.slug}: sentence [{row['start']}:{row['end']}] is cited by no "
                "record and not marked as carrying no fact"
            )


def _check_evidence(where, record, passages):
    spans = {(p.start, p.end): p for p in passages}
    for name, entry in (record.evidence or {}).items():
        quotes = []
        for span in entry.get("passages", []):
            if tuple(span) not in spans:
                raise DumpError(f"{where}: evidence for '{name}' names a passage it does not cite")
            quotes.append(spans[tuple(span)].quote)
        value = getattr(record, name, None) if name.endswith("_as_stated") else None
        if value and not any(value in quote for quote in quotes):
            raise DumpError(f"{where}: field '{name}': {value!r} is not in the words it cites")


def _coverage(source):
    """The source's coverage as the loader computes it, from the citations now in the database."""
    cited = []
    for kind in LOADED:
        rows = kind.model.objects.filter(passages__source=source).values_list(
            "slug", "passages__start", "passages__end"
        )
        cited += [((kind.fixture, slug), start, end) for slug, start, end in rows]
    for kind in PARTICIPATING:
        record = kind.participation.record_field()
        rows = kind.participation.objects.filter(passages__source=source).values_list(
            f"{record}__slug", "passages__start", "passages__end"
        )
        cited += [((kind.fixture, slug), start, end) for slug, start, end in rows]
    for entry in (source.evidence or {}).values():
        cited += [(("source", source.slug), start, end) for start, end in entry["passages"]]
    no_fact = {(r["start"], r["end"]): r["no_fact"] for r in source.coverage or [] if r["no_fact"]}
    return coverage_rows(source.text, cited, no_fact)


def _row(obj):
    if isinstance(obj, Passage):
        return {"source": obj.source.slug, "start": obj.start, "end": obj.end}
    return {"code": getattr(obj, "code", None), "slug": getattr(obj, "slug", None)}
