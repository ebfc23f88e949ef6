"""CITATION.cff at the top of the repository: Citation File Format 1.2.0 for the dataset, the same
citation as the release carries, and in agreement with the release's descriptor — so that a new
fixture, which makes a new catalogue version, cannot leave the citation naming the old one."""

import io
import json
import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

CITATION = Path(__file__).resolve().parents[1] / "CITATION.cff"


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
        f"{descriptor['version']}: copy CITATION.cff from `manage.py export_datapackage DIR`"
    )
    assert [r["title"] for r in cff["references"]] == [s["title"] for s in descriptor["sources"]]
    for reference, source in zip(cff["references"], descriptor["sources"], strict=True):
        sha256 = source["description"].split()[1]
        assert f"SHA-256 {sha256} " in reference["notes"]


def test_it_is_the_citation_the_release_carries(cff, release):
    assert yaml.safe_load((release / "CITATION.cff").read_text(encoding="utf-8")) == cff


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
