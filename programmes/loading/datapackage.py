"""The catalogue as a Frictionless Data Package: one CSV per table of the dump and a
`datapackage.json` that describes them — field types, primary and foreign keys, licence, the
catalogue version, the source documents' SHA-256 and how to cite the release — with the same
citation as a `CITATION.cff` (Citation File Format 1.2.0; the repository's own copy at its top
level is checked against it by tests/test_citation.py).

Built from `dump.dump_catalogue()`, so the package holds exactly what `/catalogue.json` holds.
A reference to another row is its natural key (a slug, a code, a passage id), as in the dump; a
many-to-many field or a row's citations is a JSON array of those, and a JSON object field
(evidence, interpretations) is JSON text, as Table Schema's `array` and `object` types read them.
"""

import csv
import datetime
import hashlib
import io
import json
import zipfile

from django.db import models

from ..kinds import BY_MODEL
from ..models import Passage, Sector, SectorCategory
from .dump import CITATIONS, TABLES, _fields, _links, _m2m_name, dump_catalogue

PROFILE = "tabular-data-package"
TITLE = "City cooperation catalogue"
DESCRIPTION = (
    "City-to-city environmental-cooperation programmes — who cooperated with whom, what was "
    "funded, for how much, in which sector and when — each value with the passage of the source "
    "document that states it or the catalogue's note on how it was derived."
)
# The catalogue's own work (its records, evidence notes and classification) is offered under
# this licence; the quoted source texts remain their authors' and publishers'.
LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
KEYWORDS = ["city-to-city cooperation", "environment", "development finance"]
SOURCE_TERMS = (
    "The texts of the source documents are reproduced for citation; their authors' and "
    "publishers' terms apply to them."
)

TYPES = [
    (models.BooleanField, "boolean"),
    (models.DateTimeField, "datetime"),
    (models.DateField, "date"),
    (models.DecimalField, "number"),
    ((models.IntegerField, models.PositiveIntegerField, models.AutoField), "integer"),
    (models.JSONField, "object"),
]


def key_field(model):
    if model in (Sector, SectorCategory):
        return "code"
    if model is Passage:
        return "id"
    return "slug" if any(f.name == "slug" for f in model._meta.fields) else None


def _type(field):
    if field.is_relation:  # a slug, a code or a passage id
        return "string"
    for classes, name in TYPES:
        if isinstance(field, classes):
            return name
    return "string"


def schema(name, model):
    """The Table Schema of one table: its fields in the dump's order, keys and references."""
    fields, foreign_keys = [], []
    if model is Passage:
        fields.append({"name": "id", "type": "string", "description": "source slug:start-end"})
    for f in _fields(model):
        entry = {"name": f.name, "type": _type(f)}
        text = str(getattr(f, "help_text", "") or "")
        if text:
            entry["description"] = text
        if not f.null and not f.blank and not f.is_relation and f.name != "interpretations":
            entry["constraints"] = {"required": True}
        fields.append(entry)
        if f.is_relation:
            target = f.related_model
            foreign_keys.append(
                {
                    "fields": f.name,
                    "reference": {
                        # Table Schema names a reference to the table's own rows "".
                        "resource": "" if target is model else resource_name(target),
                        "fields": key_field(target),
                    },
                }
            )
    for f in _links(model):
        fields.append(
            {
                "name": _m2m_name(f),
                "type": "array",
                "description": (
                    "ids of the passages (table passages) that state this record"
                    if _m2m_name(f) == CITATIONS
                    else f"keys of rows of {resource_name(f.related_model)}"
                ),
            }
        )
    data = {"fields": fields}
    key = key_field(model)
    if key:
        data["primaryKey"] = key
    if foreign_keys:
        data["foreignKeys"] = foreign_keys
    return data


def resource_name(model):
    return next(name for name, m in TABLES.items() if m is model).replace("_", "-")


def cell(value):
    """A value as its CSV cell holds it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def resource_title(name, model):
    """A table's title: its kind's, or its dump name's words."""
    kind = BY_MODEL.get(model)
    return kind.title if kind else name.replace("_", " ").capitalize()


def table_csv(rows, fields):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([cell(row.get(name)) for name in fields])
    return out.getvalue().encode()


def build(version, site_url, dump=None):
    """{file name: bytes} of the package: every table's CSV, `datapackage.json` and
    `CITATION.cff`. `dump`: the version's contents (a release's, `loading.releases`), read from
    the database when not given."""
    dump = dump_catalogue(version) if dump is None else dump
    files, resources = {}, []
    for name, model in TABLES.items():
        table = schema(name, model)
        for f in table["fields"]:
            if f["type"] == "object":
                # A JSON field holds an object or a list; say which from what this table holds.
                values = [row.get(f["name"]) for row in dump[name]]
                if values and all(isinstance(v, list) for v in values):
                    f["type"] = "array"
        body = table_csv(dump[name], [f["name"] for f in table["fields"]])
        path = f"data/{name.replace('_', '-')}.csv"
        files[path] = body
        resource = {
            "name": resource_name(model),
            "path": path,
            "title": resource_title(name, model),
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": len(body),
            "hash": f"sha256:{hashlib.sha256(body).hexdigest()}",
            "schema": table,
        }
        if model.__name__ == "Source":
            resource["description"] = SOURCE_TERMS
        resources.append(resource)
    files["datapackage.json"] = json.dumps(
        descriptor(version, site_url, dump, resources), ensure_ascii=False, indent=1
    ).encode()
    files["CITATION.cff"] = citation_cff(version, dump, site_url).encode()
    return files


def descriptor(version, site_url, dump, resources):
    short = version.version[:12]
    created = version.loaded_at.astimezone(datetime.UTC).replace(microsecond=0)
    return {
        "profile": PROFILE,
        "name": "city-cooperation-catalogue",
        "id": release_url(version, site_url),
        "title": TITLE,
        "description": DESCRIPTION,
        "version": short,
        "catalogue_version": version.version,
        "created": created.isoformat().replace("+00:00", "Z"),
        "homepage": f"{site_url}/",
        "licenses": [LICENCE],
        "citation": citation_text(version, site_url),
        "sources": [
            {
                "title": source["title"],
                "path": f"{site_url}/sources/{source['slug']}/",
                "description": f"SHA-256 {source['sha256']} of its text ({source['filename']})",
            }
            for source in dump["sources"]
        ],
        "keywords": KEYWORDS,
        "resources": resources,
    }


ARCHIVE = "The release: every table as CSV, with its Data Package descriptor and CITATION.cff"


def dataset_json_ld(version, site_url):
    """The catalogue as a schema.org Dataset (the home page's and /releases/'s JSON-LD), so that
    dataset search engines find it: its version, licence, citation and the files it comes as."""
    short = version.version[:12]
    files = [
        ("application/zip", archive_url(version, site_url), ARCHIVE),
        ("application/json", f"{site_url}/datapackage.json",
         "The release's Data Package descriptor"),
        ("application/json", f"{site_url}/catalogue.json",
         "The whole catalogue as one JSON document"),
    ]  # fmt: skip
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": release_url(version, site_url),
        "name": TITLE,
        "description": DESCRIPTION,
        "url": f"{site_url}/",
        "version": short,
        "dateModified": version.loaded_at.date().isoformat(),
        "license": LICENCE["path"],
        "isAccessibleForFree": True,
        "keywords": KEYWORDS,
        "citation": citation_text(version, site_url),
        "distribution": [
            {
                "@type": "DataDownload",
                "encodingFormat": media_type,
                "contentUrl": url,
                "description": description,
            }
            for media_type, url, description in files
        ],
    }


def release_url(version, site_url):
    """The page of a release, as its citation, its package `id` and its Dataset name it."""
    return f"{site_url}/releases/{version.version[:12]}/"


def archive_url(version, site_url):
    return f"{site_url}/releases/{version.version[:12]}.zip"


def citation_text(version, site_url):
    return (
        f"{TITLE}, version {version.version[:12]} ({version.loaded_at:%Y-%m-%d}). "
        f"{release_url(version, site_url)}"
    )


def _yaml(value):
    # A JSON string is a YAML double-quoted scalar: every value is written quoted, so none is
    # read back as a number, a date or a boolean.
    return json.dumps(value, ensure_ascii=False)


# What a site adds to a release's citation: where and when it released the version. The
# repository's CITATION.cff (`citation_cff` without a site) has none of them: a clone served
# elsewhere releases the same version at its own address, on its own day.
SITE_KEYS = ("date-released", "url")


def citation_cff(version, dump, site_url=None):
    """The release's citation in Citation File Format 1.2.0: the dataset, its version and
    licence, and the source documents it quotes as references (their authors as stated, their
    texts' SHA-256); served from `site_url`, also the day the site first held the version
    (`version.loaded_at`, a release's: `loading.releases`) and the release's page, which names
    the version: a citation made from it (cffconvert's BibTeX, APA) gives year and URL, and APA
    the version too (BibTeX's @misc has no version field: its URL names it)."""
    site = []
    if site_url:
        site = [
            f"date-released: {_yaml(version.loaded_at.date().isoformat())}",
            f"url: {_yaml(release_url(version, site_url))}",
        ]
    lines = [
        'cff-version: "1.2.0"',
        "message: "
        + _yaml(
            "Cite this dataset by its version: the first twelve characters of the SHA-256 of "
            "everything it was built from, as on the releases page and in datapackage.json. "
            "Quote a source's words from the source, cited as its authors' and publishers' work."
        ),
        'type: "dataset"',
        f"title: {_yaml(TITLE)}",
        "authors:",
        f"  - name: {_yaml(f'{TITLE} contributors')}",
        f"version: {_yaml(version.version[:12])}",
        *site,
        f"license: {_yaml(LICENCE['name'])}",
        f"abstract: {_yaml(DESCRIPTION)}",
        "keywords:",
        *(f"  - {_yaml(word)}" for word in KEYWORDS),
        "references:",
    ]
    for source in dump["sources"]:
        lines += [
            f"  - type: {_yaml('generic')}",
            f"    title: {_yaml(source['title'])}",
            "    authors:",
            # CFF asks for an author; a source that names none is "anonymous", not guessed.
            f"      - name: {_yaml(source['author'] or 'anonymous')}",
        ]
        if source["date_precision"] == "day" and not source["date_inferred"]:
            lines.append(f"    date-published: {_yaml(source['date'])}")
        lines.append(
            "    notes: "
            + _yaml(
                f"{source['kind'].replace('-', ' ').capitalize()}; SHA-256 {source['sha256']} "
                f"of its text ({source['filename']}). {SOURCE_TERMS}"
            )
        )
    return "\n".join(lines) + "\n"


def zipped(files):
    """The package as one zip archive (deterministic: fixed order and timestamps)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return out.getvalue()
