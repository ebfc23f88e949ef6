"""`/api/` documents every endpoint and parameter with examples; `/api/openapi.json` is the same
description as OpenAPI 3.1. Both are built once per catalogue version."""

import json

from django.http import HttpResponse
from django.shortcuts import render

from ..http.caching import document_once
from ..lists.parameters import MAX_VALUES
from ..site import absolute_url
from .api_docs import endpoints, openapi


def _spec(request):
    base_url = absolute_url("/")
    version = getattr(request, "catalogue_version", None)
    return document_once(request, ["openapi", base_url], lambda: openapi(base_url, version))


def openapi_json(request):
    body = json.dumps(_spec(request), ensure_ascii=False, indent=1)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def api_page(request):
    spec = _spec(request)
    return render(
        request,
        "programmes/api.html",
        {
            "spec": spec,
            "groups": endpoints(spec),
            "base_url": spec["servers"][0]["url"],
            "max_values": MAX_VALUES,
            "page_description": (
                "The city cooperation catalogue as data: every list as JSON and CSV with its "
                "page's filters, every record as JSON, citations as W3C Web Annotations."
            ),
        },
    )
