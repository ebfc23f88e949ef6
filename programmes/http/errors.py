"""Clear 400 answers for bad input: an HTML page in the site's style or, on a data endpoint, an
RFC 9457 problem (`application/problem+json`) naming each bad parameter."""

from http import HTTPStatus

from django.http import JsonResponse
from django.shortcuts import render

PROBLEM_JSON = "application/problem+json"
# The data endpoints: lists' and records' `.json` and `.csv`, a text's `.txt`, /search.json, the
# API description, the data package, the release archives and the share cards. A script or an
# image loader reads their errors, so they come as data.
DATA_SUFFIXES = (".json", ".csv", ".txt", ".zip", ".png")


def wants_data(request):
    return request.path.endswith(DATA_SUFFIXES)


def problem(request, status, detail="", **members):
    """An RFC 9457 problem: `type` about:blank, so the `title` is the status's own phrase;
    `members` are the catalogue's extension members (`parameters`, `allow`)."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    body.update(members)
    return JsonResponse(
        body,
        status=status,
        content_type=PROBLEM_JSON,
        json_dumps_params={"ensure_ascii": False},
    )


def bad_request(request, errors, status=400):
    """`errors` maps each bad parameter to what it accepts; `status` 404 for a well-formed
    request of something there is not (a page past the last)."""
    errors = {
        name: " ".join(str(m) for m in msgs) if isinstance(msgs, list | tuple) else str(msgs)
        for name, msgs in errors.items()
    }
    if wants_data(request):
        detail = "; ".join(f"{name}: {message}" for name, message in errors.items())
        return problem(request, status, detail, parameters=errors)
    return render(request, f"{status}.html", {"errors": errors}, status=status)


def unknown_parameters(request, accepted, who="this page"):
    """The 400 naming each query parameter outside `accepted`, or None when there is none: a
    parameter nothing reads would render (and cache) the page afresh for every value of it."""
    unknown = sorted(set(request.GET) - set(accepted))
    if not unknown:
        return None
    accepts = f"{who} accepts: {', '.join(accepted)}" if accepted else f"{who} takes no parameters"
    return bad_request(request, dict.fromkeys(unknown, f"unknown parameter; {accepts}"))
