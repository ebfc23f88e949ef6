"""Clear 400 answers for bad input: an HTML page in the site's style, or a JSON error object."""

from django.http import JsonResponse
from django.shortcuts import render


def wants_json(request):
    return request.path.endswith(".json")


def bad_request(request, errors):
    """`errors` maps each bad parameter to what it accepts."""
    errors = {
        name: " ".join(str(m) for m in msgs) if isinstance(msgs, list | tuple) else str(msgs)
        for name, msgs in errors.items()
    }
    if wants_json(request):
        return JsonResponse(
            {"error": "bad request", "status": 400, "parameters": errors}, status=400
        )
    return render(request, "400.html", {"errors": errors}, status=400)


def unknown_parameters(request, accepted, who="this page"):
    """The 400 naming each query parameter outside `accepted`, or None when there is none: a
    parameter nothing reads would render (and cache) the page afresh for every value of it."""
    unknown = sorted(set(request.GET) - set(accepted))
    if not unknown:
        return None
    accepts = f"{who} accepts: {', '.join(accepted)}" if accepted else f"{who} takes no parameters"
    return bad_request(request, dict.fromkeys(unknown, f"unknown parameter; {accepts}"))
