"""The catalogue to take away. `/catalogue.json` (the shape of `programmes.loading.dump`) is
written once per catalogue version to a file under DOWNLOADS_DIR (default `var/downloads/`) and
then served from it: a request reads the file, so the download costs neither memory nor the page
cache, whatever the catalogue's size. The file is written whole or not at all (a temporary file
renamed into place), by whichever request first asks for a version; files of other versions are
removed. Should there be no file to read (a folder that cannot be written, a full disk), the
download is streamed for that request from memory. Every list's whole CSV is kept the same way
(`list_csv`, `loading.download_files`).
The Frictionless Data Package of the current version (`/datapackage.json`) and of every version
the site has held (`/releases/<version>.zip`, kept as `models.Release`), their pages and the
changes between them are built once per version and kept in the cache."""

import collections
import json
import logging

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render

from ..formats import exports
from ..http.caching import document_once
from ..http.errors import unknown_parameters
from ..loading import datapackage, download_files
from ..loading import releases as history
from ..loading.dump import dump_catalogue
from ..models import Release
from .linked_data import dataset_script

logger = logging.getLogger(__name__)


# Bytes read from a download's file per chunk of the answer (FileResponse's own is 4 KiB).
FILE_BLOCK = 256 * 1024


def file_response(fh, content_type, disposition):
    """The open file `fh` as the answer, read as it is sent, never whole in memory."""
    response = FileResponse(fh, content_type=content_type)
    response.block_size = FILE_BLOCK
    response["Content-Disposition"] = disposition
    return response


def list_csv(request, kind, records, bom=False):
    """A list's whole CSV (`/projects.csv`, no filter): its file of this catalogue version, the
    same bytes as the streamed answer (after a byte-order mark, `bom`); without one (see
    `loading.download_files`), streamed and written to the file as it goes."""
    path = download_files.list_csv_path(request.catalogue_version, kind)
    fh = download_files.open_whole(path)
    if fh is None:
        stream = download_files.saved(exports.csv_chunks(kind, records), path)
        return exports.csv_response(request, kind, stream, [], bom)
    if bom:
        return exports.csv_response(request, kind, _blocks(fh), [], bom)
    return file_response(fh, exports.CSV_CONTENT_TYPE, exports.csv_disposition(request, kind, []))


def _blocks(fh):
    """The open file's bytes, FILE_BLOCK at a time, closed when read."""
    with fh:
        yield from iter(lambda: fh.read(FILE_BLOCK), b"")


def _encoded(data, size=FILE_BLOCK):
    """The catalogue's JSON as text in pieces of about `size` characters (the encoder's own are
    single tokens)."""
    pieces, length = [], 0
    for piece in json.JSONEncoder(ensure_ascii=False, indent=1).iterencode(data):
        pieces.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(pieces)
            pieces, length = [], 0
    if pieces:
        yield "".join(pieces)


def catalogue_json(request):
    """The whole catalogue: its file of this version, written first by the request that finds
    none (`loading.download_files.saved`: whole or not at all, the previous version's removed);
    streamed from memory for this answer when there is no file to read (a folder that cannot be
    written, a full disk, another request writing it)."""
    version = getattr(request, "catalogue_version", None)
    name = version.version[:12] if version else ""
    disposition = f'inline; filename="catalogue-{name}.json"'
    content_type = "application/json; charset=utf-8"
    data = None
    if version is not None:
        path = download_files.catalogue_path(version)
        fh = download_files.open_whole(path)  # None too for a file not whole (then removed)
        if fh is None:
            data = dump_catalogue(version)
            collections.deque(download_files.saved(_encoded(data), path, keep=1), maxlen=0)
            fh = download_files.open_whole(path)
        if fh is not None:
            return file_response(fh, content_type, disposition)
        logger.warning("no file of the catalogue download; streaming it from memory")
    data = dump_catalogue(version) if data is None else data
    response = StreamingHttpResponse(
        (piece.encode() for piece in _encoded(data)), content_type=content_type
    )
    response.reads_database = False  # built whole already: a slow client holds no snapshot
    response["Content-Disposition"] = disposition
    return response


def _current(request):
    version = getattr(request, "catalogue_version", None)
    if version is None:
        raise Http404("no catalogue is loaded")
    return version


def _held(request, name):
    """(the release `name` names, its contents): any version the site has held. The current
    version is served even where it was loaded before releases were kept (its contents read
    from the database then, None)."""
    release = Release.objects.named(name)
    if release is not None:
        return release, history.contents(release)
    current = getattr(request, "catalogue_version", None)
    if current is not None and current.version[:12] == name:
        return current, None
    raise Http404(f"the site has held no catalogue version {name!r}")


def _package(request, name=None):
    """{file name: bytes} of the package of release `name` (default: the current version)."""
    name = name or _current(request).version[:12]
    release, dump = _held(request, name)
    return document_once(
        request,
        ["release-package", name],
        lambda: datapackage.build(release, settings.SITE_URL.rstrip("/"), dump),
    )


def datapackage_json(request):
    """The release's descriptor; its resources' paths are relative to the release archive."""
    _current(request)
    return HttpResponse(
        _package(request)["datapackage.json"], content_type="application/json; charset=utf-8"
    )


def release_zip(request, version):
    """The package of any version the site has held, as one archive."""
    refused = unknown_parameters(request, ())
    if refused:
        return refused
    _held(request, version)
    response = HttpResponse(
        datapackage.zipped(_package(request, version)), content_type="application/zip"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="city-cooperation-catalogue-{version}.zip"'
    )
    return response


def release_page(request, version):
    """`/releases/<version>/`, the address the citation, the package's `id` and the Dataset name:
    the page of that release, for every version the site has held."""
    return _release_page(request, version)


def releases(request):
    """`/releases/`: the current release's page, with every release the site has held."""
    if getattr(request, "catalogue_version", None) is None:
        return render(request, "programmes/releases.html", {"page_description": DESCRIPTION})
    return _release_page(request, request.catalogue_version.version[:12])


DESCRIPTION = (
    "Citable releases of the city cooperation catalogue: every version it has held as a "
    "Frictionless Data Package, how to cite it, and what changed between versions."
)


def _history(request):
    """Every release (name, date, whether its changes are kept), newest first: the current
    version among them even if it was loaded before releases were kept."""
    held = [(r.name, r.loaded_at, True) for r in Release.objects.listed()]
    current = request.catalogue_version
    if not any(name == current.version[:12] for name, _, _ in held):
        held.append((current.version[:12], current.loaded_at, False))
    return held[::-1]


def _release_page(request, name):
    release, _ = _held(request, name)
    files = _package(request, name)
    return render(
        request,
        "programmes/releases.html",
        {
            "version": release,
            "current": request.catalogue_version.version == release.version,
            "package": json.loads(files["datapackage.json"]),
            "citation_cff": files["CITATION.cff"].decode(),
            "history": _history(request),
            "dataset_ld": dataset_script(release),
            "page_description": DESCRIPTION,
        },
    )


def _cells(table):
    """A table's changed fields as (key, field, before, after), the values as the release's CSV
    cells hold them; the key only on a row's first field."""
    cells = []
    for row in table["changed"]:
        for i, f in enumerate(row["fields"]):
            key = row["key"] if i == 0 else None
            before, after = datapackage.cell(f["from"]), datapackage.cell(f["to"])
            cells.append((key, len(row["fields"]), f["field"], before, after))
    return cells


def release_changes(request, version, format="html"):
    """What changed from the release before `version` to it, field by field (`loading.releases`),
    as a page or as JSON."""
    refused = unknown_parameters(request, ())
    if refused:
        return refused
    release, _ = _held(request, version)
    if not isinstance(release, Release):
        raise Http404(f"version {version} was loaded before releases were kept: no changes")
    changes = document_once(request, ["release-changes", version], lambda: history.changes(release))
    if format == "json":
        return JsonResponse(changes, json_dumps_params={"ensure_ascii": False, "indent": 1})
    return render(
        request,
        "programmes/release_changes.html",
        {
            "changes": changes,
            "tables": [{**t, "cells": _cells(t)} for t in changes["tables"]],
            "page_description": (
                f"What changed in the city cooperation catalogue from version "
                f"{(changes['from'] or {}).get('version', '—')} to {version}: records added, "
                f"removed and changed, field by field."
            ),
        },
    )
