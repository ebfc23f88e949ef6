"""The fixture format's shorthand (`"format": 2`), and its full form, which the loader reads.

A file in the shorthand says each thing once:

- `"quotes": {"nine-projects": "Contents of investment included nine projects: …"}` names a
  passage the file cites more than once; `"@nine-projects"` then stands for it wherever a quote
  goes (a `cite`, `stated`, `from` or `uncatalogued` quote). A named quote may be an object
  (`{"quote": …, "prefix": …}`) like any other.
- `"notes": {"classification": "The catalogue's classification of the sector."}` names a note
  the file gives more than once; an interpreted value's note may be one of these names.
- A field's evidence `["words", …]` is `{"stated": ["words", …]}`, and `[]` is stated by the
  words its record (or participant) cites; a note alone,
  `"classification"` or `"The catalogue's reading …"`, is `{"interpreted": that note}`.
- An interpreted value without `from` rests on the words its record (or participant) cites:
  its `cite`. Reference data that rests on no words says so with `"from": []`. A source
  describes itself without a `cite`, so its interpreted values name their words.

A file without `"format": 2` is in the full form, in which a missing `from` is no words: files
written before the shorthand load unchanged. `expand()` gives the full form of either, `compact()`
the shorthand of a full-form file (`manage.py upgrade_fixtures`); `expand(compact(doc))` holds the
same records, evidence and passages, so the catalogue and its version do not change.
"""

import copy
import json
import re
from collections import Counter

from django.utils.text import slugify

from .errors import LoadError

FORMAT = 2
REF = "@"
# A quote is worth a name when the file cites it more than once and it is longer than its name.
NAMED_QUOTE_LENGTH = 12
NAME_WORDS = 5
# Words left out of a name made from a quote's or a note's first words.
SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "s", "the"}


def expand(doc, file=""):
    """The full form of the fixture document `doc` (returned unchanged if it has no `format`)."""
    if not isinstance(doc, dict) or "format" not in doc:
        return doc
    if doc["format"] != FORMAT:
        message = f"the shorthand is format {FORMAT}, not {doc['format']!r}"
        raise LoadError(file, "", "format", message)
    quotes, notes = doc.get("quotes", {}), doc.get("notes", {})
    for key, value in (("quotes", quotes), ("notes", notes)):
        if not isinstance(value, dict):
            raise LoadError(file, "", key, "must be an object of name: value")
    full = {k: v for k, v in doc.items() if k not in ("format", "quotes", "notes")}
    reader = _Expander(file, quotes, notes)
    source = full.get("source")
    if isinstance(source, dict):
        full["source"] = reader.source(source)
    records = full.get("records")
    if isinstance(records, list):
        full["records"] = [reader.record(r) if isinstance(r, dict) else r for r in records]
    return full


class _Expander:
    def __init__(self, file, quotes, notes):
        self.file, self.quotes, self.notes = file, quotes, notes

    def quote(self, spec, where, field):
        if isinstance(spec, str) and spec.startswith(REF):
            name = spec[len(REF) :]
            if name not in self.quotes:
                raise LoadError(self.file, where, field, f"no quote named {name!r} in 'quotes'")
            return copy.deepcopy(self.quotes[name])
        return spec

    def quote_list(self, specs, where, field):
        if not isinstance(specs, list):
            return specs
        return [self.quote(spec, where, field) for spec in specs]

    def evidence(self, specs, cite, where):
        if not isinstance(specs, dict):
            return specs
        return {name: self.entry(spec, cite, where, name) for name, spec in specs.items()}

    def entry(self, spec, cite, where, name):
        if spec == []:
            if cite is None:
                raise LoadError(self.file, where, name, "a stated value here names its words")
            spec = {"stated": copy.deepcopy(cite)}
        elif isinstance(spec, list):
            spec = {"stated": spec}
        elif isinstance(spec, str):
            spec = {"interpreted": spec}
        if not isinstance(spec, dict):
            return spec
        spec = dict(spec)
        if "stated" in spec:
            spec["stated"] = self.quote_list(spec["stated"], where, name)
        if "interpreted" in spec:
            note = spec["interpreted"]
            if isinstance(note, str) and note in self.notes:
                spec["interpreted"] = self.notes[note]
            if "from" not in spec:
                if cite is None:
                    raise LoadError(
                        self.file, where, name, "an interpreted value here names its words: 'from'"
                    )
                spec["from"] = copy.deepcopy(cite)
            else:
                spec["from"] = self.quote_list(spec["from"], where, name)
        return spec

    def source(self, source):
        source = dict(source)
        where = f"source '{source.get('slug')}'"
        source["evidence"] = self.evidence(source.get("evidence"), None, where)
        if "evidence" not in source or source["evidence"] is None:
            source.pop("evidence", None)
        marks = source.get("uncatalogued")
        if isinstance(marks, list):
            source["uncatalogued"] = [
                {**m, "quote": self.quote(m.get("quote"), where, "uncatalogued")}
                if isinstance(m, dict)
                else m
                for m in marks
            ]
        return source

    def record(self, record):
        record = dict(record)
        where = f"{record.get('model')} '{record.get('slug')}'"
        if "cite" in record:
            record["cite"] = self.quote_list(record["cite"], where, "cite")
        if "evidence" in record:
            record["evidence"] = self.evidence(record["evidence"], record.get("cite"), where)
        parts = record.get("participants")
        if isinstance(parts, list):
            record["participants"] = [
                self.participant(p, f"{where} participant {n}") if isinstance(p, dict) else p
                for n, p in enumerate(parts, start=1)
            ]
        return record

    def participant(self, part, where):
        part = dict(part)
        if "cite" in part:
            part["cite"] = self.quote_list(part["cite"], where, "cite")
        if "evidence" in part:
            part["evidence"] = self.evidence(part["evidence"], part.get("cite"), where)
        return part


def compact(doc):
    """The shorthand of the full-form document `doc`: the same records, evidence and passages."""
    if "format" in doc:
        doc = expand(doc)
    doc = copy.deepcopy(doc)
    entries = list(_entries(doc))  # (evidence entry, the words its record cites)
    given = Counter(e["interpreted"] for e, _cite in entries if "interpreted" in e)
    notes = _names([note for note, n in given.items() if n > 1])
    for entry, cite in entries:
        if "interpreted" in entry:
            if "from" not in entry:
                entry["from"] = []  # no words: said so, since a missing `from` is the cite
            elif cite is not None and entry["from"] == cite:
                del entry["from"]
        elif cite is not None and entry.get("stated") == cite:
            entry["stated"] = []  # the record's own words
    quote_lists = list(_quote_lists(doc))
    counted = Counter(_key(q) for specs in quote_lists for q in specs)
    long_quotes = [
        json.loads(key)
        for key, n in counted.items()
        if n > 1 and len(_quote_text(key)) > NAMED_QUOTE_LENGTH
    ]
    quote_names = _names(long_quotes, text=_quote_text)
    for specs in quote_lists:
        for i, spec in enumerate(specs):
            name = quote_names.get(_key(spec))
            if name:
                specs[i] = REF + name
    for mark in doc["source"].get("uncatalogued", []):
        name = quote_names.get(_key(mark["quote"]))
        if name:
            mark["quote"] = REF + name
    for evidence in _evidence_objects(doc):
        for name, entry in list(evidence.items()):
            if "interpreted" in entry and entry["interpreted"] in notes:
                entry["interpreted"] = notes[entry["interpreted"]]
            if set(entry) == {"stated"}:
                evidence[name] = entry["stated"]
            elif set(entry) == {"interpreted"}:
                evidence[name] = entry["interpreted"]
    head = {k: doc.pop(k) for k in ("$schema",) if k in doc}
    return {
        **head,
        "format": FORMAT,
        "notes": {name: note for note, name in notes.items()},
        "quotes": {name: json.loads(key) for key, name in quote_names.items()},
        **doc,
    }


def _key(spec):
    return json.dumps(spec, ensure_ascii=False, sort_keys=True)


def _quote_text(key):
    spec = json.loads(key)
    return spec if isinstance(spec, str) else str(spec.get("quote", ""))


def _names(values, text=None):
    """A short name for each of `values` (notes, or quotes when `text` gives a quote's words):
    one of its first words, made unique. Returns {value (a quote's key): name}."""
    names, taken = {}, set()
    for value in values:
        key = _key(value) if text else value
        words = text(key) if text else value
        words = [w.lower() for w in re.findall(r"\w+", words) if w.lower() not in SMALL_WORDS]
        name = _untaken(words[:NAME_WORDS], taken)
        taken.add(name)
        names[key] = name
    return names


def _untaken(words, taken):
    """The longest of `words` that names nothing yet (a name is one word, so that it reads
    short wherever it stands), or the first with a number; words of other scripts, which a
    name cannot hold, make "q" and a number."""
    words = [slug for slug in (slugify(word) for word in words) if slug]
    for word in sorted(words, key=len, reverse=True):
        if len(word) > 2 and word not in taken:
            return word
    base = words[0] if words else "q"
    k = 2
    while f"{base}-{k}" in taken:
        k += 1
    return f"{base}-{k}"


def _evidence_objects(doc):
    yield doc["source"].get("evidence", {})
    for record in doc["records"]:
        if "evidence" in record:
            yield record["evidence"]
        for part in record.get("participants", []):
            if "evidence" in part:
                yield part["evidence"]


def _entries(doc):
    yield from ((e, None) for e in doc["source"].get("evidence", {}).values())
    for record in doc["records"]:
        yield from ((e, record.get("cite")) for e in record.get("evidence", {}).values())
        for part in record.get("participants", []):
            yield from ((e, part.get("cite")) for e in part.get("evidence", {}).values())


def _quote_lists(doc):
    for evidence in _evidence_objects(doc):
        for entry in evidence.values():
            for key in ("stated", "from"):
                if isinstance(entry, dict) and key in entry:
                    yield entry[key]
    for record in doc["records"]:
        if "cite" in record:
            yield record["cite"]
        for part in record.get("participants", []):
            if "cite" in part:
                yield part["cite"]


WIDTH = 120


def dumps(doc, indent=1):
    """A fixture document as a curator reads it: each object or list on one line when it fits in
    WIDTH characters, one item per line (indented by `indent`) when it does not."""
    return _dumps(doc, 0, indent) + "\n"


def _dumps(value, depth, indent):
    flat = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, dict | list) or not value or depth * indent + len(flat) <= WIDTH:
        return flat
    pad, inner = " " * (depth * indent), " " * ((depth + 1) * indent)
    if isinstance(value, list):
        items = [_dumps(v, depth + 1, indent) for v in value]
        return "[\n" + ",\n".join(inner + item for item in items) + "\n" + pad + "]"
    items = [
        f"{json.dumps(k, ensure_ascii=False)}: {_dumps(v, depth + 1, indent)}"
        for k, v in value.items()
    ]
    return "{\n" + ",\n".join(inner + item for item in items) + "\n" + pad + "}"
