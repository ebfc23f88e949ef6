"""The benchmark's ceiling: a bare Django site serving a fixed body of a given size.

Its own settings module (`DJANGO_SETTINGS_MODULE=catalogue.ceiling`), URL conf and WSGI
application in one file: Django with three standard middlewares and one view, none of the
catalogue's costs (no database, no version check, no cache, no templates). tests/perf/bench.py
serves it with the same server and flags as the catalogue, so a page's throughput over the
ceiling's is what the catalogue costs on top of the framework.
"""

from django.http import HttpResponse
from django.urls import path

SECRET_KEY = "benchmark-ceiling-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS = []
DATABASES = {}
USE_TZ = True
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
MAX_BYTES = 10_000_000


def ceiling(request, size):
    return HttpResponse(b"x" * min(size, MAX_BYTES), content_type="text/html; charset=utf-8")


urlpatterns = [path("_bench/ceiling/<int:size>/", ceiling, name="bench-ceiling")]


def _application():
    import os

    os.environ["DJANGO_SETTINGS_MODULE"] = __name__
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


application = _application() if __name__ == "catalogue.ceiling" else None
