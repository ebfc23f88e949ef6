"""The catalogue's API described as OpenAPI 3.1, built from the registry of kinds and the lists'
own FilterSets and `PageForm` (`lists.parameters`), so that the documentation names exactly the
parameters the endpoints accept and says what each accepts as the 400 answers do.
`/api/openapi.json` serves the description; `/api/` renders it as a page with examples.
"""

import django_filters as filters
from django.conf import settings
from django.urls import reverse

from ..http.errors import PROBLEM_JSON
from ..kinds import KINDS, tables
from ..lists.parameters import (
    MAX_CHOICES_NAMED,
    MAX_PAGE,
    MAX_VALUE_LENGTH,
    MAX_VALUES,
    MAX_WORDS,
    CsvForm,
    PageForm,
    is_multi_valued,
)
from ..loading import releases as history
from ..loading.dump import FORMAT, FORMAT_VERSION
from ..pictures.share_images import HEIGHT, WIDTH
from ..search import HITS_PER_GROUP, MAX_QUERY_LENGTH

# A filter of at most this many values in the catalogue is described with every one of them (an
# enum, read when the description is built: once per catalogue version); one of more, by the
# pattern of its values and examples of them, the 400 answering any value the catalogue lacks.
MAX_ENUM = 500
EXAMPLES = 3
# Django's slug path converter; codes (sectors, sector categories) are digits.
SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"
# Words (`q`): at most MAX_WORDS runs of characters that are neither white space nor control
# characters (the request middleware refuses C0 controls and DEL), the white space being what
# str.split() splits at, named one by one: `\s` means less in ECMA-262, the dialect of JSON Schema.
_CONTROLS = "\\u0000-\\u001f\\u007f"
_SPACES = "".join(
    f"\\u{c:04x}" for c in range(0x3001) if chr(c).isspace() and not (c < 0x20 or c == 0x7F)
)
_WORD, _SPACE = f"[^{_SPACES}{_CONTROLS}]", f"[{_SPACES}]"
WORDS_PATTERN = f"^{_SPACE}*(?:{_WORD}+(?:{_SPACE}+{_WORD}+){{0,{MAX_WORDS - 1}}})?{_SPACE}*$"

ANNOTATION = {
    "type": "object",
    "description": "A W3C Web Annotation: the record (body) is stated by this span of a source "
    "(target). `exact` is always the source text from `start` to `end` (Unicode code points).",
    "required": ["@context", "id", "type", "body", "target"],
    "properties": {
        "@context": {"const": "http://www.w3.org/ns/anno.jsonld"},
        "id": {"type": "string", "format": "uri", "description": "the passage in the reader"},
        "type": {"const": "Annotation"},
        "motivation": {"const": "describing"},
        "body": {"type": "string", "format": "uri"},
        "target": {
            "type": "object",
            "properties": {
                "source": {"type": "string", "format": "uri"},
                "selector": {
                    "type": "array",
                    "prefixItems": [
                        {
                            "type": "object",
                            "properties": {
                                "type": {"const": "TextQuoteSelector"},
                                "exact": {"type": "string"},
                                "prefix": {"type": "string"},
                                "suffix": {"type": "string"},
                            },
                        },
                        {
                            "type": "object",
                            "properties": {
                                "type": {"const": "TextPositionSelector"},
                                "start": {"type": "integer"},
                                "end": {"type": "integer"},
                            },
                        },
                    ],
                },
            },
        },
    },
}
EVIDENCE = {
    "type": "object",
    "description": "Per factual field (and `record`, a reading of the record as a whole): "
    "`stated`, the value is what the passages say; or `interpreted`, the catalogue's reading, the "
    "note saying how it was derived and the passages the words it rests on.",
    "additionalProperties": {
        "type": "object",
        "required": ["status", "note", "passages"],
        "properties": {
            "status": {"enum": ["stated", "interpreted"]},
            "note": {"type": "string"},
            "passages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["quote", "source", "start", "end", "url"],
                    "properties": {
                        "quote": {"type": "string", "description": "the source's words"},
                        "source": {"type": "string", "description": "the source's slug"},
                        "start": {"type": "integer", "description": "code point, inclusive"},
                        "end": {"type": "integer", "description": "code point, exclusive"},
                        "url": {"type": "string", "format": "uri", "description": "the reader"},
                    },
                },
            },
        },
    },
}
RECORD = {
    "type": "object",
    "description": "A record's fields (a related record by slug, with its name beside it), its "
    "permalink, each value's evidence (status, note, passages), the catalogue's interpretations "
    "(field: note) and its citations. A programme's and a milestone's participants (each a "
    "city or organisation in a role) carry their own evidence. The "
    "CSV twin has, per factual field `f`, the columns `f__status`, `f__note` and `f__passages`.",
    "required": ["slug", "url", "evidence"],
    "properties": {
        "slug": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "evidence": {"$ref": "#/components/schemas/Evidence"},
        "interpretations": {"type": "object", "additionalProperties": {"type": "string"}},
        "citations": {"type": "array", "items": {"$ref": "#/components/schemas/Annotation"}},
    },
    "additionalProperties": True,
}
LIST_PAGE = {
    "type": "object",
    "required": ["count", "page", "page_size", "next", "previous", "filters", "results"],
    "properties": {
        "catalogue_version": {
            "type": ["string", "null"],
            "description": "the catalogue version the page was read from (12 characters, as "
            "/releases/ names it; also in each record's own JSON and in each CSV's file name)",
        },
        "count": {"type": "integer", "description": "records matching the filters"},
        "page": {"type": "integer"},
        "page_size": {"type": "integer"},
        "num_pages": {"type": "integer"},
        "next": {"type": ["string", "null"], "format": "uri"},
        "previous": {"type": ["string", "null"], "format": "uri"},
        "filters": {
            "type": "object",
            "description": "the applied filters: parameter → values",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "sort": {"type": "string"},
        "description": {"type": "string", "description": "the filters in words"},
        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}},
    },
}
PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem (application/problem+json). A 400 names each bad "
    "parameter and what it accepts in `parameters`; `detail` says the same in one line.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"const": "about:blank"},
        "title": {"type": "string", "description": "the status's phrase: Bad Request, ..."},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "the path asked for"},
        "parameters": {
            "type": "object",
            "description": "each bad parameter (or `query string`, `path`): what it accepts",
            "additionalProperties": {"type": "string"},
        },
        "allow": {"type": "array", "items": {"type": "string"}, "description": "on a 405"},
    },
}
SEARCH_RESULTS = {
    "type": "object",
    "properties": {
        "query": {"type": "string"},
        "engine": {
            "enum": ["postgresql", "simple", None],
            "description": "postgresql: English full-text search with word forms; simple "
            "(SQLite): each word by its English stem, a quoted phrase as written, "
            "case-insensitive; one or two words all needed, more than two half of them, hits "
            "matching more first",
        },
        "count": {"type": "integer"},
        "groups": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string"},
                    "label": {"type": "string"},
                    "truncated": {
                        "type": "boolean",
                        "description": f"more than {HITS_PER_GROUP} hits; only that many shown",
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "title": {"type": "string"},
                                "title_evidence": {
                                    "type": ["object", "null"],
                                    "description": "a record's title: its status ('stated' "
                                    "or 'interpreted', the catalogue's wording or reading) "
                                    "and note; null for a source's passage or paragraph",
                                    "properties": {
                                        "status": {"enum": ["stated", "interpreted"]},
                                        "note": {"type": "string"},
                                    },
                                },
                                "url": {"type": "string", "format": "uri"},
                                "snippet": {
                                    "type": "string",
                                    "description": "HTML: escaped text, matches in <mark>",
                                },
                                "source": {"type": ["object", "null"]},
                                "cited_for": {
                                    "type": ["object", "null"],
                                    "description": "a passage found through a record found "
                                    "above, whose title it states: that record's title and url",
                                    "properties": {
                                        "title": {"type": "string"},
                                        "url": {"type": "string", "format": "uri"},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}
DUMP = {
    "type": "object",
    "description": "The whole catalogue, one key per table, rows named by slug or code (a "
    "passage by '<source slug>:<start>-<end>'); decimal amounts are strings, dates ISO 8601. "
    "`manage.py load_dump FILE` loads it into an empty database.",
    "required": ["format", "format_version", "catalogue_version", "sources", "passages"],
    "properties": {
        "format": {"const": FORMAT},
        "format_version": {"const": FORMAT_VERSION},
        "catalogue_version": {"type": ["string", "null"]},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        **{key: {"type": "array", "items": {"type": "object"}} for key in tables()},
    },
}


_RELEASE = {
    "type": ["object", "null"],
    "required": ["version", "catalogue_version", "released"],
    "properties": {
        "version": {"type": "string", "description": "its first twelve characters"},
        "catalogue_version": {"type": "string", "description": "the SHA-256 it is named by"},
        "released": {"type": "string", "format": "date", "description": "first held by the site"},
    },
}
CHANGES = {
    "type": "object",
    "description": "What changed from the release before (`from`; null for the first the site "
    "held) to this one, read from the two versions' tables: for each table that changed, the "
    "keys of the rows added and removed (whole rows for a table without a key) and each changed "
    "row's fields, with their values before and after as the release's JSON holds them.",
    "required": ["from", "to", "counts", "tables"],
    "properties": {
        "from": _RELEASE,
        "to": {**_RELEASE, "type": "object"},
        "counts": {
            "type": "object",
            "properties": {k: {"type": "integer"} for k in ("added", "removed", "changed")},
        },
        "tables": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["table", "title", "key", "added", "removed", "changed"],
                "properties": {
                    "table": {"type": "string", "description": "its CSV: data/<table>.csv"},
                    "title": {"type": "string"},
                    "key": {"type": ["string", "null"], "description": "the field naming a row"},
                    "added": {"type": "array"},
                    "removed": {"type": "array"},
                    "changed": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "fields"],
                            "properties": {
                                "key": {"type": "string"},
                                "fields": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["field", "from", "to"],
                                        "properties": {"field": {"type": "string"}},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def _problem(description):
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _bad_request():
    return _problem(
        "a parameter is unknown, repeated or has a value the list does not accept; the answer "
        "names each bad parameter and what it accepts"
    )


def _values(filt):
    """The values a filter accepts, as the catalogue holds them now: (values, field)."""
    if isinstance(filt, filters.ModelMultipleChoiceFilter):
        field = filt.extra.get("to_field_name", "slug")
        values = filt.queryset.order_by(field).values_list(field, flat=True)[: MAX_ENUM + 1]
        return [str(v) for v in values], field
    choices = filt.extra.get("choices")
    choices = choices() if callable(choices) else choices
    return [str(value) for value, _label in choices], None


def _filter_parameter(name, filt):
    """One query parameter of a list, described from its django-filter Filter."""
    schema, description, example = {"type": "string"}, str(filt.label or name), None
    many = is_multi_valued(filt)
    if isinstance(filt, filters.OrderingFilter):
        keys = list(filt.param_map)
        # Several columns, separated by commas: `sort=country,-name`.
        schema = {
            "type": "array",
            "items": {"enum": [k for key in keys for k in (key, f"-{key}")]},
            "maxItems": 2 * len(keys),
            "uniqueItems": True,
        }
        description = (
            "sort by these columns, separated by commas, each name at most once; a leading "
            "'-' sorts descending"
        )
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": schema,
            "style": "form",
            "explode": False,
            "example": [keys[0]],
        }
    if isinstance(filt, filters.MultipleChoiceFilter | filters.ModelMultipleChoiceFilter):
        values, field = _values(filt)
        if field is not None:
            noun = filt.queryset.model._meta.verbose_name
            description = filt.extra.get("help_text") or f"{noun} by {field} (as in its URL)"
        else:
            choices = filt.extra.get("choices")
            if callable(choices):
                description = f"{filt.label or name}: a value the list's facet shows"
            else:
                description = "; ".join(f"{value}: {label}" for value, label in choices)
        if values and len(values) <= MAX_ENUM:
            schema = {"enum": values}
        else:  # a catalogue too large to list: the form of its values, and some of them
            pattern = "^[0-9]+$" if all(v.isdigit() for v in values) else SLUG_PATTERN
            schema = {"type": "string", "pattern": pattern, "examples": values[:EXAMPLES]}
        example = values[0] if values else None
    elif isinstance(filt, filters.NumberFilter):
        year = {
            "type": "integer",
            "minimum": filt.extra.get("min_value", 1000),
            "maximum": filt.extra.get("max_value", 2999),
        }
        # Left empty, as a list's form sends a year not filled in, it filters nothing.
        schema = {"anyOf": [year, {"const": ""}]}
        example = 2003
    elif isinstance(filt, filters.CharFilter):
        schema = {"type": "string", "maxLength": MAX_VALUE_LENGTH, "pattern": WORDS_PATTERN}
        description = (
            f"words (at most {MAX_WORDS}), each found in some field (case-insensitive); "
            "no control characters"
        )
    if filt.label and str(filt.label) not in description:
        description = f"{filt.label}: {description}"
    if many:
        description += (
            f"; repeat the parameter for several values, at most {MAX_VALUES} "
            "(they combine with OR)"
        )
        schema = {"type": "array", "items": schema, "maxItems": MAX_VALUES}
        example = [example] if example is not None else None
    parameter = {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }
    if many:
        parameter.update(style="form", explode=True)
    if example is not None:
        parameter["example"] = example
    return parameter


def _pagination():
    fields = PageForm({}).fields
    return [
        {
            "name": "page",
            "in": "query",
            "description": fields["page"].help_text,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
            "example": 1,
        },
        {
            "name": "page_size",
            "in": "query",
            "description": fields["page_size"].help_text,
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": settings.MAX_PAGE_SIZE,
                "default": settings.PAGE_SIZE,
            },
            "example": settings.PAGE_SIZE,
        },
    ]


def _bom():
    field = CsvForm.base_fields["bom"]
    return {
        "name": "bom",
        "in": "query",
        "description": str(field.help_text),
        "schema": {"enum": [value for value, _ in field.choices], "default": "0"},
        "example": "1",
    }


PAST_THE_LAST_PAGE = _problem("`page` is past the last page; the answer names the last")


def _slug_parameter(kind):
    """A record's slug: the form of every slug, and some of the catalogue's as examples (read
    when the description is built, so that they are records it holds)."""
    slugs = kind.model.objects.order_by("slug").values_list("slug", flat=True)[:EXAMPLES]
    return {
        "name": "slug",
        "in": "path",
        "required": True,
        "description": f"the slug of one of the {kind.noun}, as in its URL",
        "schema": {"type": "string", "pattern": SLUG_PATTERN},
        "examples": {slug: {"value": slug} for slug in slugs},
    }


def _list_paths(kind):
    url_name, noun = kind.key, kind.noun
    prefix = kind.list_url().rstrip("/")
    parameters = [
        _filter_parameter(name, filt) for name, filt in kind.filterset.base_filters.items()
    ]
    tag = kind.title
    example = kind.example_filters
    query = "?" + "&".join(f"{k}={v}" for k, v in example) if example else ""
    json_op = {
        "tags": [tag],
        "summary": f"{kind.title}: one page as JSON",
        "description": f"The {noun} of the HTML list at {prefix}/, with the same filters, "
        f"search and order. Example: {prefix}.json{query}",
        "operationId": f"{url_name}_list_json",
        "parameters": parameters + _pagination(),
        "responses": {
            "200": {
                "description": "one page of records",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ListPage"}}
                },
            },
            "400": _bad_request(),
            "404": PAST_THE_LAST_PAGE,
        },
    }
    csv_op = {
        "tags": [tag],
        "summary": f"{kind.title}: every matching record as CSV",
        "description": "One header row; codes with their names beside them, amounts with "
        "currency and as stated, the permalink and the citations. Without `page` the file "
        "holds every matching record; cells that a spreadsheet would run as a formula are "
        "prefixed with '; `bom=1` starts it with a byte-order mark, for spreadsheets. The file "
        f"name says the catalogue version. Example: {prefix}.csv{query}",
        "operationId": f"{url_name}_list_csv",
        "parameters": parameters + _pagination() + [_bom()],
        "responses": {
            "200": {
                "description": "CSV, with a file name saying what was filtered",
                "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
                "content": {"text/csv": {"schema": {"type": "string"}}},
            },
            "400": _bad_request(),
            "404": PAST_THE_LAST_PAGE,
        },
    }
    detail_op = {
        "tags": [tag],
        "summary": f"One of the {noun} as JSON",
        "description": f"The JSON twin of {prefix}/{{slug}}/.",
        "operationId": f"{url_name}_detail_json",
        "parameters": [_slug_parameter(kind)],
        "responses": {
            "200": {
                "description": "the record with its citations",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Record"}}
                },
            },
            "400": _problem("a query parameter: a record takes none"),
            "404": _problem("no such record"),
        },
    }
    paths = {
        f"{prefix}.json": {"get": json_op},
        f"{prefix}.csv": {"get": csv_op},
        f"{prefix}/{{slug}}.json": {"get": detail_op},
    }
    if kind.text:
        paths[f"{prefix}/{{slug}}.txt"] = {
            "get": {
                "tags": [tag],
                "summary": f"The whole text of one of the {noun}",
                "description": "As loaded, byte for byte; a citation's `start` and `end` count "
                "code points in it (the target of each citation's Web Annotation).",
                "operationId": f"{url_name}_detail_text",
                "parameters": detail_op["parameters"],
                "responses": {
                    "200": {
                        "description": "the text",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    "400": _problem("a query parameter: a text takes none"),
                    "404": _problem("no such record"),
                },
            }
        }
    return paths


def _other_paths():
    return {
        reverse("programmes:search-json"): {
            "get": {
                "tags": ["Search"],
                "summary": "Search records and the source documents",
                "description": "Records (names, titles, summaries, descriptions), cited "
                "passages and source paragraphs matching `q`, grouped by kind, each with an "
                "HTML snippet in which the matched words are in <mark>. Several words must all "
                'match; "quoted phrases" match as phrases. Example: /search.json?q=sewage',
                "operationId": "search_json",
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "description": f"words and quoted phrases, at most {MAX_WORDS} words "
                        "and no control characters; empty: no results",
                        "schema": {
                            "type": "string",
                            "maxLength": MAX_QUERY_LENGTH,
                            "pattern": WORDS_PATTERN,
                        },
                        "example": "sewage plants",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "results grouped by kind",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SearchResults"}
                            }
                        },
                    },
                    "400": _bad_request(),
                },
            }
        },
        reverse("programmes:catalogue-json"): {
            "get": {
                "tags": ["Whole catalogue"],
                "summary": "The whole catalogue as one JSON document",
                "description": "Sources with their text, passages, every record with its "
                "citations, participations and sector codes. Loading it with `manage.py "
                "load_dump` into an empty database gives the same catalogue.",
                "operationId": "catalogue_json",
                "responses": {
                    "200": {
                        "description": "the dump",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Dump"}}
                        },
                    }
                },
            }
        },
        "/share/{kind}/{slug}.png": {
            "get": {
                "tags": ["Share images"],
                "summary": f"A record's share card ({WIDTH}×{HEIGHT} PNG)",
                "description": "Its title, the passage that states it and the source; the "
                "image pages name in their Open Graph and Twitter card fields. Example: "
                "/share/project/sewage-processing-plant-1.png",
                "operationId": "share_image",
                "parameters": [
                    {
                        "name": "kind",
                        "in": "path",
                        "required": True,
                        "schema": {"enum": [kind.key for kind in KINDS]},
                    },
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {"description": "the card", "content": {"image/png": {}}},
                    "400": _problem("a query parameter: a card takes none"),
                    "404": _problem("no such kind or record"),
                },
            }
        },
        reverse("programmes:openapi"): {
            "get": {
                "tags": ["About the API"],
                "summary": "This description (OpenAPI 3.1)",
                "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.1 document"}},
            }
        },
    }


def _version_parameter(names):
    return {
        "name": "version",
        "in": "path",
        "required": True,
        "description": "a version the site has held (its first twelve characters), as "
        "/releases/ lists them",
        "schema": {"enum": names},
    }


def _release_paths(version):
    """The release archives and the changes between versions, for every version held (read when
    the description is built: a new version is a new description)."""
    tag, unknown = "Releases", _problem("a query parameter: it takes none")
    held = history.names(version)
    kept = history.names()
    return {
        "/releases/{version}.zip": {
            "get": {
                "tags": [tag],
                "summary": "A release: the Frictionless Data Package of one version, zipped",
                "description": "datapackage.json, one CSV per table and CITATION.cff, for "
                "every version the site has held. Example: "
                + (f"/releases/{held[-1]}.zip" if held else "/releases/{version}.zip"),
                "operationId": "release_zip",
                "parameters": [_version_parameter(held)],
                "responses": {
                    "200": {"description": "the archive", "content": {"application/zip": {}}},
                    "400": unknown,
                    "404": _problem("a version the site has not held"),
                },
            }
        },
        "/releases/{version}/changes.json": {
            "get": {
                "tags": [tag],
                "summary": "What changed from the version before, record by record",
                "description": "Rows added, removed and changed, field by field, per table of "
                "the package; the same as the page /releases/{version}/changes/.",
                "operationId": "release_changes_json",
                "parameters": [_version_parameter(kept)],
                "responses": {
                    "200": {
                        "description": "the changes",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Changes"}}
                        },
                    },
                    "400": unknown,
                    "404": _problem("a version the site has not held, or not kept"),
                },
            }
        },
    }


def openapi(base_url, version):
    """The OpenAPI 3.1 description; `base_url` is the site's root URL, `version` the catalogue
    version (or None)."""
    paths = {}
    for kind in KINDS:
        paths.update(_list_paths(kind))
    paths.update(_other_paths())
    paths.update(_release_paths(version))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "City cooperation catalogue",
            "version": (version.version if version else "unloaded")[:12],
            "description": "Read-only data of the catalogue of city-to-city environmental-"
            "cooperation programmes. Every HTML list has JSON and CSV twins at the same path "
            "with the same query string; every record page has a JSON twin. Every fact carries "
            "its citations as W3C Web Annotations. Bad parameters get a 400 naming them.",
        },
        "servers": [{"url": base_url.rstrip("/")}],
        "paths": paths,
        "components": {
            "schemas": {
                "Annotation": ANNOTATION,
                "Record": RECORD,
                "Evidence": EVIDENCE,
                "ListPage": LIST_PAGE,
                "Problem": PROBLEM,
                "SearchResults": SEARCH_RESULTS,
                "Dump": DUMP,
                "Changes": CHANGES,
            }
        },
    }


def accepts(schema, explode=True):
    """A parameter's schema in words, for the /api/ page."""
    if "anyOf" in schema:  # a value, or empty for none
        return f"{accepts(schema['anyOf'][0])}, or empty (no filter)"
    if schema.get("type") == "array":
        most = schema.get("maxItems")
        how = "repeat the parameter" if explode else "separated by commas"
        many = f"up to {most}, {how}" if most else how
        return f"{accepts(schema['items'])} ({many})"
    if "enum" in schema:
        values = [str(v) for v in schema["enum"]]
        if len(values) > MAX_CHOICES_NAMED:
            return f"one of {len(values)} values: {', '.join(values[:EXAMPLES])}, …"
        return "one of " + ", ".join(values)
    if schema.get("type") == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if high is not None:
            return f"a whole number from {low} to {high}"
        return f"a whole number from {low}" if low is not None else "a whole number"
    if "maxLength" in schema:
        return f"text of at most {schema['maxLength']} characters"
    if "examples" in schema:
        return "a value such as " + ", ".join(schema["examples"])
    if schema.get("pattern") == SLUG_PATTERN:
        return "a slug: letters, digits, - and _"
    return "text"


def _example(parameter):
    value = parameter.get("example")
    if value is None and parameter.get("examples"):
        value = [example["value"] for example in parameter["examples"].values()]
    if value is None:
        return ""
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def endpoints(spec):
    """The description grouped for the /api/ page: [(tag, [endpoint, ...])]."""
    groups = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            parameters = [
                {
                    "name": p["name"],
                    "where": p["in"],
                    "accepts": accepts(p["schema"], p.get("explode", True)),
                    "default": p["schema"].get("default", ""),
                    "description": p.get("description", ""),
                    "example": _example(p),
                }
                for p in op.get("parameters", [])
            ]
            groups.setdefault(op["tags"][0], []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": parameters,
                    "responses": [(code, r["description"]) for code, r in op["responses"].items()],
                    "anchor": op["operationId"].replace("_", "-"),
                }
            )
    return list(groups.items())
