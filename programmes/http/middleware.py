"""Request hardening that holds for every URL, before any view runs.

The views validate what their parameters mean (django-filter answers a bad sector code or year);
this module refuses what no view could accept: methods other than GET/HEAD/OPTIONS, bytes that are
not UTF-8, control characters, over-long values and query strings, too many parameters, a
parameter repeated when it takes a single value and one given more than MAX_VALUES values. Each
refusal is a 400 naming the parameter (an RFC 9457 problem on a data endpoint).
Which parameters may repeat, and how long a value may be, it reads from `lists.parameters` and
the lists' FilterSets in the registry, as the lists themselves do.
"""

from functools import cache
from urllib.parse import unquote_to_bytes

from csp.constants import HEADER as CSP_HEADER
from csp.utils import build_policy
from django.urls import Resolver404, resolve

from ..kinds import KINDS
from ..lists.parameters import MAX_VALUE_LENGTH, MAX_VALUES, multi_valued
from .error_pages import method_not_allowed
from .errors import bad_request

ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")
# Room for the longest query string the API description allows (tests/test_api.py): a `q` of
# 200 characters beyond the BMP is 2,400 once percent-encoded.
MAX_QUERY_STRING = 8192
MAX_PARAMETERS = 64
MAX_NAME = 50
# C0 controls and DEL: no catalogue value contains one, and PostgreSQL refuses NUL outright.
CONTROL_CHARACTERS = frozenset(chr(c) for c in [*range(0x20), 0x7F])


@cache
def multi_valued_parameters():
    """Names some list accepts several times (`?sector=a&sector=b`); all others are single."""
    return frozenset().union(*(multi_valued(kind.filterset) for kind in KINDS))


def _wsgi_bytes(text):
    # WSGI hands over raw bytes decoded as Latin-1; anything beyond it came as text already.
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _decode(raw, what):
    """Percent-decode one query-string part as strict UTF-8; return (text, problem)."""
    try:
        text = unquote_to_bytes(_wsgi_bytes(raw).replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return None, f"{what} is not valid UTF-8"
    if CONTROL_CHARACTERS.intersection(text):
        return None, f"{what} contains a control character"
    return text, None


def query_string_errors(query_string):
    """{parameter: what it accepts} for the generic faults of a raw query string."""
    if len(query_string) > MAX_QUERY_STRING:
        return {"query string": f"at most {MAX_QUERY_STRING} characters"}
    pairs = [p for p in query_string.split("&") if p]
    if len(pairs) > MAX_PARAMETERS:
        return {"query string": f"at most {MAX_PARAMETERS} parameters"}
    errors, seen = {}, {}
    multi = multi_valued_parameters()
    for pair in pairs:
        raw_name, _, raw_value = pair.partition("=")
        name, problem = _decode(raw_name, "the parameter name")
        if problem:
            errors.setdefault("query string", problem)
            continue
        if len(name) > MAX_NAME:
            errors.setdefault("query string", f"parameter names of at most {MAX_NAME} characters")
            continue
        value, problem = _decode(raw_value, "the value")
        if problem:
            errors.setdefault(name, problem)
        elif len(value) > MAX_VALUE_LENGTH:
            errors.setdefault(name, f"at most {MAX_VALUE_LENGTH} characters")
        elif name in seen and name not in multi:
            errors.setdefault(name, "a single value; the parameter is repeated")
        elif seen.get(name) == MAX_VALUES:
            errors.setdefault(name, f"at most {MAX_VALUES} values")
        seen[name] = seen.get(name, 0) + 1
    return errors


def path_is_utf8(request):
    # Django re-percent-encodes the bytes of a path that are not UTF-8 (repercent_broken_unicode).
    if "%" not in request.path_info:
        return True
    try:
        unquote_to_bytes(request.path_info).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class AllowedMethodsMiddleware:
    """The catalogue is read-only: GET and HEAD are served, OPTIONS says so, the rest is 405."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ALLOWED_METHODS:
            return method_not_allowed(request, ALLOWED_METHODS)
        if request.method == "OPTIONS":
            try:
                resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            response = method_not_allowed(request, ALLOWED_METHODS)
            response.status_code = 200
            response.content = b""
            response["Content-Length"] = "0"
            return response
        response = self.get_response(request)
        if request.method == "HEAD" and not response.streaming:
            # The headers (Content-Length included) describe the GET; the body is not sent.
            response.headers.setdefault("Content-Length", str(len(response.content)))
            response.content = b""
        return response


class QueryStringMiddleware:
    """400, naming the parameter, for input no view can accept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not path_is_utf8(request):
            return bad_request(request, {"path": "the address is not valid UTF-8"})
        errors = query_string_errors(request.META.get("QUERY_STRING", ""))
        if errors:
            return bad_request(request, errors)
        return self.get_response(request)


# The media types of the catalogue's data (lists' and records' JSON and CSV, the API description,
# the data package and its archive): read by scripts on any site.
OPEN_DATA_TYPES = (
    "application/json",
    "application/problem+json",
    "text/csv",
    "application/zip",
    "text/plain",
)


class CrossOriginResourcePolicyMiddleware:
    """Other sites may link to the catalogue's pages and images but not embed them; its data
    (OPEN_DATA_TYPES, errors included) any site's scripts may read: it carries no credentials,
    no cookie and nothing that differs from one reader to another."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        media_type = response.get("Content-Type", "").split(";")[0].strip()
        if media_type in OPEN_DATA_TYPES:
            response.headers.setdefault("Access-Control-Allow-Origin", "*")
            response.headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")
        else:
            response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class ContentSecurityPolicyMiddleware:
    """CONTENT_SECURITY_POLICY as one header string, built when the process starts.

    django-csp's middleware builds the policy anew for every answer, to allow per-view changes
    and nonces; the catalogue uses neither (no inline script or style), so the header is fixed.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = build_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(CSP_HEADER, self.policy)
        return response
