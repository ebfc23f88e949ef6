"""`/share/<kind>/<slug>.png`: a record's share card, read from disk (drawn once per version)."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from .share_images import KINDS, card_png

MAX_AGE = 24 * 3600


def share_image(request, kind, slug):
    if kind not in KINDS:
        raise Http404(f"no record kind {kind!r}")
    model = KINDS[kind][0]
    records = model.objects.defer("text") if kind == "source" else model.objects.all()
    record = get_object_or_404(records, slug=slug)
    response = HttpResponse(card_png(record), content_type="image/png")
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response
