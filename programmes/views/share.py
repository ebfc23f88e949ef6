"""`/share/<kind>/<slug>.png`: a record's share card, read from disk (drawn once per version)."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from ..http.errors import unknown_parameters
from ..kinds import BY_KEY
from ..pictures.share_images import card_png, version_name

MAX_AGE = 24 * 3600


def share_image(request, kind, slug):
    """The card, or an RFC 9457 problem: a 404 for no such kind or record, a 400 for a query
    parameter (a card takes none)."""
    refused = unknown_parameters(request, ())
    if refused:
        return refused
    if kind not in BY_KEY:
        raise Http404(f"no record kind {kind!r}")
    records = BY_KEY[kind].model.objects.defer(*BY_KEY[kind].unread)
    record = get_object_or_404(records, slug=slug)
    version = version_name(getattr(request, "catalogue_version", None))
    response = HttpResponse(card_png(record, version), content_type="image/png")
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response
