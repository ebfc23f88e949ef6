"""The catalogue to take away. `/catalogue.json` (the shape of `programmes.loading.dump`) is
written once per catalogue version to a file under DOWNLOADS_DIR (default `var/downloads/`) and
then served from it: a request reads the file, so the download costs neither memory nor the page
cache, whatever the catalogue's size. The file is written whole or not at all (a temporary file
renamed into place), by whichever request first asks for a version; files of other versions are
removed. Should there be no file to read (a folder that cannot be written, a full disk), the
download is streamed for that request from memory. Every list's whole CSV is kept the same way
(`list_csv`, `loading.download_files`).
The Frictionless Data Package of the current version (`/datapackage.json`,
`/releases/<version>.zip`) and `/releases/` are built once per version and kept in the cache."""

import collections
import json
import logging

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from ..formats import exports
from ..http.caching import document_once
from ..loading import datapackage, download_files
from ..loading.dump import dump_catalogue
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


def list_csv(request, kind, records):
    """A list's whole CSV (`/projects.csv`, no parameters): its file of this catalogue version,
    the same bytes as the streamed answer; without one (see `loading.download_files`), streamed
    and written to the file as it goes."""
    path = download_files.list_csv_path(request.catalogue_version, kind)
    fh = download_files.open_whole(path)
    if fh is None:
        stream = download_files.saved(exports.csv_chunks(kind, records), path)
        return exports.csv_response(request, kind, stream, [])
    return file_response(fh, exports.CSV_CONTENT_TYPE, exports.csv_disposition(request, kind, []))


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


def _package(request):
    version = request.catalogue_version
    return document_once(
        request,
        ["catalogue-datapackage"],
        lambda: datapackage.build(version, settings.SITE_URL.rstrip("/")),
    )


def _current(request):
    version = getattr(request, "catalogue_version", None)
    if version is None:
        raise Http404("no catalogue is loaded")
    return version


def datapackage_json(request):
    """The release's descriptor; its resources' paths are relative to the release archive."""
    _current(request)
    return HttpResponse(
        _package(request)["datapackage.json"], content_type="application/json; charset=utf-8"
    )


def release_zip(request, version):
    """The release of this catalogue version as one archive; an older version is not kept here."""
    current = _current(request)
    if version != current.version[:12]:
        raise Http404("only the current catalogue version is served")
    response = HttpResponse(datapackage.zipped(_package(request)), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="city-cooperation-catalogue-{version}.zip"'
    )
    return response


def release_page(request, version):
    """`/releases/<version>/`, the address the citation, the package's `id` and the Dataset name:
    the releases page of the current version; an older version is not kept here."""
    if version != _current(request).version[:12]:
        raise Http404("only the current catalogue version is served")
    return releases(request)


def releases(request):
    version = getattr(request, "catalogue_version", None)
    files = _package(request) if version else {}
    package = json.loads(files["datapackage.json"]) if version else None
    return render(
        request,
        "programmes/releases.html",
        {
            "version": version,
            "package": package,
            "citation_cff": files["CITATION.cff"].decode() if version else "",
            "dataset_ld": dataset_script(version),
            "page_description": (
                "Citable releases of the city cooperation catalogue: every table as CSV with a "
                "Frictionless Data Package descriptor, its version, licence and how to cite it."
            ),
        },
    )
