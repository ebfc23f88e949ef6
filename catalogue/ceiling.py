"""The benchmark's ceiling: a bare view returning a fixed body of a given size.

Mounted only when BENCH_CEILING is on, it goes through the same server and middleware as the
catalogue's pages, so a page's throughput over the ceiling's is what the page itself costs.
"""

from django.http import HttpResponse
from django.urls import path

MAX_BYTES = 10_000_000


def ceiling(request, size):
    return HttpResponse(b"x" * min(size, MAX_BYTES), content_type="text/html; charset=utf-8")


urlpatterns = [path("_bench/ceiling/<int:size>/", ceiling, name="bench-ceiling")]
