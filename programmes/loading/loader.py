"""Build the whole catalogue from `fixtures/` in one transaction, or change nothing.

Fixture authors write quotes; this module finds each quote in its source text, stores its
offsets and 32 characters of context, and refuses anything it cannot prove: a quote not in the
source, an ambiguous quote, a source whose SHA-256 differs, an unknown sector code, a record with
no citation, a reference to a record that does not exist, a duplicate slug. Every error names the
fixture file, the record and the field.

It also refuses a value without evidence (see evidence.py): every non-empty factual field of every
record, participation and source description is either stated (`{"stated": [quotes]}`) or
interpreted (`{"interpreted": "how it was derived", "from": [quotes]}`); a value presented as the
source's words (every `*_as_stated` field, every wording in “curly quotes”) must be a verbatim
slice of its source; and every sentence of every source (see coverage.py) must be cited by a
record or marked in the fixtures as carrying no catalogued fact.

`Loader(fixtures, collect=True).read()` gathers every problem in `loader.problems` instead of
stopping at the first (what `manage.py check_fixtures` prints); a quote that is not found names
the nearest passage of the source and how the two differ.

This module is the plan that ties the loader's parts: `sectors.py` reads the DAC sector codes,
`quotes.py` finds a quote in its source, `reading.py` reads a fixture record's values,
`errors.py` is the error every part raises, and `writer.py` replaces the catalogue with the plan.
"""

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from .. import coverage as coverage_module
from .. import evidence as ev
from ..fields import REFERENCE
from ..kinds import KINDS, LOADED, PARTICIPATING, counts  # noqa: F401  (tests read counts here)
from ..models import (
    CONTEXT_CHARS,
    Passage,
    Sector,
    SectorCategory,
    Source,
)
from . import limits, writer
from .dump import MALFORMED, content_version, dump_tables
from .errors import LoadError, malformed
from .quotes import find_quote, holds_wording, nearest_passage
from .reading import (
    PARTICIPANT_FIELDS,
    QUOTED,
    RESERVED,
    SLUG,
    SOURCE_RESERVED,
    convert,
    fixture_files,
    read_document,
    record_name,
)
from .sectors import read_sectors

# model name in fixtures -> (model, foreign keys {field: model name}, m2m fields), from the registry
RECORD_KINDS = {
    kind.fixture: (kind.model, kind.fixture_references, kind.fixture_many) for kind in LOADED
}
BY_FIXTURE = {kind.fixture: kind for kind in LOADED}
# model -> the fields whose values are reference data (`tier=REFERENCE` in the registry): only an
# interpretation of one of them may rest on no words of a source.
REFERENCE_FIELDS = {
    kind.model: {f.name for f in kind.fields if f.tier == REFERENCE} for kind in KINDS
}
LOAD_ORDER = list(RECORD_KINDS)


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
    no_fact: dict = field(default_factory=dict)  # source slug -> {(start, end): reason}
    # (file, where, kind, record slug, participant, passage keys, evidence)
    participations: list = field(default_factory=list)
    m2m: dict = field(default_factory=dict)  # (kind, slug) -> {field: [slugs]}
    origin: dict = field(default_factory=dict)  # (kind, slug) -> fixture file
    extensions: list = field(default_factory=list)  # (path, extend entry, its source's slug)


class Loader:
    def __init__(self, fixtures_dir, collect=False):
        self.dir = Path(fixtures_dir)
        self.plan = Plan()
        # collect=True: gather every problem in `problems` and go on (check_fixtures).
        self.collect = collect
        self.problems = []
        self.bytes_read = self.records_read = 0  # of every file, against `limits`

    def rel(self, path):
        try:
            return str(Path(path).relative_to(self.dir.parent))
        except ValueError:
            return str(path)

    def problem(self, exc):
        """Raise a LoadError, or in collect mode keep it and carry on (not past a bound on the
        fixtures as a whole)."""
        if not self.collect or isinstance(exc, limits.Exceeded):
            raise exc
        self.problems.append(exc)

    # --- reading ------------------------------------------------------------------------------

    def count_bytes(self, size, file):
        self.bytes_read += size
        if self.bytes_read > limits.MAX_TOTAL_BYTES:
            raise limits.Exceeded(
                file,
                "",
                "",
                limits.over(
                    "the fixture files and sources up to here",
                    self.bytes_read,
                    limits.MAX_TOTAL_BYTES,
                ),
            )

    def count_records(self, records, file):
        self.records_read += len(records)
        if self.records_read > limits.MAX_RECORDS:
            raise limits.Exceeded(
                file,
                "",
                "records",
                f"{self.records_read:,} records up to here: over the limit of "
                f"{limits.MAX_RECORDS:,} in all",
            )

    def read(self):
        with limits.near_miss_search():
            self.read_all()

    def read_all(self):
        self.categories, self.sectors = read_sectors(self.dir / "sectors.csv")
        documents = []
        for path in fixture_files(self.dir / "records"):
            try:
                file = self.rel(path)
                size = limits.check_size(path, limits.MAX_FIXTURE_BYTES, "the file", file)
                self.count_bytes(size, file)
                doc = read_document(path, file)
                self.read_source(path, doc.get("source"))
            except LoadError as exc:
                self.problem(exc)
                continue
            except MALFORMED as exc:
                self.problem(malformed(self.rel(path), "source", exc))
                continue
            documents.append((path, doc))
        # Sources first: a record may cite another document, or extend a record from another file.
        for path, doc in documents:
            records = doc.get("records", [])
            if not isinstance(records, list):
                self.problem(LoadError(self.rel(path), "", "records", "must be a list of records"))
                continue
            self.count_records(records, self.rel(path))
            for item in records:
                try:
                    if not isinstance(item, dict):
                        raise LoadError(self.rel(path), "", "records", "each record is an object")
                    self.read_record(path, item, doc["source"]["slug"])
                except LoadError as exc:
                    self.problem(exc)
                except MALFORMED as exc:
                    self.problem(malformed(self.rel(path), record_name(item), exc))
        for path, item, source in self.plan.extensions:
            try:
                self.read_extension(path, item, source)
            except LoadError as exc:
                self.problem(exc)
            except MALFORMED as exc:
                self.problem(malformed(self.rel(path), record_name(item), exc))
        for path, doc in documents:
            try:
                self.read_source_evidence(path, doc["source"])
            except LoadError as exc:
                self.problem(exc)
            except MALFORMED as exc:
                self.problem(malformed(self.rel(path), "source", exc))
        try:
            self.check_references()
            self.check_coverage()
        except LoadError as exc:
            self.problem(exc)
        except MALFORMED as exc:
            self.problem(malformed(self.dir / "records", "", exc))

    def read_source(self, path, data):
        file = self.rel(path)
        if not isinstance(data, dict):
            raise LoadError(file, "", "source", "each fixture file describes its source document")
        slug = data.get("slug", "")
        if not isinstance(slug, str) or not SLUG.fullmatch(slug):
            raise LoadError(file, "source", "slug", f"a slug is lower-case words, not {slug!r}")
        where = f"source '{slug}'"
        if slug in self.plan.sources:
            raise LoadError(file, where, "slug", "duplicate slug")
        text_path = self.source_path(file, where, data.get("file"))
        try:
            size = limits.check_size(
                text_path, limits.MAX_SOURCE_BYTES, f"{data['file']}", file, where, "file"
            )
            self.count_bytes(size, file)
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
        fields = {k: v for k, v in data.items() if k not in SOURCE_RESERVED}
        for k in list(fields):
            fields[k] = convert(Source, k, fields[k], (file, where))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LoadError(
                file, where, "file", f"{data['file']} is not UTF-8 text: {exc}"
            ) from None
        try:
            source = Source(slug=slug, filename=data["file"], text=text, **fields)
        except TypeError as exc:
            raise LoadError(file, where, "", f"unknown field: {exc}") from None
        try:
            self.validate(source, file, where, exclude=["slug", "filename"])
        except LoadError as exc:
            # Its text is read: check_fixtures goes on to check its records against it.
            self.problem(exc)
        self.plan.sources[slug] = SourceFile(source, path)

    def source_path(self, file, where, name):
        """A source's text file: a plain file of fixtures/sources/, named without any folder, so
        a fixture cannot publish a file from elsewhere on the disk."""
        folder = (self.dir / "sources").resolve()
        if not isinstance(name, str) or not name or name != Path(name).name or name[0] == ".":
            raise LoadError(file, where, "file", f"a file name in fixtures/sources/, not {name!r}")
        path = (folder / name).resolve()
        if path.parent != folder or not path.is_file():
            raise LoadError(file, where, "file", f"no file {name!r} in fixtures/sources/")
        return path

    def read_source_evidence(self, path, data):
        """The source's own description (title, author, event, place, date…) cites its header
        lines like any record; `uncatalogued` marks the sentences that carry no catalogued fact."""
        file = self.rel(path)
        slug = data["slug"]
        where = f"source '{slug}'"
        source = self.plan.sources[slug].source
        values = {k: v for k, v in data.items() if k not in SOURCE_RESERVED}
        key = ("source", slug)
        evidence, keys = self.read_evidence(path, where, slug, Source, values, data.get("evidence"))
        if bool(data.get("date_inferred")) != _date_interpreted(evidence):
            self.problem(LoadError(file, where, "date_inferred", _INFERRED))
        if any(k[0] != slug for k in keys):
            self.problem(LoadError(file, where, "evidence", "a source's evidence is its own text"))
        source.evidence = _spans(evidence)
        self.plan.cites[key] = keys
        self.plan.origin[key] = file
        marks = data.get("uncatalogued", [])
        if not isinstance(marks, list):
            raise LoadError(file, where, "uncatalogued", "must be a list of {quote, reason}")
        spans = set(coverage_module.sentences(source.text))
        no_fact = self.plan.no_fact.setdefault(slug, {})
        for n, mark in enumerate(marks, start=1):
            mwhere = f"{where} uncatalogued {n}"
            if not isinstance(mark, dict) or not str(mark.get("reason", "")).strip():
                self.problem(LoadError(file, mwhere, "reason", "say why it carries no fact"))
                continue
            try:
                span = find_quote(source.text, mark, (file, mwhere), "quote")
            except LoadError as exc:
                self.problem(exc)
                continue
            if span not in spans:
                self.problem(
                    LoadError(file, mwhere, "quote", "is not one whole sentence of the source")
                )
                continue
            no_fact[span] = mark["reason"]

    def cite(self, path, where, default_source, specs, field_name="cite", required=True):
        file = self.rel(path)
        if specs is None and not required:
            return []
        if not isinstance(specs, list) or (required and not specs):
            raise LoadError(file, where, field_name, "every record cites at least one passage")
        keys = []
        for spec in specs:
            if isinstance(spec, str):
                spec = {"quote": spec}
            if not isinstance(spec, dict):
                self.problem(LoadError(file, where, field_name, "a quote is text or an object"))
                continue
            slug = spec.get("source", default_source)
            if slug not in self.plan.sources:
                self.problem(LoadError(file, where, field_name, f"unknown source {slug!r}"))
                continue
            text = self.plan.sources[slug].source.text
            try:
                start, end = find_quote(text, spec, (file, where), field_name)
            except LoadError as exc:
                self.problem(exc)
                continue
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

    def read_evidence(self, path, where, default_source, model, values, specs, exclude=()):
        """The evidence object of one record from its fixture `evidence`, and its passage keys.

        Refuses a non-empty factual value with no evidence, evidence for no such field, a stated
        value without words, an interpreted value without a note, an `*_as_stated` value that is
        not a verbatim slice of its stated words, and a “quoted” wording found in no source."""
        file = self.rel(path)
        specs = {} if specs is None else specs
        if not isinstance(specs, dict):
            raise LoadError(file, where, "evidence", "must be an object of field: evidence")
        names = ev.factual_fields(model, exclude) if not isinstance(model, tuple) else list(model)
        evidence, keys = {}, []
        for name in [*names, ev.RECORD_KEY]:
            value = values.get(name)
            spec = specs.get(name)
            if spec is None:
                if name != ev.RECORD_KEY and not ev.is_empty(value):
                    self.problem(
                        LoadError(
                            file,
                            where,
                            name,
                            f"value {str(value)[:60]!r} has no evidence: give "
                            "{'stated': [quotes]} or {'interpreted': note, 'from': [quotes]}",
                        )
                    )
                continue
            if name != ev.RECORD_KEY and ev.is_empty(value):
                self.problem(LoadError(file, where, name, "evidence for an empty value"))
                continue
            entry = self.evidence_entry(path, where, default_source, name, value, spec)
            if (
                entry is not None
                and not entry[1]
                and name not in REFERENCE_FIELDS.get(model, ())
                and "interpreted" in spec
            ):
                self.problem(
                    LoadError(
                        file,
                        where,
                        name,
                        "an interpretation names the words it rests on in 'from'; only "
                        "reference data (a city's native name, country, place) rests on none",
                    )
                )
            if entry is not None:
                evidence[name], entry_keys = entry
                keys.extend(entry_keys)
        for name in specs:
            if name not in names and name != ev.RECORD_KEY:
                self.problem(LoadError(file, where, name, "evidence for no factual field"))
        for name, value in values.items():
            self.check_quoted_wording(file, where, name, value)
        for name, entry in evidence.items():
            self.check_quoted_wording(file, where, f"evidence {name}", entry["note"])
        return evidence, keys

    def evidence_entry(self, path, where, default_source, name, value, spec):
        file = self.rel(path)
        if not isinstance(spec, dict) or len({"stated", "interpreted"} & set(spec)) != 1:
            self.problem(
                LoadError(file, where, name, "evidence is {'stated': …} or {'interpreted': …}")
            )
            return None
        extra = set(spec) - {"stated", "interpreted", "from"}
        if extra or ("stated" in spec and "from" in spec):
            self.problem(LoadError(file, where, name, f"unknown evidence key {sorted(extra)}"))
            return None
        if "stated" in spec:
            if not isinstance(spec["stated"], list) or not spec["stated"]:
                self.problem(LoadError(file, where, name, "a stated value names its words"))
                return None
            keys = self.cite(path, where, default_source, spec["stated"], name)
            if not keys:  # each quote's own problem is already reported
                return None
            if ev.is_as_stated(name) and isinstance(value, str):
                quotes = [self.plan.passages[k].quote for k in keys]
                if not any(value in q for q in quotes):
                    self.problem(
                        LoadError(
                            file,
                            where,
                            name,
                            f"{value!r} is presented as the source's words but is not in its "
                            "stated passage; editorial context goes into an interpretation note",
                        )
                    )
            entry = {"status": ev.STATED, "note": "", "passages": keys}
        else:
            note = spec["interpreted"]
            if not isinstance(note, str) or not note.strip():
                self.problem(LoadError(file, where, name, "an interpreted value needs a note"))
                return None
            if ev.is_as_stated(name):
                self.problem(
                    LoadError(
                        file,
                        where,
                        name,
                        "a value presented as the source's words must be stated, not interpreted",
                    )
                )
                return None
            keys = self.cite(path, where, default_source, spec.get("from"), name, required=False)
            entry = {"status": ev.INTERPRETED, "note": note, "passages": keys}
        if ev.is_as_stated(name) and isinstance(value, str):
            located = [k for k in keys if self.plan.sources[k[0]].source.text.find(value) != -1]
            if not located:
                self.problem(
                    LoadError(file, where, name, f"{value!r} is not a verbatim slice of a source")
                )
        return entry, keys

    def check_quoted_wording(self, file, where, name, value):
        """Text in curly quotation marks is presented as a source's words: it must be one."""
        if not isinstance(value, str) or "“" not in value:
            return
        for wording in QUOTED.findall(value):
            if not any(holds_wording(sf.source.text, wording) for sf in self.plan.sources.values()):
                if not limits.may_look_for_near_miss(wording):
                    self.problem(
                        LoadError(
                            file,
                            where,
                            name,
                            f"quoted wording “{wording[:60]}” is not in any source "
                            + limits.NO_NEAR_MISS,
                        )
                    )
                    continue
                with limits.near_miss():
                    (_s, _e), found, changes = self.nearest_wording(wording)
                self.problem(
                    LoadError(
                        file,
                        where,
                        name,
                        f"quoted wording “{wording[:60]}” is not in any source; nearest "
                        f"{found[:60]!r} differs: {'; '.join(changes[:3]) or 'in length'}",
                    )
                )

    def nearest_wording(self, wording):
        """The passage of any source nearest `wording`."""
        texts = [sf.source.text for sf in self.plan.sources.values()]
        text = max(
            texts,
            key=lambda t: (
                difflib.SequenceMatcher(None, t, wording, autojunk=False).find_longest_match().size
            ),
        )
        return nearest_passage(text, wording)

    def read_record(self, path, item, default_source):
        file = self.rel(path)
        kind, slug = item.get("model"), item.get("slug", "")
        if not isinstance(slug, str) or not SLUG.fullmatch(slug):
            raise LoadError(
                file, f"{kind} record", "slug", f"a slug is lower-case words, not {slug!r}"
            )
        if not isinstance(kind, str) or kind not in RECORD_KINDS:
            raise LoadError(
                file,
                f"record '{slug}'",
                "model",
                f"unknown model {kind!r}: a record is one of {', '.join(RECORD_KINDS)}",
            )
        where = f"{kind} '{slug}'"
        model, fks, m2ms = RECORD_KINDS[kind]
        key = (kind, slug)
        if item.get("extend"):
            # Another document's citations of a record defined elsewhere.
            extra = set(item) - {*EXTEND_KEYS, *m2ms}
            if extra:
                raise LoadError(
                    file,
                    where,
                    sorted(extra)[0],
                    "an 'extend' entry adds 'cite', 'participants', 'evidence' for values the "
                    f"record holds, and values of {', '.join(m2ms) or 'no list field'}",
                )
            self.plan.cites.setdefault(key, []).extend(
                self.cite(path, where, default_source, item.get("cite"))
            )
            self.plan.origin.setdefault(("extend", kind, slug), file)
            # Applied once every record is read: the record may be in a later file.
            self.plan.extensions.append((path, item, default_source))
            return
        if slug in self.plan.records[kind]:
            raise LoadError(file, where, "slug", "duplicate slug")
        if "interpretations" in item:
            raise LoadError(
                file, where, "interpretations", "give each note as that field's 'evidence'"
            )
        fields = {k: v for k, v in item.items() if k not in RESERVED}
        m2m_values = {name: fields.pop(name) for name in list(fields) if name in m2ms}
        fk_values = {name: fields.pop(name) for name in list(fields) if name in fks}
        concrete = {f.name for f in model._meta.get_fields()}
        for name, value in list(fields.items()):
            if name not in concrete:
                raise LoadError(file, where, name, f"{model.__name__} has no such field")
            fields[name] = convert(model, name, value, (file, where))
        specs = item.get("evidence")
        complete = BY_FIXTURE[kind].complete
        if complete is not None and isinstance(specs, dict | None):
            # Values from the reference packages (a city's coordinates), with their evidence.
            specs = dict(specs or {})
            for name, message in complete(fields, specs):
                self.problem(LoadError(file, where, name, message))
        evidence, evidence_keys = self.read_evidence(
            path,
            where,
            default_source,
            model,
            {**item, **fields},
            specs,
        )
        has_flag = any(f.name == "date_inferred" for f in model._meta.fields)
        if has_flag and bool(fields.get("date_inferred")) != _date_interpreted(evidence):
            self.problem(LoadError(file, where, "date_inferred", _INFERRED))
        obj = model(slug=slug, **fields)
        obj.evidence = _spans(evidence)
        # `interpretations` stays readable by code that predates per-field evidence.
        obj.interpretations = {
            name: entry["note"]
            for name, entry in evidence.items()
            if entry["status"] == ev.INTERPRETED
        }
        obj._fk_slugs = fk_values
        self.plan.records[kind][slug] = obj
        self.plan.origin[key] = file
        self.plan.m2m[key] = m2m_values
        self.plan.cites.setdefault(key, []).extend(
            self.cite(path, where, default_source, item.get("cite"))
        )
        self.plan.cites[key].extend(evidence_keys)
        self.read_participants(path, where, kind, slug, default_source, item)

    def read_participants(self, path, where, kind, slug, default_source, item, label="participant"):
        """A record's `participants`, each a city or a partner in a role with its own evidence
        (also those a source adds to a record of another: `label` "added participant")."""
        file = self.rel(path)
        participants = item.get("participants", [])
        if participants and not BY_FIXTURE[kind].participation:
            raise LoadError(
                file,
                where,
                "participants",
                f"only a {' or a '.join(k.fixture for k in PARTICIPATING)} has participants",
            )
        if not isinstance(participants, list):
            raise LoadError(file, where, "participants", "must be a list of participants")
        for n, part in enumerate(participants, start=1):
            pwhere = f"{where} {label} {n}"
            if not isinstance(part, dict):
                self.problem(LoadError(file, pwhere, "participants", "a participant is an object"))
                continue
            extra = set(part) - {*PARTICIPANT_FIELDS, "cite", "evidence"}
            if extra:
                self.problem(LoadError(file, pwhere, sorted(extra)[0], "unknown field"))
                continue
            try:
                keys = self.cite(path, pwhere, default_source, part.get("cite"))
                pevidence, pkeys = self.read_evidence(
                    path, pwhere, default_source, PARTICIPANT_FIELDS, part, part.get("evidence")
                )
            except LoadError as exc:
                self.problem(exc)
                continue
            self.plan.participations.append(
                (file, pwhere, kind, slug, part, keys + pkeys, _spans(pevidence))
            )

    def read_extension(self, path, item, default_source):
        """What a source adds to a record another defines: its citations, participants, more
        values of a list field (a funder), and its own words for values the record holds, each
        with this source's evidence, joined to the record's."""
        file = self.rel(path)
        kind, slug = item["model"], item["slug"]
        where = f"{kind} '{slug}'"
        obj = self.plan.records[kind].get(slug)
        if obj is None:
            return  # check_references names it: "extends no such record"
        model, fks, m2ms = RECORD_KINDS[kind]
        key = (kind, slug)
        self.read_participants(
            path, where, kind, slug, default_source, item, label="added participant"
        )
        added = {name: item[name] for name in m2ms if name in item}
        for name, refs in added.items():
            if not isinstance(refs, list):
                raise LoadError(file, where, name, "must be a list of slugs")
            held = self.plan.m2m[key].setdefault(name, [])
            held.extend(ref for ref in refs if ref not in held)
        specs = item.get("evidence", {})
        if not isinstance(specs, dict):
            raise LoadError(file, where, "evidence", "must be an object of field: evidence")
        for name in added:
            if name not in specs:
                self.problem(LoadError(file, where, name, "added values need their evidence"))
        factual = ev.factual_fields(model)
        for name, spec in specs.items():
            if name not in factual:
                self.problem(LoadError(file, where, name, "evidence for no factual field"))
                continue
            if name in added:
                value = added[name]
            else:
                value = obj._fk_slugs.get(name) if name in fks else getattr(obj, name, None)
                if name in m2ms:
                    value = self.plan.m2m[key].get(name)
                if ev.is_empty(value):
                    self.problem(LoadError(file, where, name, "the record holds no such value"))
                    continue
                if not (isinstance(spec, dict) and "stated" in spec):
                    self.problem(
                        LoadError(
                            file,
                            where,
                            name,
                            "another source can state a value the record holds ({'stated': "
                            "[quotes]}); a reading of its own belongs to a record of its own",
                        )
                    )
                    continue
            entry = self.evidence_entry(path, where, default_source, name, value, spec)
            if entry is None:
                continue
            entry, keys = entry
            if not keys:
                self.problem(LoadError(file, where, name, "an addition names its words"))
                continue
            self.plan.cites[key].extend(keys)
            _join(obj, name, _spans({name: entry})[name])

    def lookup(self, kind, slug, file, where, field_name):
        if not isinstance(slug, str | int) or isinstance(slug, bool):
            raise LoadError(file, where, field_name, f"a reference is a slug or code, not {slug!r}")
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
        for file, where, _kind, _slug, part, _keys, _evidence in plan.participations:
            if ("city" in part) == ("partner" in part):
                raise LoadError(file, where, "city", "a participant is either a city or a partner")
            kind = "city" if "city" in part else "partner"
            self.lookup(kind, part[kind], file, where, kind)
        # Evidence names its passages by span: within one record a span must name one passage.
        for key, keys in plan.cites.items():
            spans = {}
            for slug, start, end in keys:
                if spans.setdefault((start, end), slug) != slug:
                    file = plan.origin.get(key, "")
                    raise LoadError(
                        file,
                        f"{key[0]} '{key[1]}'",
                        "cite",
                        f"two sources' passages at {start}:{end}",
                    )
        if self.collect:
            for kind in LOAD_ORDER:
                model = RECORD_KINDS[kind][0]
                for slug, obj in plan.records[kind].items():
                    try:
                        self.validate(
                            obj,
                            plan.origin[(kind, slug)],
                            f"{kind} '{slug}'",
                            exclude=[f.name for f in model._meta.concrete_fields if f.is_relation],
                        )
                    except LoadError as exc:
                        self.problem(exc)

    def check_coverage(self):
        """Every sentence of every source is cited by a record or marked as carrying no fact."""
        cited = {slug: [] for slug in self.plan.sources}
        for record, keys in self.plan.cites.items():
            record = record[-2:]
            for slug, start, end in keys:
                cited[slug].append((record, start, end))
        for participation in self.plan.participations:
            _file, _where, kind, record, _part, keys, _evidence = participation
            for slug, start, end in keys:
                cited[slug].append(((kind, record), start, end))
        for slug, sf in self.plan.sources.items():
            no_fact = self.plan.no_fact.get(slug, {})
            rows = coverage_module.coverage(sf.source.text, cited[slug], no_fact)
            sf.source.coverage = rows
            file, where = self.rel(sf.fixture), f"source '{slug}'"
            contradicted, uncovered = coverage_module.faults(rows)
            text = sf.source.text
            for row in contradicted:
                self.problem(
                    LoadError(
                        file,
                        where,
                        "uncatalogued",
                        f"sentence [{row['start']}:{row['end']}] "
                        f"{text[row['start'] : row['end']][:60]!r} is cited by a record and marked "
                        "as carrying no fact",
                    )
                )
            uncovered = [
                f"[{row['start']}:{row['end']}] {text[row['start'] : row['end']][:80]!r}"
                for row in uncovered
            ]
            if uncovered:
                self.problem(
                    LoadError(
                        file,
                        where,
                        "coverage",
                        f"{len(uncovered)} of {len(rows)} sentences are cited by no record and "
                        "not marked 'uncatalogued' with a reason: uncovered sentence "
                        + "; uncovered sentence ".join(uncovered),
                    )
                )

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
            errors = [
                LoadError(file, where, name, "; ".join(messages))
                for name, messages in exc.message_dict.items()
            ]
        else:
            return
        for error in errors[:-1]:  # check_fixtures names every field; a load stops at the first
            self.problem(error)
        raise errors[-1]

    # --- writing ------------------------------------------------------------------------------

    def write(self):
        """Replace the catalogue with the plan (see writer.py); on any error nothing changes."""
        return writer.replace(self.fill)

    def fill(self):
        plan = self.plan
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

        participants = {}  # participation model -> [(row, file, where)], inserted in bulk
        for file, where, kind, slug, part, keys, evidence in plan.participations:
            model = BY_FIXTURE[kind].participation
            rows = participants.setdefault(model, [])
            p = model(
                pk=len(rows) + 1,
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
                evidence=evidence,
            )
            setattr(p, model.record_field(), plan.records[kind][slug])
            self.validate(p, file, where)
            rows.append((p, file, where))
            self.link(links, p, "passages", {passage_pk[k] for k in keys})
        for model, rows in participants.items():
            self.insert_all(model, rows)
        for through, rows in links.items():
            through.objects.bulk_create(rows)

        # The version names what was loaded, as `load_dump` names what it loads: the same
        # catalogue has the same version whichever way it came in.
        return content_version(dump_tables())

    @staticmethod
    def link(links, obj, name, target_pks):
        """Rows of `obj`'s many-to-many field `name` to the records `target_pks`, in pk order."""
        field = obj._meta.get_field(name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        links.setdefault(through, []).extend(
            through(**{f"{source}_id": obj.pk, f"{target}_id": pk}) for pk in sorted(target_pks)
        )

    @classmethod
    def insert_all(cls, model, rows):
        """Save validated (record, file, where) rows in one INSERT; if the database refuses one,
        insert them one by one to name the row it refuses."""
        try:
            with transaction.atomic():
                model.objects.bulk_create([obj for obj, _file, _where in rows])
        except (IntegrityError, DataError, *MALFORMED):
            for obj, file, where in rows:
                with transaction.atomic():
                    cls.insert(obj, file, where)

    @staticmethod
    def insert(obj, file, where):
        """Save a validated record. The database enforces every named constraint as the row goes
        in (no query per constraint beforehand); a violation names the record and rolls back."""
        try:
            obj.save(force_insert=True)
        except IntegrityError as exc:  # write() is atomic: raising rolls the whole load back
            raise LoadError(file, where, "", f"violates a constraint: {exc}") from None
        except (DataError, *MALFORMED) as exc:  # a value the column cannot hold
            raise malformed(file, where, exc) from None


_INFERRED = (
    "date_inferred must say what the date's evidence says: true exactly when the date (or an"
    " undated event's bound) is an interpretation"
)


def _date_interpreted(evidence):
    """An inferred date (or, for an undated text, its upper bound) is labelled as a reading."""
    return any(
        evidence.get(name, {}).get("status") == ev.INTERPRETED
        for name in ("date", "date_not_after")
    )


EXTEND_KEYS = {"model", "slug", "extend", "cite", "participants", "evidence"}


def _join(obj, name, entry):
    """Another source's evidence for a value `obj` holds (or for values it adds to a list):
    its passages join the record's; a reading of either makes the whole an interpretation,
    its notes kept."""
    held = obj.evidence.get(name)
    if held is None:
        obj.evidence[name] = entry
    else:
        passages = held["passages"] + [p for p in entry["passages"] if p not in held["passages"]]
        interpreted = ev.INTERPRETED in (held["status"], entry["status"])
        notes = [n for n in (held["note"], entry["note"]) if n]
        obj.evidence[name] = {
            "status": ev.INTERPRETED if interpreted else ev.STATED,
            "note": " ".join(notes) if interpreted else "",
            "passages": passages,
        }
    if obj.evidence[name]["status"] == ev.INTERPRETED:
        obj.interpretations[name] = obj.evidence[name]["note"]


def _spans(evidence):
    """Evidence with its passages as [start, end] (the keys carry the source slug as well)."""
    return {
        name: {**entry, "passages": [[k[1], k[2]] for k in entry["passages"]]}
        for name, entry in evidence.items()
    }


def check_fixtures(fixtures_dir):
    """Every problem in the fixtures, without touching the database: [LoadError, …]."""
    loader = Loader(fixtures_dir, collect=True)
    try:
        loader.read()
    except LoadError as exc:
        loader.problems.append(exc)
    return loader.problems


def load_catalogue(fixtures_dir):
    loader = Loader(fixtures_dir)
    loader.read()
    return loader.write()
