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
