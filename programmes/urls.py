from django.urls import path

from . import dump_views, search_views, share_views, views

app_name = "programmes"

urlpatterns = [
    path("", views.home, name="home"),
    path("cities/", views.city_list, name="city-list"),
    path("cities/<slug:slug>/", views.city_detail, name="city-detail"),
    path("partners/", views.partner_list, name="partner-list"),
    path("partners/<slug:slug>/", views.partner_detail, name="partner-detail"),
    path("people/", views.person_list, name="person-list"),
    path("people/<slug:slug>/", views.person_detail, name="person-detail"),
    path("programmes/", views.programme_list, name="programme-list"),
    path("programmes/<slug:slug>/", views.programme_detail, name="programme-detail"),
    path("awards/", views.award_list, name="award-list"),
    path("awards/<slug:slug>/", views.award_detail, name="award-detail"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/<slug:slug>/", views.project_detail, name="project-detail"),
    path("milestones/", views.milestone_list, name="milestone-list"),
    path("milestones/<slug:slug>/", views.milestone_detail, name="milestone-detail"),
    path("sources/", views.source_list, name="source-list"),
    path("sources/<slug:slug>/", views.source_detail, name="source-detail"),
    path("search/", search_views.search_page, name="search"),
    path("search.json", search_views.search_json, name="search-json"),
    path("share/<str:kind>/<slug:slug>.png", share_views.share_image, name="share-image"),
    path("catalogue.json", dump_views.catalogue_json, name="catalogue-json"),
]
