from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("", include("programmes.urls")),
]

if settings.BENCH_CEILING:
    from . import ceiling

    urlpatterns += ceiling.urlpatterns
