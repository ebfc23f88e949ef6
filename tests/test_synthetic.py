"""The synthetic catalogue: a separate database, true passages, a banner, never the real one."""

import os
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from programmes.models import CatalogueVersion, FundedProject, Source

pytestmark = pytest.mark.django_db


def synthesize(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "manage.py", "synthesize", *args],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_fill_the_real_catalogues_database():
    before = (Source.objects.count(), FundedProject.objects.count())
    with pytest.raises(CommandError, match="refusing to fill .*catalogue loaded from the fixtures"):
        call_command("synthesize", projects=10)
    assert (Source.objects.count(), FundedProject.objects.count()) == before


def test_it_refuses_a_database_url_naming_the_configured_database(tmp_path):
    real = f"sqlite:///{tmp_path}/real.sqlite3"
    result = synthesize("--projects", "10", "--database-url", real, DATABASE_URL=real)
    assert result.returncode != 0
    assert "refusing to fill the real catalogue's database" in result.stderr
    assert not (tmp_path / "real.sqlite3").exists()


def test_a_database_that_cannot_be_reached_is_named_without_a_traceback(tmp_path):
    missing = f"sqlite:///{tmp_path}/no-such-folder/synthetic.sqlite3"
    result = synthesize("--projects", "10", "--database-url", missing)
    assert result.returncode == 1
    assert "cannot reach" in result.stderr and "no-such-folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_fills_a_separate_database_with_passages_that_are_slices_of_their_sources(tmp_path):
    url = f"sqlite:///{tmp_path}/synthetic.sqlite3"
    result = synthesize("--projects", "300", "--database-url", url)
    assert result.returncode == 0, result.stderr
    db = sqlite3.connect(tmp_path / "synthetic.sqlite3")
    (projects,) = db.execute("select count(*) from programmes_fundedproject").fetchone()
    assert projects == 300
    rows = db.execute(
        "select p.quote, p.prefix, p.suffix, substr(s.text, p.start + 1, p.end - p.start), "
        "substr(s.text, max(p.start - 31, 1), min(p.start, 32)), substr(s.text, p.end + 1, 32) "
        "from programmes_passage p join programmes_source s on s.id = p.source_id"
    ).fetchall()
    assert len(rows) > projects
    assert all(
        quote == text and prefix == before and suffix == after
        for quote, prefix, suffix, text, before, after in rows
    )
    uncited = db.execute(
        "select count(*) from programmes_fundedproject f where not exists "
        "(select 1 from programmes_fundedproject_passages c where c.fundedproject_id = f.id)"
    ).fetchone()
    assert uncited == (0,)
    sectors = {
        code for (code,) in db.execute("select distinct sector_id from programmes_fundedproject")
    }
    assert "14022" in sectors
    (version,) = db.execute("select version from programmes_catalogueversion").fetchone()
    assert version.startswith("synthetic-")
    # A synthetic database may be synthesized again.
    assert synthesize("--projects", "5", "--database-url", url).returncode == 0


@pytest.mark.parametrize("url", ["/", "/cities/", "/sources/"])
def test_a_synthetic_catalogue_says_so_on_every_page(client, url):
    assert b"Synthetic data" not in client.get(url).content
    CatalogueVersion.objects.create(version="synthetic-" + "0" * 54, loaded_at=timezone.now())
    assert b"Synthetic data" in client.get(url).content
