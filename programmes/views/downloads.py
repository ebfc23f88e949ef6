"""`/catalogue.json`: the whole catalogue in the shape of `programmes.loading.dump`, built once per
catalogue version and then served from the cache."""

import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from ..loading.dump import dump_catalogue
from ..models import CatalogueVersion


def catalogue_json(request):
    current = CatalogueVersion.objects.current()
    version = current[0] if current else ""
    key = f"catalogue-dump:{version}"
    body = cache.get(key) if getattr(settings, "CACHE_PAGES", True) else None
    if body is None:
        body = json.dumps(dump_catalogue(), ensure_ascii=False, indent=1).encode()
        cache.set(key, body)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="catalogue-{version[:12]}.json"'
    return response
