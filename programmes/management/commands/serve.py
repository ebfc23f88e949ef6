import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Prepare and serve the catalogue in production mode: migrate, load the fixtures, collect "
        "static files, then run gunicorn (WEB_CONCURRENCY workers, default 2) on HOST:PORT."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-load", action="store_true", help="serve the catalogue as loaded")

    def handle(self, *args, host, port, no_load, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not no_load:
            call_command("load_catalogue")
        call_command("collectstatic", interactive=False, verbosity=0)
        workers = os.environ.get("WEB_CONCURRENCY", "2")
        if not workers.isdigit() or int(workers) < 1:
            raise CommandError(f"WEB_CONCURRENCY must be a positive integer, not {workers!r}")
        self.stdout.write(
            f"Serving the catalogue at http://{host}:{port}/ (DEBUG={settings.DEBUG})"
        )
        self.stdout.flush()
        argv = [
            "gunicorn",
            "catalogue.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            workers,
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
            "--chdir",
            str(settings.BASE_DIR),
        ]
        gunicorn = os.path.join(os.path.dirname(os.path.realpath(os.sys.executable)), "gunicorn")
        if not os.path.exists(gunicorn):
            gunicorn = os.path.join(os.path.dirname(os.sys.executable), "gunicorn")
        os.execv(gunicorn, argv)
