"""The catalogue to take away, each built once per catalogue version and then served from the
cache: `/catalogue.json` (the shape of `programmes.loading.dump`), the Frictionless Data Package
of the current version (`/datapackage.json`, `/releases/<version>.zip`) and `/releases/`."""

import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render

from ..http.caching import document_once
from ..loading import datapackage
from ..loading.dump import dump_catalogue


def catalogue_json(request):
    version = getattr(request, "catalogue_version", None)
    body = document_once(
        request,
        ["catalogue-dump"],
        lambda: json.dumps(dump_catalogue(version), ensure_ascii=False, indent=1).encode(),
    )
    name = version.version[:12] if version else ""
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="catalogue-{name}.json"'
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


def releases(request):
    version = getattr(request, "catalogue_version", None)
    package = json.loads(_package(request)["datapackage.json"]) if version else None
    return render(
        request,
        "programmes/releases.html",
        {
            "version": version,
            "package": package,
            "page_description": (
                "Citable releases of the city cooperation catalogue: every table as CSV with a "
                "Frictionless Data Package descriptor, its version, licence and how to cite it."
            ),
        },
    )
