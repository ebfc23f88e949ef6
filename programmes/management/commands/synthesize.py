import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connections

from catalogue.settings import database_from_url
from catalogue.sqlite import time_limited
from programmes.loading.synthetic import Synthesizer, real_catalogue_in

ALIAS = "synthetic"


def same_database(a, b):
    def where(db):
        name = str(db["NAME"])
        return (db["ENGINE"], db.get("HOST") or "", str(db.get("PORT") or ""), name)

    return where(a) == where(b)


class Command(BaseCommand):
    help = (
        "Fill a separate database with a synthetic catalogue of N funded projects (and cities, "
        "partners, programmes, milestones, sources and passages to match) for benchmarking. "
        "Refuses the real catalogue's database; every page of the result says it is synthetic."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, required=True, help="funded projects")
        parser.add_argument(
            "--database-url",
            help="the database to fill (postgres://… or sqlite:///…); it must not be the one "
            "DATABASE_URL names. Without it, the configured database, if it holds no real "
            "catalogue.",
        )
        parser.add_argument("--seed", type=int, default=2003)

    def handle(self, *args, projects, database_url, seed, **options):
        if projects < 1:
            raise CommandError("--projects must be at least 1")
        alias = self.target(database_url)
        try:
            connections[alias].ensure_connection()
        except OperationalError as exc:
            raise CommandError(
                f"cannot reach {connections[alias].settings_dict['NAME']}: "
                f"{str(exc).strip().splitlines()[-1]} (create it first, e.g. createdb)"
            ) from None
        why = real_catalogue_in(alias)
        if why:
            raise CommandError(
                f"refusing to fill {connections[alias].settings_dict['NAME']}: {why}. "
                "Synthesize into a separate database (--database-url)."
            )
        call_command("migrate", database=alias, interactive=False, verbosity=0)
        call_command("flush", database=alias, interactive=False, verbosity=0)
        began = time.monotonic()
        version = Synthesizer(alias, projects, seed=seed, stdout=self.stdout).run()
        counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in version.counts.items())
        self.stdout.write(
            f"Synthetic catalogue {version.version[:20]} in {time.monotonic() - began:.1f} s: "
            f"{counts}"
        )

    def target(self, url):
        if not url:
            return "default"
        db = database_from_url("--database-url", url)
        if same_database(db, connections["default"].settings_dict):
            raise CommandError(
                "refusing to fill the real catalogue's database: --database-url names the "
                "database DATABASE_URL configures"
            )
        # Bulk inserts of a million rows may outlast the site's statement timeout.
        if db["ENGINE"] == "django.db.backends.postgresql":
            db["OPTIONS"]["options"] = "-c statement_timeout=0"
            db["OPTIONS"].pop("pool", None)
        else:
            db["OPTIONS"]["factory"] = time_limited(0)
        settings.DATABASES[ALIAS] = db
        connections.settings[ALIAS] = connections.configure_settings(
            {"default": settings.DATABASES["default"], ALIAS: db}
        )[ALIAS]
        return ALIAS
