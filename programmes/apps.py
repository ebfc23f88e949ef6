from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = "City-to-city environmental cooperation programmes"

    def ready(self):
        # Django imports the database routers at their first use, which is inside the first
        # request: too late for a router that picks its replica when a request starts
        # (catalogue/routers.py), so that request would read from the primary. Load them now.
        from django.db import router

        router.routers  # noqa: B018
