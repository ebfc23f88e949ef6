from django.urls import path

from .views import api as api_views
from .views import downloads as dump_views
from .views import records as views
from .views import search as search_views
from .views import share as share_views

app_name = "programmes"


def twins(prefix, list_view, detail_view, name):
    """`/<prefix>/` and `/<prefix>.json|.csv`; `/<prefix>/<slug>/` and `/<prefix>/<slug>.json`."""
    return [
        path(f"{prefix}/", list_view, name=f"{name}-list"),
        path(f"{prefix}.json", list_view, {"format": "json"}, name=f"{name}-list-json"),
        path(f"{prefix}.csv", list_view, {"format": "csv"}, name=f"{name}-list-csv"),
        path(f"{prefix}/<slug:slug>/", detail_view, name=f"{name}-detail"),
        path(
            f"{prefix}/<slug:slug>.json",
            detail_view,
            {"format": "json"},
            name=f"{name}-detail-json",
        ),
    ]


urlpatterns = [
    path("", views.home, name="home"),
    *twins("cities", views.city_list, views.city_detail, "city"),
    *twins("partners", views.partner_list, views.partner_detail, "partner"),
    *twins("people", views.person_list, views.person_detail, "person"),
    *twins("programmes", views.programme_list, views.programme_detail, "programme"),
    *twins("awards", views.award_list, views.award_detail, "award"),
    *twins("projects", views.project_list, views.project_detail, "project"),
    *twins("milestones", views.milestone_list, views.milestone_detail, "milestone"),
    *twins("sources", views.source_list, views.source_detail, "source"),
    path("search/", search_views.search_page, name="search"),
    path("search.json", search_views.search_json, name="search-json"),
    path("share/<str:kind>/<slug:slug>.png", share_views.share_image, name="share-image"),
    path("catalogue.json", dump_views.catalogue_json, name="catalogue-json"),
    path("api/", api_views.api_page, name="api"),
    path("api/openapi.json", api_views.openapi_json, name="openapi"),
]
