"""The release: a Frictionless Data Package of the catalogue that validates, names its version,
licence and sources, and is served as the same descriptor and one archive per version."""

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from frictionless import Package

from programmes import kinds
from programmes.models import CatalogueVersion, Source

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def exported(tmp_path):
    call_command("export_datapackage", str(tmp_path), stdout=io.StringIO())
    return tmp_path


def _descriptor(directory):
    return json.loads((directory / "datapackage.json").read_text())


def test_frictionless_validate_passes_on_the_exported_package(exported):
    report = Package(str(exported / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_it_has_a_resource_per_record_kind_the_passages_and_the_sources(exported):
    names = {r["name"] for r in _descriptor(exported)["resources"]}
    expected = {kind.dump_key.replace("_", "-") for kind in kinds.KINDS}
    assert expected | {"passages", "sources", "participations", "sectors"} <= names


def test_it_names_keys_types_and_references(exported):
    resources = {r["name"]: r for r in _descriptor(exported)["resources"]}
    projects = resources["funded-projects"]["schema"]
    assert projects["primaryKey"] == "slug"
    types = {f["name"]: f["type"] for f in projects["fields"]}
    assert types["amount"] == "number" and types["citations"] == "array"
    assert {"fields": "city", "reference": {"resource": "cities", "fields": "slug"}} in projects[
        "foreignKeys"
    ]
    assert resources["passages"]["schema"]["primaryKey"] == "id"
    assert resources["sectors"]["schema"]["primaryKey"] == "code"


def test_it_names_the_version_the_licence_and_each_sources_sha256(exported):
    descriptor = _descriptor(exported)
    version = CatalogueVersion.objects.current()
    assert descriptor["version"] == version.version[:12]
    assert descriptor["catalogue_version"] == version.version
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert version.version[:12] in descriptor["citation"]
    described = " ".join(s["description"] for s in descriptor["sources"])
    for source in Source.objects.all():
        assert source.sha256 in described


def test_the_site_serves_the_same_descriptor_and_the_release_archive(client, exported):
    served = client.get("/datapackage.json").json()
    assert served == _descriptor(exported)
    archive = client.get(f"/releases/{served['version']}.zip")
    assert archive["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        assert json.loads(z.read("datapackage.json")) == served
        for resource in served["resources"]:
            assert z.read(resource["path"]) == (exported / resource["path"]).read_bytes()


def test_an_other_versions_archive_is_not_found(client):
    assert client.get("/releases/000000000000.zip").status_code == 404


def test_the_home_page_says_how_to_cite_the_dataset_and_its_version(client):
    html = client.get("/").content.decode()
    version = CatalogueVersion.objects.current().version[:12]
    assert "Cite this dataset" in html
    assert f"City cooperation catalogue, version {version}" in html


def test_a_reference_to_a_tables_own_rows_names_no_resource(exported):
    """Table Schema: a foreign key to the same table has `"resource": ""` (a programme's
    `part_of`); a named resource there leaves frictionless unable to open it."""
    resources = {r["name"]: r for r in _descriptor(exported)["resources"]}
    keys = resources["programmes"]["schema"]["foreignKeys"]
    assert {"fields": "part_of", "reference": {"resource": "", "fields": "slug"}} in keys
    for resource in resources.values():
        for key in resource["schema"].get("foreignKeys", []):
            assert key["reference"]["resource"] != resource["name"], resource["name"]


def test_frictionless_validates_the_release_archive_as_served(client, tmp_path):
    version = CatalogueVersion.objects.current().version[:12]
    response = client.get(f"/releases/{version}.zip")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        archive.extractall(tmp_path)
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize("url", ["/", "/releases/"])
def test_the_catalogue_is_a_schema_org_dataset_whose_files_answer(client, url):
    """Dataset search engines read the home page and /releases/: one Dataset with the version,
    the licence, the citation and each file it comes as, every one of which answers."""
    page = client.get(url).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    datasets = [d for d in map(json.loads, blocks) if d.get("@type") == "Dataset"]
    assert len(datasets) == 1
    dataset = datasets[0]
    version = CatalogueVersion.objects.current().version[:12]
    assert dataset["version"] == version and version in dataset["citation"]
    assert dataset["license"].startswith("https://creativecommons.org/")
    assert dataset["distribution"]
    for download in dataset["distribution"]:
        path = download["contentUrl"].replace("http://testserver", "")
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith(download["encodingFormat"]), path


def test_the_address_a_citation_names_answers(client):
    """The citation, the package's id and the Dataset's @id name /releases/<version>/: it is
    the releases page of the current version, and a version the site never held is a 404."""
    version = CatalogueVersion.objects.current()
    short = version.version[:12]
    descriptor = json.loads(client.get("/datapackage.json").content)
    assert descriptor["id"].endswith(f"/releases/{short}/")
    assert f"/releases/{short}/" in descriptor["citation"]
    assert client.get(f"/releases/{short}/").status_code == 200
    assert client.get("/releases/000000000000/").status_code == 404
