"""CITATION.cff at the top of the repository: Citation File Format 1.2.0 for the dataset, the same
citation as the release carries, and in agreement with the release's descriptor — so that a new
fixture, which makes a new catalogue version, cannot leave the citation naming the old one."""

import datetime
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.request import urlopen

import pytest
import yaml
from django.core.management import call_command

from programmes.loading.datapackage import SITE_KEYS
from programmes.models import CatalogueVersion, Release

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
CITATION = ROOT / "CITATION.cff"
# cffconvert 2.0.0 needs jsonschema<4, the suite's frictionless >=4.20: it runs from a
# virtual environment of its own, made with pip the first time the suite needs it.
CFFCONVERT = "cffconvert==2.0.0"
CFFCONVERT_VENV = ROOT / ".venv-cffconvert"


@pytest.fixture
def release(tmp_path):
    call_command("export_datapackage", str(tmp_path), stdout=io.StringIO())
    return tmp_path


@pytest.fixture
def cff():
    return yaml.safe_load(CITATION.read_text(encoding="utf-8"))


def test_it_is_citation_file_format_1_2_0_for_a_dataset(cff):
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "dataset"
    for key in ("message", "title", "authors"):  # the format's required keys
        assert cff[key]
    for reference in cff["references"]:
        assert reference["type"] and reference["title"] and reference["authors"]


def test_it_agrees_with_the_release_descriptor(cff, release):
    descriptor = json.loads((release / "datapackage.json").read_text())
    assert cff["title"] == descriptor["title"]
    assert cff["license"] == descriptor["licenses"][0]["name"]
    assert cff["abstract"] == descriptor["description"]
    assert cff["keywords"] == descriptor["keywords"]
    # The version scheme: the first twelve hex digits of the catalogue's SHA-256.
    assert re.fullmatch(r"[0-9a-f]{12}", cff["version"])
    assert cff["version"] == descriptor["version"], (
        f"CITATION.cff names version {cff['version']}, the fixtures build "
        f"{descriptor['version']}: write it with "
        "`manage.py export_datapackage --citation CITATION.cff DIR`"
    )
    assert [r["title"] for r in cff["references"]] == [s["title"] for s in descriptor["sources"]]
    for reference, source in zip(cff["references"], descriptor["sources"], strict=True):
        sha256 = source["description"].split()[1]
        assert f"SHA-256 {sha256} " in reference["notes"]


def test_it_is_the_citation_the_release_carries_but_where_and_when_a_site_released_it(cff, release):
    carried = yaml.safe_load((release / "CITATION.cff").read_text(encoding="utf-8"))
    assert set(SITE_KEYS) <= set(carried)
    assert not set(SITE_KEYS) & set(cff), "the repository's copy names no site"
    assert {k: v for k, v in carried.items() if k not in SITE_KEYS} == cff, (
        "write CITATION.cff with `manage.py export_datapackage --citation CITATION.cff DIR`"
    )


def test_a_sources_missing_author_or_date_is_left_unknown_not_guessed(cff):
    by_title = {r["title"][:20]: r for r in cff["references"]}
    speech, article = by_title["Environmental Protec"], by_title["Dalian Has Learnt fr"]
    assert speech["authors"] == [{"name": "Liang Hongjun"}]
    assert speech["date-published"] == "2003-10-17"  # stated: "17 October 2003"
    assert article["authors"] == [{"name": "anonymous"}]
    assert "date-published" not in article  # its date is only an inferred upper bound


def test_the_releases_page_shows_the_citation_file(client, cff):
    page = client.get("/releases/").content.decode()
    assert "CITATION.cff" in page
    assert f"version: &quot;{cff['version']}&quot;" in page


@pytest.fixture(scope="session")
def cffconvert():
    """cffconvert's command, found in CFFCONVERT_VENV or installed there. Where it cannot be
    installed (no package index) the tests that need it are skipped, but not in CI."""
    command = CFFCONVERT_VENV / "bin" / "cffconvert"
    if not command.exists():
        try:
            subprocess.run(
                [sys.executable, "-m", "venv", "--clear", str(CFFCONVERT_VENV)],
                check=True,
                capture_output=True,
                timeout=120,
            )
            pip = [str(CFFCONVERT_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
            subprocess.run([*pip, CFFCONVERT], check=True, capture_output=True, timeout=600)
        except (OSError, subprocess.SubprocessError) as exc:
            if os.environ.get("CI") == "true":
                raise
            pytest.skip(f"{CFFCONVERT} could not be installed: {exc}")
    version = subprocess.run([str(command), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == CFFCONVERT.split("==")[1], version
    return command


def _served_citation(client, tmp_path):
    name = CatalogueVersion.objects.current().version[:12]
    archive = client.get(f"/releases/{name}.zip")
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        path = tmp_path / "CITATION.cff"
        path.write_bytes(z.read("CITATION.cff"))
    return name, path


def test_cffconverts_bibtex_and_apa_of_the_release_name_year_version_and_url(
    cffconvert, client, tmp_path
):
    name, path = _served_citation(client, tmp_path)
    release = Release.objects.get(version__startswith=name)
    year, url = str(release.loaded_at.year), f"http://testserver/releases/{name}/"

    def convert(*options):
        run = subprocess.run(
            [str(cffconvert), "-i", str(path), *options], capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        return run.stdout

    assert "valid" in convert("--validate")
    bibtex = convert("-f", "bibtex")
    assert f"year = {{{year}}}" in bibtex
    assert f"url = {{{url}}}" in bibtex  # the release's page, named by its version
    assert name in bibtex
    apa = convert("-f", "apalike")
    assert f"({year})." in apa
    assert f"(version {name})." in apa
    assert url in apa


def test_the_citation_is_dated_by_the_day_the_site_first_held_the_version(client, tmp_path):
    """`serve` loads the catalogue at every start: a load's time would move a citation's date
    with each restart. The release's date is the day its version was first held."""
    first_held = datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC)
    Release.objects.update(loaded_at=first_held)
    assert CatalogueVersion.objects.current().loaded_at.date() != first_held.date()
    name, path = _served_citation(client, tmp_path)
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["date-released"] == "2026-01-02"
    descriptor = client.get("/datapackage.json").json()
    assert descriptor["created"].startswith("2026-01-02")
    assert f"version {name} (2026-01-02)" in descriptor["citation"]
    home = client.get("/").content.decode()
    cited = home.split('<p class="cite-dataset">', 1)[1].split("</p>", 1)[0]
    assert f"version {name} (2026-01-02)" in cited
    dataset = home.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(dataset)["dateModified"] == "2026-01-02"
    assert "released 2026-01-02" in client.get("/releases/").content.decode()


def _urls(text):
    return set(re.findall(r"https?://[^\s\"'<>]+", text))


def test_every_url_a_citation_names_answers(catalogue_server, settings, tmp_path):
    """The release's CITATION.cff, its descriptor (id, homepage, citation, sources) and the
    Dataset on the home page and /releases/, as a client of the live server reads them."""
    settings.SITE_URL = catalogue_server
    name = CatalogueVersion.objects.current().version[:12]
    with urlopen(f"{catalogue_server}/releases/{name}.zip") as response:
        archive = zipfile.ZipFile(io.BytesIO(response.read()))
    named = _urls(archive.read("CITATION.cff").decode()) | _urls(
        archive.read("datapackage.json").decode()
    )
    for page in ("/", "/releases/", f"/releases/{name}/"):
        with urlopen(f"{catalogue_server}{page}") as response:
            html = response.read().decode()
        for script in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
            named |= _urls(script)
    ours = {url for url in named if url.startswith(catalogue_server)}
    assert f"{catalogue_server}/releases/{name}/" in ours
    assert f"{catalogue_server}/releases/{name}.zip" in ours
    for url in sorted(ours):
        with urlopen(url) as response:
            assert response.status == 200, url
