"""Security headers on every kind of answer, no cookies, and deployment checks that pass."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from programmes.models import Source

pytestmark = pytest.mark.django_db

# An HTML page, a JSON and a CSV twin, a static file and error answers.
URLS = [
    "/",
    "/projects/",
    "/projects.json",
    "/projects.csv",
    "/cities/dalian/",
    "/cities/dalian.json",
    "/search/?q=water",
    "/projects/?page=abc",
    "/projects.json?page=abc",
    "/no-such-page/",
]

CSP = {
    "default-src": "'none'",
    "connect-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _policy(header):
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


@pytest.mark.parametrize("url", URLS)
def test_every_answer_carries_a_strict_content_security_policy(client, url):
    response = client.get(url)
    policy = _policy(response["Content-Security-Policy"])
    assert policy == CSP
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


# Data (JSON, CSV, the API description, the package) is open to scripts of other sites; pages,
# pictures and static files are not embedded elsewhere.
DATA_URLS = {u for u in URLS if ".json" in u or ".csv" in u} | {
    "/api/openapi.json",
    "/datapackage.json",
}


def _expected(url, header):
    if header == "Cross-Origin-Resource-Policy" and url in DATA_URLS:
        return "cross-origin"
    return HEADERS[header]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("header", sorted(HEADERS))
def test_every_answer_carries_the_security_headers(client, url, header):
    assert client.get(url)[header] == _expected(url, header)


@pytest.mark.parametrize("url", sorted(DATA_URLS | set(URLS)))
def test_data_is_readable_by_scripts_of_other_sites_and_pages_are_not(client, url):
    response = client.get(url, headers={"Origin": "https://elsewhere.example"})
    if url in DATA_URLS:
        assert response["Access-Control-Allow-Origin"] == "*", url
        assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    else:
        assert "Access-Control-Allow-Origin" not in response, url
        assert response["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.mark.parametrize("url", URLS)
def test_no_answer_sets_a_cookie(client, url):
    response = client.get(url)
    assert "Set-Cookie" not in response
    assert not response.cookies


@pytest.mark.parametrize("method", ["post", "delete"])
def test_a_refused_method_carries_the_headers_too(client, method):
    response = getattr(client, method)("/projects/")
    assert response.status_code == 405
    assert _policy(response["Content-Security-Policy"]) == CSP
    for header, value in HEADERS.items():
        assert response[header] == value


def test_behind_https_it_redirects_and_sends_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 63_072_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    plain = client.get("/projects/?page=1")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/projects/?page=1"
    secure = client.get("/projects/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"


PRODUCTION_ENV = {
    "CATALOGUE_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "HTTPS": "1",
    "ALLOWED_HOSTS": "catalogue.example.org",
}


def _run(args, env):
    environ = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_settings_pass_the_deployment_checks():
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_production_settings_ask_for_hsts_of_a_year_and_more():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER[0])"
    )
    result = _run(["shell", "-c", code], PRODUCTION_ENV)
    seconds, subdomains, preload, redirect, header = result.stdout.splitlines()[-1].split()
    assert int(seconds) >= 365 * 24 * 3600
    assert (subdomains, preload, redirect, header) == (
        "True",
        "True",
        "True",
        "HTTP_X_FORWARDED_PROTO",
    )


def test_without_https_the_deployment_checks_fail():
    # The check is real: production without HTTPS=1 lacks HSTS and the redirect.
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"], {**PRODUCTION_ENV, "HTTPS": "0"}
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", re.I)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/projects/",
        "/cities/",
        "/cities/dalian/",
        "/programmes/model-city-yen-loan-programme/",
        "/milestones/",
        "/sources/",
        "source reader",
        "/search/?q=water",
        "/no-such-page/",
    ],
)
def test_no_page_needs_what_the_policy_forbids(client, url):
    """No inline script or style: under the policy a browser would refuse them."""
    if url == "source reader":
        url = Source.objects.first().get_absolute_url()
    html = client.get(url).content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)  # event-handler attributes are inline scripts
