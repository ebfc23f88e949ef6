import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ...outages import damaged_database_message, database_damaged

# Granian reads every request in Rust (tokio) before a Python thread sees it, so a client that
# connects and sends nothing, or trickles its header a byte at a time, holds a socket and no
# worker; gunicorn's sync and gthread workers give such a client a whole worker or thread
# (tests/perf/slow_clients.py measures the three; README "Faults" has the figures).
HEADER_READ_TIMEOUT_MS = 5000
# A worker that dies (killed, out of memory) is replaced: without it granian shuts the whole
# server down and every client is refused. Granian gives up should a worker die again within
# 5.5 s of its replacement (a crash loop), so a broken deployment still ends.
RESPAWN = "--respawn-failed-workers"
# Seconds a worker has to stop gracefully (its requests in flight) when the server stops: one
# told to stop while it was still starting, a replacement among them, never would.
WORKERS_KILL_TIMEOUT = 30


def granian_argv(executable, host, port, workers, working_dir, target="catalogue.wsgi:application"):
    return [
        executable,
        "--interface", "wsgi",
        "--host", host,
        "--port", port,
        "--workers", workers,
        "--no-ws",
        "--http1-header-read-timeout", str(HEADER_READ_TIMEOUT_MS),
        RESPAWN,
        "--workers-kill-timeout", str(WORKERS_KILL_TIMEOUT),
        "--access-log",
        "--working-dir", str(working_dir),
        target,
    ]  # fmt: skip


class Command(BaseCommand):
    help = (
        "Prepare and serve the catalogue in production mode: migrate, load the fixtures, collect "
        "static files, then run granian (WEB_CONCURRENCY worker processes, default 2) on "
        "HOST:PORT."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-load", action="store_true", help="serve the catalogue as loaded")

    def handle(self, *args, host, port, no_load, **options):
        if settings.DEBUG:
            # Django's technical error pages show settings and source code to any visitor.
            raise CommandError("serve is the production server: unset DEBUG (or use runserver)")
        workers = os.environ.get("WEB_CONCURRENCY", "2")
        if not workers.isdigit() or int(workers) < 1:
            raise CommandError(f"WEB_CONCURRENCY must be a positive integer, not {workers!r}")
        try:
            call_command("migrate", interactive=False, verbosity=0)
            if not no_load:
                call_command("load_catalogue")
        except Exception as exc:  # migrate's own one line names the command run: this one
            if not database_damaged(exc):
                raise
            raise CommandError(damaged_database_message()) from exc
        call_command("collectstatic", interactive=False, verbosity=0)
        # Absolute URLs (next links, JSON `url`s, JSON-LD ids, the sitemap) name SITE_URL; on a
        # machine of one's own it is the address served, unless set (the workers read it).
        if not os.environ.get("SITE_URL") and not settings.PRODUCTION:
            local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
            os.environ["SITE_URL"] = f"http://{local}:{port}"
        self.stdout.write(f"Serving the catalogue at http://{host}:{port}/")
        self.stdout.write(f"Absolute URLs name {os.environ.get('SITE_URL') or settings.SITE_URL}/")
        self.stdout.flush()
        granian = os.path.join(os.path.dirname(sys.executable), "granian")
        if not os.path.exists(granian):
            granian = os.path.join(os.path.dirname(os.path.realpath(sys.executable)), "granian")
        os.execv(granian, granian_argv(granian, host, port, workers, settings.BASE_DIR))
