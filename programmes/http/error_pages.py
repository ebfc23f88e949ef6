"""The catalogue's error answers: 400, 404, 405, 500 and 503 pages, or on a data endpoint RFC 9457
problems (`application/problem+json`).

They render without touching the database (no context processors), so they still answer when the
database is what failed, and they say nothing about the software, its versions or its queries.
"""

import logging
import sys

from django.http import HttpResponse
from django.template.loader import render_to_string

from ..outages import answered_as_outage, database_unavailable
from .errors import problem, wants_data

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
PLAIN_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} · City cooperation'
    " catalogue</title></head><body><main><h1>{title}</h1><p>Please try again in a few seconds."
    '</p><p><a href="/">Home page</a></p></main></body></html>'
)


def error_response(request, status, title, context=None, template=None):
    context = context or {}
    if wants_data(request):
        members = {k: v for k, v in context.items() if k in ("parameters", "allow")}
        response = problem(request, status, context.get("detail", ""), **members)
    else:
        try:
            html = render_to_string(
                template or f"{status}.html", {"request": request, "title": title, **context}
            )
        except Exception:
            if status < 500:
                raise
            # The page that reports a failure must not fail in turn (a missing static manifest).
            logger.exception("error page %s could not be rendered", status)
            html = PLAIN_PAGE.format(title=title)
        response = HttpResponse(html, status=status)
    response["Cache-Control"] = "no-store" if status >= 500 else "public, max-age=60"
    return response


def invalid_request(request, exception=None):
    return error_response(request, 400, "Bad request")


def page_not_found(request, exception=None):
    return error_response(request, 404, "Not found")


def method_not_allowed(request, allowed):
    response = error_response(
        request, 405, "Method not allowed", {"allow": list(allowed), "method": request.method}
    )
    response["Allow"] = ", ".join(allowed)
    return response


# What a 503 says is busy, when it is not the database that is unreachable.
BUSY = {
    "searches": "The catalogue is answering as many searches as it can at the moment.",
    "streams": "The catalogue is sending as many downloads as it can at the moment.",
}


def service_unavailable(request, busy=None):
    """The quick 503: the database cannot be reached, or (`busy`, a key of BUSY) the server is
    doing as much of that work as it takes on at once."""
    context = {"busy": BUSY[busy], "detail": BUSY[busy]} if busy else {}
    response = error_response(request, 503, "Service unavailable", context)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    """handler500; an unreachable database (or a damaged SQLite file) is a 503 (try again), not
    a fault of the catalogue."""
    exception = sys.exc_info()[1]
    if database_unavailable(exception):
        answered_as_outage(exception)
        return service_unavailable(request)
    return error_response(request, 500, "Server error")
