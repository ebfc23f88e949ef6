"""`/api/` documents every endpoint and parameter with examples; `/api/openapi.json` is the same
description as OpenAPI 3.1. Both are built once per catalogue version."""

import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render

from ..models import CatalogueVersion
from .api_docs import endpoints, openapi


def _spec(request):
    version = CatalogueVersion.objects.current()
    base_url = request.build_absolute_uri("/")
    key = f"openapi:{version[0] if version else ''}:{base_url}"
    spec = cache.get(key) if getattr(settings, "CACHE_PAGES", True) else None
    if spec is None:
        spec = openapi(base_url)
        cache.set(key, spec)
    return spec


def openapi_json(request):
    body = json.dumps(_spec(request), ensure_ascii=False, indent=1)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def api_page(request):
    spec = _spec(request)
    return render(
        request,
        "programmes/api.html",
        {"spec": spec, "groups": endpoints(spec), "base_url": spec["servers"][0]["url"]},
    )
