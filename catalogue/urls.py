from django.urls import include, path

urlpatterns = [
    path("", include("programmes.urls")),
]

# Error pages that render without the database and name no software (programmes/error_pages.py).
handler400 = "programmes.http.error_pages.invalid_request"
handler404 = "programmes.http.error_pages.page_not_found"
handler500 = "programmes.http.error_pages.server_error"
