"""Every URL of the catalogue. Each kind in `programmes.kinds` has the same five: its list and
record pages and their twins; `views/lists.py` and `views/records.py` answer them all."""

from django.urls import path

from .kinds import KINDS
from .views import api, downloads, lists, records, search, share, site

app_name = "programmes"


def twins(kind):
    """`/<prefix>/` and `/<prefix>.json|.csv`; `/<prefix>/<slug>/` and `/<prefix>/<slug>.json`;
    `/<prefix>/<slug>.txt` for a kind whose records are texts (`Kind.text`)."""
    prefix, name, on = kind.prefix, kind.key, {"kind": kind}
    text = [path(f"{prefix}/<slug:slug>.txt", records.record_text, on, name=f"{name}-detail-text")]
    return [
        *(text if kind.text else []),
        path(f"{prefix}/", lists.list_page, on, name=f"{name}-list"),
        path(f"{prefix}.json", lists.list_page, {**on, "format": "json"}, name=f"{name}-list-json"),
        path(f"{prefix}.csv", lists.list_page, {**on, "format": "csv"}, name=f"{name}-list-csv"),
        path(f"{prefix}/<slug:slug>/", records.record_page, on, name=f"{name}-detail"),
        path(
            f"{prefix}/<slug:slug>.json",
            records.record_page,
            {**on, "format": "json"},
            name=f"{name}-detail-json",
        ),
    ]


urlpatterns = [
    path("", records.home, name="home"),
    *(pattern for kind in KINDS for pattern in twins(kind)),
    path("search/", search.search_page, name="search"),
    path("search.json", search.search_json, name="search-json"),
    path("share/<str:kind>/<slug:slug>.png", share.share_image, name="share-image"),
    path("catalogue.json", downloads.catalogue_json, name="catalogue-json"),
    path("api/", api.api_page, name="api"),
    path("api/openapi.json", api.openapi_json, name="openapi"),
    path("about/transcription/", site.transcription, name="transcription"),
    path("releases/", downloads.releases, name="releases"),
    path("releases/<str:version>.zip", downloads.release_zip, name="release-zip"),
    path("releases/<str:version>/", downloads.release_page, name="release"),
    path("releases/<str:version>/changes/", downloads.release_changes, name="release-changes"),
    path(
        "releases/<str:version>/changes.json",
        downloads.release_changes,
        {"format": "json"},
        name="release-changes-json",
    ),
    path("datapackage.json", downloads.datapackage_json, name="datapackage"),
    path("robots.txt", site.robots_txt, name="robots"),
    path("sitemap.xml", site.sitemap_xml, name="sitemap"),
]
