"""Build the whole catalogue from `fixtures/` in one transaction, or change nothing.

Fixture authors write quotes; this module finds each quote in its source text, stores its
offsets and 32 characters of context, and refuses anything it cannot prove: a quote not in the
source, an ambiguous quote, a source whose SHA-256 differs, an unknown sector code, a record with
no citation, a reference to a record that does not exist, a duplicate slug. Every error names the
fixture file, the record and the field.
"""

import csv
import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ..kinds import LOADED, counts
from ..models import (
    CONTEXT_CHARS,
    Award,
    CatalogueVersion,
    City,
    FundedProject,
    Milestone,
    Participation,
    Partner,
    Passage,
    Person,
    Programme,
    Sector,
    SectorCategory,
    Source,
)


class LoadError(Exception):
    def __init__(self, file, record, field_name, message):
        self.file, self.record, self.field, self.message = file, record, field_name, message
        where = f"{file}: {record}" if record else str(file)
        if field_name:
            where += f": field '{field_name}'"
        super().__init__(f"{where}: {message}")


# model name in fixtures -> (model, foreign keys {field: model name}, m2m fields), from the registry
RECORD_KINDS = {
    kind.fixture: (kind.model, kind.fixture_references, kind.fixture_many) for kind in LOADED
}
LOAD_ORDER = list(RECORD_KINDS)
DATE_FIELDS = {"date", "end_date", "status_as_of", "status_date"}
DECIMAL_FIELDS = {"amount", "total_investment", "latitude", "longitude"}
RESERVED = {"model", "slug", "cite", "interpretations", "participants", "extend"}


@dataclass
class SourceFile:
    source: Source
    fixture: Path


@dataclass
class Plan:
    """Everything read from the fixtures, validated, before the database is touched."""

    sources: dict = field(default_factory=dict)  # slug -> SourceFile
    passages: dict = field(default_factory=dict)  # (source slug, start, end) -> Passage
    records: dict = field(default_factory=lambda: {k: {} for k in LOAD_ORDER})
    cites: dict = field(default_factory=dict)  # (kind, slug) -> [passage keys]
    participations: list = field(default_factory=list)
    m2m: dict = field(default_factory=dict)  # (kind, slug) -> {field: [slugs]}
    origin: dict = field(default_factory=dict)  # (kind, slug) -> fixture file


def fixtures_version(fixtures_dir):
    """A hash of every fixture file's name and bytes: the catalogue version."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(fixtures_dir).rglob("*") if p.is_file()):
        if path.suffix not in (".json", ".txt", ".csv"):
            continue
        digest.update(str(path.relative_to(fixtures_dir)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def read_sectors(path):
    categories, sectors = {}, {}
    with open(path, encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            code = row["code"].strip()
            if code in sectors:
                raise LoadError(path, f"sector {code} (line {n})", "code", "duplicate code")
            categories.setdefault(
                row["category_code"],
                SectorCategory(code=row["category_code"], name=row["category_name"]),
            )
            sectors[code] = Sector(
                code=code,
                name=row["name"],
                category_id=row["category_code"],
                status=row["status"],
                description=row["description"],
            )
    return categories, sectors


def find_quote(text, spec, where):
    """Locate a quote in a source text: (start, end); `occurrence` or `prefix` disambiguate."""
    file, record = where
    quote = spec["quote"]
    if not quote:
        raise LoadError(file, record, "cite", "empty quote")
    starts, i = [], text.find(quote)
    while i != -1:
        starts.append(i)
        i = text.find(quote, i + 1)
    if not starts:
        raise LoadError(file, record, "cite", f"quote not found in source: {quote[:80]!r}")
    if "prefix" in spec:
        starts = [s for s in starts if text[:s].endswith(spec["prefix"])]
        if not starts:
            raise LoadError(
                file, record, "cite", f"no occurrence of {quote[:60]!r} has that prefix"
            )
    if "occurrence" in spec:
        n = spec["occurrence"]
        if not isinstance(n, int) or not 1 <= n <= len(starts):
            raise LoadError(
                file, record, "cite", f"occurrence {n!r} of {quote[:60]!r}: found {len(starts)}"
            )
        starts = [starts[n - 1]]
    if len(starts) > 1:
        raise LoadError(
            file,
            record,
            "cite",
            f"ambiguous quote {quote[:60]!r} occurs {len(starts)} times; "
            "give 'occurrence' or 'prefix'",
        )
    return starts[0], starts[0] + len(quote)


def _convert(model, name, value, where):
    file, record = where
    try:
        if value is None:
            return None
        if name in DATE_FIELDS:
            return datetime.date.fromisoformat(value)
        if name in DECIMAL_FIELDS:
            return Decimal(str(value))
    except (ValueError, TypeError, InvalidOperation):
        raise LoadError(file, record, name, f"invalid value {value!r}") from None
    return value


class Loader:
    def __init__(self, fixtures_dir):
        self.dir = Path(fixtures_dir)
        self.plan = Plan()

    def rel(self, path):
        try:
            return str(Path(path).relative_to(self.dir.parent))
        except ValueError:
            return str(path)

    # --- reading ------------------------------------------------------------------------------

    def read(self):
        self.categories, self.sectors = read_sectors(self.dir / "sectors.csv")
        files = sorted((self.dir / "records").glob("*.json"))
        if not files:
            raise LoadError(self.dir / "records", "", "", "no fixture files")
        documents = []
        for path in files:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise LoadError(self.rel(path), "", "", f"not valid JSON: {exc}") from None
            documents.append((path, doc))
            self.read_source(path, doc.get("source"))
        # Sources first: a record may cite another document, or extend a record from another file.
        for path, doc in documents:
            records = doc.get("records", [])
            if not isinstance(records, list):
                raise LoadError(self.rel(path), "", "records", "must be a list of records")
            for item in records:
                if not isinstance(item, dict):
                    raise LoadError(self.rel(path), "", "records", "each record is an object")
                self.read_record(path, item, doc["source"]["slug"])
        self.check_references()

    def read_source(self, path, data):
        file = self.rel(path)
        if not isinstance(data, dict):
            raise LoadError(file, "", "source", "each fixture file describes its source document")
        slug = data.get("slug", "")
        where = f"source '{slug}'"
        if slug in self.plan.sources:
            raise LoadError(file, where, "slug", "duplicate slug")
        text_path = self.dir / "sources" / data.get("file", "")
        try:
            raw = text_path.read_bytes()
        except OSError:
            raise LoadError(file, where, "file", f"cannot read {data.get('file')!r}") from None
        actual = hashlib.sha256(raw).hexdigest()
        if actual != data.get("sha256"):
            raise LoadError(
                file,
                where,
                "sha256",
                f"{data.get('file')} hashes to {actual}, not {data.get('sha256')}",
            )
        fields = {k: v for k, v in data.items() if k not in ("file", "slug")}
        for k in list(fields):
            fields[k] = _convert(Source, k, fields[k], (file, where))
        try:
            source = Source(slug=slug, filename=data["file"], text=raw.decode("utf-8"), **fields)
        except TypeError as exc:
            raise LoadError(file, where, "", f"unknown field: {exc}") from None
        self.validate(source, file, where, exclude=["slug", "filename"])
        self.plan.sources[slug] = SourceFile(source, path)

    def cite(self, path, where, default_source, specs):
        file = self.rel(path)
        if not isinstance(specs, list) or not specs:
            raise LoadError(file, where, "cite", "every record cites at least one passage")
        keys = []
        for spec in specs:
            if isinstance(spec, str):
                spec = {"quote": spec}
            slug = spec.get("source", default_source)
            if slug not in self.plan.sources:
                raise LoadError(file, where, "cite", f"unknown source {slug!r}")
            text = self.plan.sources[slug].source.text
            start, end = find_quote(text, spec, (file, where))
            key = (slug, start, end)
            if key not in self.plan.passages:
                self.plan.passages[key] = Passage(
                    start=start,
                    end=end,
                    quote=text[start:end],
                    prefix=text[max(0, start - CONTEXT_CHARS) : start],
                    suffix=text[end : end + CONTEXT_CHARS],
                )
            keys.append(key)
        return keys

    def read_record(self, path, item, default_source):
        file = self.rel(path)
        kind, slug = item.get("model"), item.get("slug", "")
        if kind not in RECORD_KINDS:
            raise LoadError(file, f"record '{slug}'", "model", f"unknown model {kind!r}")
        where = f"{kind} '{slug}'"
        model, fks, m2ms = RECORD_KINDS[kind]
        key = (kind, slug)
        if item.get("extend"):
            # Another document's citations of a record defined elsewhere.
            extra = set(item) - {"model", "slug", "extend", "cite"}
            if extra:
                raise LoadError(file, where, sorted(extra)[0], "an 'extend' entry only adds 'cite'")
            self.plan.cites.setdefault(key, []).extend(
                self.cite(path, where, default_source, item.get("cite"))
            )
            self.plan.origin.setdefault(("extend", kind, slug), file)
            return
        if slug in self.plan.records[kind]:
            raise LoadError(file, where, "slug", "duplicate slug")
        fields = {k: v for k, v in item.items() if k not in RESERVED}
        m2m_values = {name: fields.pop(name) for name in list(fields) if name in m2ms}
        fk_values = {name: fields.pop(name) for name in list(fields) if name in fks}
        concrete = {f.name for f in model._meta.get_fields()}
        for name, value in list(fields.items()):
            if name not in concrete:
                raise LoadError(file, where, name, f"{model.__name__} has no such field")
            fields[name] = _convert(model, name, value, (file, where))
        obj = model(slug=slug, interpretations=item.get("interpretations", {}), **fields)
        obj._fk_slugs = fk_values
        self.plan.records[kind][slug] = obj
        self.plan.origin[key] = file
        self.plan.m2m[key] = m2m_values
        self.plan.cites.setdefault(key, []).extend(
            self.cite(path, where, default_source, item.get("cite"))
        )
        for n, part in enumerate(item.get("participants", []), start=1):
            pwhere = f"{where} participant {n}"
            extra = set(part) - {"city", "partner", "role", "note", "cite"}
            if extra:
                raise LoadError(file, pwhere, sorted(extra)[0], "unknown field")
            self.plan.participations.append(
                (
                    file,
                    pwhere,
                    slug,
                    part,
                    self.cite(path, pwhere, default_source, part.get("cite")),
                )
            )

    def lookup(self, kind, slug, file, where, field_name):
        if kind == "sector":
            if str(slug) not in self.sectors:
                raise LoadError(file, where, field_name, f"unknown sector code {slug!r}")
            return self.sectors[str(slug)]
        obj = self.plan.records[kind].get(slug)
        if obj is None:
            raise LoadError(file, where, field_name, f"no {kind} with slug {slug!r}")
        return obj

    def check_references(self):
        plan = self.plan
        for key, file in plan.origin.items():
            if key[0] == "extend":
                _, kind, slug = key
                if slug not in plan.records[kind]:
                    raise LoadError(file, f"{kind} '{slug}'", "slug", "extends no such record")
        for kind in LOAD_ORDER:
            model, fks, m2ms = RECORD_KINDS[kind]
            for slug, obj in plan.records[kind].items():
                file, where = plan.origin[(kind, slug)], f"{kind} '{slug}'"
                for name, ref in obj._fk_slugs.items():
                    if ref is not None:
                        self.lookup(fks[name], ref, file, where, name)
                for name, refs in plan.m2m[(kind, slug)].items():
                    if not isinstance(refs, list):
                        raise LoadError(file, where, name, "must be a list of slugs")
                    for ref in refs:
                        self.lookup(m2ms[name], ref, file, where, name)
        for file, where, _programme, part, _keys in plan.participations:
            if ("city" in part) == ("partner" in part):
                raise LoadError(file, where, "city", "a participant is either a city or a partner")
            kind = "city" if "city" in part else "partner"
            self.lookup(kind, part[kind], file, where, kind)

    def validate(self, obj, file, where, exclude=()):
        # A foreign key the loader resolved to a record of its own needs no query to prove that
        # the record exists (full_clean would make one per key); an unset one is still checked.
        resolved = [
            f.name
            for f in obj._meta.concrete_fields
            if f.is_relation and getattr(obj, f.attname) is not None
        ]
        try:
            obj.full_clean(
                exclude=[*exclude, *resolved], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            name, messages = next(iter(exc.message_dict.items()))
            raise LoadError(file, where, name, "; ".join(messages)) from None

    # --- writing ------------------------------------------------------------------------------

    @transaction.atomic
    def write(self):
        plan = self.plan
        for model in (
            Participation,
            Milestone,
            FundedProject,
            Award,
            Programme,
            Person,
            Partner,
            City,
            Passage,
            Source,
            Sector,
            SectorCategory,
            CatalogueVersion,
        ):
            model.objects.all().delete()
        SectorCategory.objects.bulk_create(self.categories.values())
        Sector.objects.bulk_create(self.sectors.values())

        for pk, sf in enumerate(plan.sources.values(), start=1):
            sf.source.pk = pk
            sf.source.save(force_insert=True)
        passage_pk = {}
        for pk, key in enumerate(sorted(plan.passages), start=1):
            passage = plan.passages[key]
            passage.pk = pk
            passage.source = plan.sources[key[0]].source
            self.validate(passage, self.rel(plan.sources[key[0]].fixture), f"passage {key}")
            passage_pk[key] = pk
        Passage.objects.bulk_create(plan.passages.values())

        links = {}  # through model -> its rows, inserted in bulk once every record is saved
        for kind in LOAD_ORDER:
            model, fks, m2ms = RECORD_KINDS[kind]
            for pk, (slug, obj) in enumerate(plan.records[kind].items(), start=1):
                file, where = plan.origin[(kind, slug)], f"{kind} '{slug}'"
                obj.pk = pk
                for name, ref in obj._fk_slugs.items():
                    setattr(
                        obj,
                        name,
                        None if ref is None else self.lookup(fks[name], ref, file, where, name),
                    )
                self.validate(obj, file, where)
                self.insert(obj, file, where)
                for name, refs in plan.m2m[(kind, slug)].items():
                    targets = [self.lookup(m2ms[name], r, file, where, name) for r in refs]
                    self.link(links, obj, name, {t.pk for t in targets})
                self.link(links, obj, "passages", {passage_pk[k] for k in plan.cites[(kind, slug)]})

        for n, (file, where, programme, part, keys) in enumerate(plan.participations, start=1):
            p = Participation(
                pk=n,
                programme=plan.records["programme"][programme],
                city=self.lookup("city", part["city"], file, where, "city")
                if "city" in part
                else None,
                partner=(
                    self.lookup("partner", part["partner"], file, where, "partner")
                    if "partner" in part
                    else None
                ),
                role=part.get("role", ""),
                note=part.get("note", ""),
            )
            self.validate(p, file, where)
            self.insert(p, file, where)
            self.link(links, p, "passages", {passage_pk[k] for k in keys})
        for through, rows in links.items():
            through.objects.bulk_create(rows)

        self.reset_sequences()
        version = CatalogueVersion.objects.create(
            version=fixtures_version(self.dir), loaded_at=timezone.now(), counts=counts()
        )
        return version

    @staticmethod
    def link(links, obj, name, target_pks):
        """Rows of `obj`'s many-to-many field `name` to the records `target_pks`, in pk order."""
        field = obj._meta.get_field(name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        links.setdefault(through, []).extend(
            through(**{f"{source}_id": obj.pk, f"{target}_id": pk}) for pk in sorted(target_pks)
        )

    @staticmethod
    def insert(obj, file, where):
        """Save a validated record. The database enforces every named constraint as the row goes
        in (no query per constraint beforehand); a violation names the record and rolls back."""
        try:
            obj.save(force_insert=True)
        except IntegrityError as exc:  # write() is atomic: raising rolls the whole load back
            raise LoadError(file, where, "", f"violates a constraint: {exc}") from None

    def reset_sequences(self):
        from django.core.management.color import no_style

        models = [Source, Passage, Participation] + [m for m, _, _ in RECORD_KINDS.values()]
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def load_catalogue(fixtures_dir):
    loader = Loader(fixtures_dir)
    loader.read()
    return loader.write()
