"""The release history: every version the site has held is kept and served, and the changes
from one version to the next are told record by record, field by field. A second version is
made from the real catalogue's dump, changed as a curator would change it: one programme's
summary reworded, one statement's slug renamed (so one record removed and one added)."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command

from programmes.loading.dump import dump_catalogue
from programmes.models import CatalogueVersion, Release

pytestmark = pytest.mark.django_db

REWORDED = " (reworded)"


def _zip_table(response, name):
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return archive.read(name).decode()


@pytest.fixture
def first():
    """The version the suite loaded from the fixtures: the dump and its short name."""
    version = CatalogueVersion.objects.current()
    return dump_catalogue(version), version.version[:12]


@pytest.fixture
def second(first, tmp_path):
    """A second version loaded with `load_dump`: (its dump as written, what was changed)."""
    data = json.loads(json.dumps(first[0]))
    data["catalogue_version"] = None  # changed content: a version of its own
    programme = data["programmes"][0]
    programme["summary"] += REWORDED
    statement = data["statements"][-1]
    old_slug, new_slug = statement["slug"], statement["slug"] + "-renamed"
    statement["slug"] = new_slug
    covering = []
    for source in data["sources"]:
        for sentence in source["coverage"]:
            for record in sentence["records"]:
                if record == ["statement", old_slug]:
                    record[1] = new_slug
                    covering.append(source["slug"])
    path = tmp_path / "second.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("load_dump", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    name = CatalogueVersion.objects.current().version[:12]
    assert name != first[1]
    return {
        "name": name,
        "programme": programme["slug"],
        "summary": (first[0]["programmes"][0]["summary"], programme["summary"]),
        "removed": old_slug,
        "added": new_slug,
        "covering": sorted(set(covering)),
    }


def test_the_loaded_version_is_a_release(first):
    assert Release.objects.filter(version__startswith=first[1]).count() == 1


def test_a_second_version_shows_in_releases_with_its_date(client, first, second):
    page = client.get("/releases/").content.decode()
    for release in Release.objects.all():
        row = page[page.index(f'href="/releases/{release.name}/"') :].split("</tr>")[0]
        assert f"<td>{release.loaded_at:%Y-%m-%d}</td>" in row
        assert f'href="/releases/{release.name}.zip"' in row
    assert page.index(f"/releases/{second['name']}/") < page.index(f"/releases/{first[1]}/")


def test_every_version_held_is_served_as_its_own_package(client, first, second):
    old = client.get(f"/releases/{first[1]}.zip")
    new = client.get(f"/releases/{second['name']}.zip")
    assert old.status_code == new.status_code == 200
    assert json.loads(_zip_table(old, "datapackage.json"))["version"] == first[1]
    assert json.loads(_zip_table(new, "datapackage.json"))["version"] == second["name"]
    reworded = second["summary"][1]
    assert reworded not in _zip_table(old, "data/programmes.csv")
    assert reworded in _zip_table(new, "data/programmes.csv")
    # The old release's page, which its citation names, answers too.
    page = client.get(f"/releases/{first[1]}/")
    assert page.status_code == 200
    assert "the site now serves a later version" in page.content.decode()


def test_the_changelog_names_records_added_removed_and_changed_field_by_field(
    client, first, second
):
    changes = client.get(f"/releases/{second['name']}/changes.json").json()
    assert changes["from"]["version"] == first[1]
    assert changes["to"]["version"] == second["name"]
    tables = {t["table"]: t for t in changes["tables"]}
    assert set(tables) == {"programmes", "statements", "sources"}
    assert tables["programmes"]["changed"] == [
        {
            "key": second["programme"],
            "fields": [
                {"field": "summary", "from": second["summary"][0], "to": second["summary"][1]}
            ],
        }
    ]
    assert tables["programmes"]["added"] == tables["programmes"]["removed"] == []
    assert tables["statements"]["added"] == [second["added"]]
    assert tables["statements"]["removed"] == [second["removed"]]
    assert tables["statements"]["changed"] == []
    assert [row["key"] for row in tables["sources"]["changed"]] == second["covering"]
    for row in tables["sources"]["changed"]:
        assert [f["field"] for f in row["fields"]] == ["coverage"]
    assert changes["counts"] == {"added": 1, "removed": 1, "changed": 1 + len(second["covering"])}


def test_the_changelog_page_says_the_same(client, first, second):
    page = client.get(f"/releases/{second['name']}/changes/").content.decode()
    assert f'From version <a href="/releases/{first[1]}/">' in page
    for slug in (second["programme"], second["added"], second["removed"]):
        assert f"<code>{slug}</code>" in page
    assert REWORDED in page


def test_the_first_release_has_nothing_before_it(client, first):
    changes = client.get(f"/releases/{first[1]}/changes.json").json()
    assert changes["from"] is None
    assert changes["tables"] == []
    assert (
        "the first the site has held"
        in client.get(f"/releases/{first[1]}/changes/").content.decode()
    )


def test_a_version_loaded_again_keeps_its_first_date(first):
    before = Release.objects.get(version__startswith=first[1]).loaded_at
    call_command("load_catalogue", verbosity=0, stdout=io.StringIO())
    assert list(Release.objects.values_list("loaded_at", flat=True)) == [before]


def test_a_version_never_held_has_no_changes(client):
    response = client.get("/releases/000000000000/changes.json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
