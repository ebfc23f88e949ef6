"""`/catalogue.json`: the whole catalogue in the shape of `programmes.loading.dump`, built once per
catalogue version and then served from the cache."""

import json

from django.http import HttpResponse
from django.shortcuts import render

from ..http.caching import document_once
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


def releases(request):
    version = getattr(request, "catalogue_version", None)
    return render(
        request,
        "programmes/releases.html",
        {
            "version": version,
            "page_description": (
                "Citable releases of the city cooperation catalogue: every table as CSV with a "
                "Frictionless Data Package descriptor, its version, licence and how to cite it."
            ),
        },
    )
