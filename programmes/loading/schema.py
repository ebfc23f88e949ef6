"""The fixture format as a JSON Schema (draft 2020-12), generated from the models and the registry
of kinds: each kind's fields with their types, lengths and allowed values, its references, its
participants, the evidence keys its factual fields take, and the forms of a quote.

`manage.py fixture_schema -o fixtures/fixture.schema.json` writes it; an editor given the file
(or a fixture's `"$schema": "../fixture.schema.json"`) checks a fixture as it is typed. The
schema says what a fixture may hold; the loader (`check_fixtures`) still proves what only the
sources can: that each quote is in its source, each value has evidence, each sentence is cited.
`choices()` gives the same allowed values to `draft_source`.
"""

import json

from django.db import models

from .. import evidence as ev
from ..kinds import LOADED
from ..models import Source
from .reading import PARTICIPANT_FIELDS, SLUG
from .shorthand import FORMAT

SCHEMA_FILE = "fixture.schema.json"
# A source's fields the loader sets itself: its text from `file`, its file name, its coverage.
SOURCE_SET_BY_LOADER = {"text", "filename", "coverage"}
# Fields a record never gives: its slug (a key of its own), what the loader builds (its evidence
# and passages from `evidence` and `cite`) and the notes it refuses (`interpretations`).
NOT_GIVEN = {"slug", "evidence", "passages", "interpretations"}
SLUG_PATTERN = f"^{SLUG.pattern}$"
POSITIVE = (
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)


def _ref(name):
    return {"$ref": f"#/$defs/{name}"}


def _nullable(schema):
    kind = schema["type"]
    schema["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def value_schema(f):
    """The schema of a plain model field's value as a fixture writes it (`reading.convert`)."""
    if isinstance(f, models.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(f, models.DateField):
        schema = {"type": "string", "format": "date"}
    elif isinstance(f, models.DecimalField):
        # Exact amounts are written as text ("1680000000"); a JSON number is read as its text.
        schema = {"type": ["string", "number"], "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
    elif isinstance(f, models.IntegerField):
        schema = {"type": "integer"}
        if isinstance(f, POSITIVE):
            schema["minimum"] = 0
    else:
        schema = {"type": "string"}
        if f.max_length:
            schema["maxLength"] = f.max_length
        if not f.blank:
            schema["minLength"] = 1
    if f.choices:
        schema["enum"] = [str(value) for value, _label in f.flatchoices]
        if f.blank and "" not in schema["enum"]:
            schema["enum"].append("")
    if f.null:
        _nullable(schema)
    description = f.help_text or f.verbose_name
    return {"description": str(description), **schema}


def reference_schema(f, target):
    """A foreign key as a fixture writes it: the slug of a record of kind `target`, or a sector's
    DAC code."""
    if target == "sector":
        schema = {
            "description": "an OECD DAC purpose code of fixtures/sectors.csv",
            "type": ["string", "integer"],
            "pattern": "^[0-9]+$",
        }
    else:
        schema = {"description": f"the slug of a {target}", **_ref("slug")}
        if f.null:
            return {"description": schema["description"], "anyOf": [_ref("slug"), {"type": "null"}]}
    return _nullable(schema) if f.null else schema


def _required(f):
    if isinstance(f, models.BooleanField) or f.has_default() or f.null:
        return False
    return not f.blank


def record_fields(kind):
    """(properties, required) of the fields a fixture record of `kind` gives, in model order."""
    properties, required = {}, []
    for f in kind.model._meta.get_fields():
        if f.auto_created or f.name in NOT_GIVEN or not (f.concrete or f.many_to_many):
            continue
        if not f.editable:
            continue  # derived by the load (a record's search text)
        if f.many_to_many:
            if f.name in kind.fixture_many:  # others are read from rows of their own
                target = kind.fixture_many[f.name]
                properties[f.name] = {
                    "description": f"slugs of {target} records",
                    "type": "array",
                    "items": _ref("slug"),
                    "uniqueItems": True,
                }
            continue
        if f.is_relation:
            if f.name not in kind.fixture_references:
                continue
            properties[f.name] = reference_schema(f, kind.fixture_references[f.name])
        elif isinstance(f, models.JSONField):
            continue
        else:
            properties[f.name] = value_schema(f)
        if _required(f):
            required.append(f.name)
    return properties, required


def evidence_schema(names):
    """An `evidence` object: an entry for any of the factual fields `names` or the record."""
    return {
        "description": "field -> {stated: [quotes]} or {interpreted: note, from: [quotes]}, or "
        "their shorthand: [quotes] or a note",
        "type": "object",
        "propertyNames": {"enum": [*names, ev.RECORD_KEY]},
        "additionalProperties": _ref("evidence"),
    }


def participant_schema(model):
    properties = {}
    for name in PARTICIPANT_FIELDS:
        f = model._meta.get_field(name)
        properties[name] = reference_schema(f, name) if f.is_relation else value_schema(f)
    properties["cite"] = _ref("cite")
    properties["evidence"] = evidence_schema(list(PARTICIPANT_FIELDS))
    return {
        "description": "a city or a partner in one role, with its own citations and evidence",
        "type": "object",
        "properties": properties,
        "required": ["role", "cite"],
        "oneOf": [{"required": ["city"]}, {"required": ["partner"]}],
        "additionalProperties": False,
    }


def kind_schema(kind):
    properties, required = record_fields(kind)
    schema = {
        "description": f"a {kind.fixture} record ({kind.model.__name__})",
        "type": "object",
        "properties": {
            "model": {"const": kind.fixture},
            "slug": _ref("slug"),
            "extend": {"const": False},
            **properties,
            "cite": _ref("cite"),
            "evidence": evidence_schema(ev.factual_fields(kind.model)),
        },
        "required": ["model", "slug", "cite", *required],
        "additionalProperties": False,
    }
    if kind.participation:
        schema["properties"]["participants"] = {
            "type": "array",
            "items": participant_schema(kind.participation),
        }
    return schema


def source_schema():
    properties, required = {}, ["slug", "file", "sha256"]
    for f in Source._meta.get_fields():
        if f.auto_created or not f.concrete or f.name in SOURCE_SET_BY_LOADER | NOT_GIVEN:
            continue
        properties[f.name] = value_schema(f)
        if _required(f) and f.name not in required:
            required.append(f.name)
    properties["sha256"] = {
        "description": "SHA-256 of the file's bytes, in hexadecimal",
        "type": "string",
        "pattern": "^[0-9a-f]{64}$",
    }
    return {
        "description": "the source document this file transcribes",
        "type": "object",
        "properties": {
            "slug": _ref("slug"),
            "file": {
                "description": "the name of its text in fixtures/sources/ (no folder)",
                "type": "string",
                "pattern": r"^[^./\\][^/\\]*$",
            },
            **properties,
            "evidence": evidence_schema(ev.factual_fields(Source)),
            "uncatalogued": {
                "description": "the sentences that carry no catalogued fact, each with why",
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "quote": {"type": "string", "minLength": 1},
                        "occurrence": {"type": "integer", "minimum": 1},
                        "prefix": {"type": "string"},
                        "reason": {"type": "string", "minLength": 1},
                    },
                    "required": ["quote", "reason"],
                    "additionalProperties": False,
                },
            },
        },
        "required": required,
        "additionalProperties": False,
    }


def fixture_schema():
    """The JSON Schema of one file of fixtures/records/."""
    fixtures = [kind.fixture for kind in LOADED]
    defs = {
        "slug": {"type": "string", "pattern": SLUG_PATTERN},
        "quote": {
            "description": "words as they stand in the source; occurrence or prefix picks one "
            "of several, source quotes another document",
            "oneOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "properties": {
                        "quote": {"type": "string", "minLength": 1},
                        "occurrence": {"type": "integer", "minimum": 1},
                        "prefix": {"type": "string"},
                        "source": _ref("slug"),
                    },
                    "required": ["quote"],
                    "additionalProperties": False,
                },
            ],
        },
        "cite": {"type": "array", "items": _ref("quote"), "minItems": 1},
        "evidence": {
            "oneOf": [
                {
                    "description": "stated by these words ([]: by the record's cite)",
                    "type": "array",
                    "items": _ref("quote"),
                },
                {
                    "description": "interpreted: a note, or a name of the file's notes",
                    "type": "string",
                    "minLength": 1,
                },
                {
                    "type": "object",
                    "properties": {"stated": _ref("cite")},
                    "required": ["stated"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {
                        "interpreted": {"type": "string", "minLength": 1},
                        "from": {"type": "array", "items": _ref("quote")},
                    },
                    "required": ["interpreted"],
                    "additionalProperties": False,
                },
            ]
        },
        "source": source_schema(),
        "extend": {
            "description": "what another document adds to a record defined elsewhere: its "
            "citations, participants, values of a list field, and its words for values the "
            "record holds, each with its evidence",
            "type": "object",
            "properties": {
                "model": {"enum": fixtures},
                "slug": _ref("slug"),
                "extend": {"const": True},
                "cite": _ref("cite"),
                "participants": {"type": "array", "items": {"type": "object"}},
                "evidence": {"type": "object", "additionalProperties": _ref("evidence")},
                **{
                    name: {"type": "array", "items": _ref("slug"), "uniqueItems": True}
                    for kind in LOADED
                    for name in kind.fixture_many
                },
            },
            "required": ["model", "slug", "extend", "cite"],
            "additionalProperties": False,
        },
        "record": {
            "type": "object",
            "properties": {"model": {"enum": fixtures}, "slug": _ref("slug")},
            "required": ["model", "slug"],
            "if": {"properties": {"extend": {"const": True}}, "required": ["extend"]},
            "then": _ref("extend"),
            "else": {
                "allOf": [
                    {
                        "if": {"properties": {"model": {"const": kind.fixture}}},
                        "then": _ref(kind.fixture),
                    }
                    for kind in LOADED
                ]
            },
        },
        **{kind.fixture: kind_schema(kind) for kind in LOADED},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "A fixture file of the city cooperation catalogue (fixtures/records/*.json)",
        "description": "Generated by manage.py fixture_schema from the models and the registry "
        "of kinds; fixtures/TRANSCRIPTION.md describes the format.",
        "type": "object",
        "properties": {
            "$schema": {"type": "string"},
            "draft": {
                "description": "what draft_source writes for the curator; the loader ignores it",
                "type": "object",
            },
            "format": {
                "description": "2: the shorthand of programmes/loading/shorthand.py (named "
                "quotes and notes, `from` defaulting to the record's cite); absent: the full form",
                "const": FORMAT,
            },
            "notes": {
                "description": "name -> a note given more than once",
                "type": "object",
                "propertyNames": {"pattern": SLUG_PATTERN},
                "additionalProperties": {"type": "string", "minLength": 1},
            },
            "quotes": {
                "description": 'name -> a quote cited more than once, cited as "@name"',
                "type": "object",
                "propertyNames": {"pattern": SLUG_PATTERN},
                "additionalProperties": _ref("quote"),
            },
            "source": _ref("source"),
            "records": {"type": "array", "items": _ref("record")},
        },
        "required": ["source"],
        "additionalProperties": False,
        "$defs": defs,
    }


def schema_text():
    """The schema as the committed file holds it."""
    return json.dumps(fixture_schema(), ensure_ascii=False, indent=1) + "\n"


def choices():
    """The allowed values of every field that has them, with their labels: the record kinds
    (`model`), each kind's fields, a source's and a participant's."""
    found = {"model": [kind.fixture for kind in LOADED]}
    described = [("source", Source), *((kind.fixture, kind.model) for kind in LOADED)]
    described += [("participant", kind.participation) for kind in LOADED if kind.participation]
    for name, model in described:
        for f in model._meta.concrete_fields:
            if f.choices and f.name not in found.get(name, {}):
                labels = {str(value): str(label) for value, label in f.flatchoices}
                found.setdefault(name, {})[f.name] = labels
    return found
