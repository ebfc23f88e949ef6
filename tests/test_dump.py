"""The whole-catalogue dump round-trips: loading it into an empty database gives the same rows."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from programmes.loading.dump import TABLES, DumpError, dump_catalogue, load_dump
from programmes.models import CatalogueVersion, FundedProject, Passage, Source

pytestmark = pytest.mark.django_db


def _name(obj):
    """A row's identity without database ids (written independently of programmes.loading.dump)."""
    if isinstance(obj, Passage):
        return (obj.source.slug, obj.start, obj.end)
    return getattr(obj, "slug", None) or getattr(obj, "code", None) or obj.pk


def _value(field, obj):
    if field.is_relation:
        target = getattr(obj, field.name)
        return None if target is None else _name(target)
    return getattr(obj, field.attname)


def snapshot():
    """Every row of every catalogue table, and every many-to-many link, by natural names."""
    tables = {}
    for model in TABLES.values():
        rows = []
        relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
        many = [
            f"{f.name}__source" if f.related_model is Passage else f.name
            for f in model._meta.many_to_many
        ]
        for obj in model.objects.select_related(*relations).prefetch_related(*many):
            row = tuple(
                (f.name, _value(f, obj))
                for f in model._meta.concrete_fields
                if not isinstance(f, models.AutoField)
            )
            links = tuple(
                (f.name, tuple(sorted(map(_name, getattr(obj, f.name).all()), key=str)))
                for f in model._meta.many_to_many
            )
            rows.append(row + links)
        tables[model.__name__] = sorted(rows, key=repr)
    return tables


def test_dump_then_load_into_an_empty_database_gives_the_same_catalogue():
    before = snapshot()
    version = CatalogueVersion.objects.latest()
    text = json.dumps(dump_catalogue())

    for model in [CatalogueVersion, *reversed(TABLES.values())]:
        model.objects.all().delete()
    assert all(rows == [] for rows in snapshot().values())

    loaded = load_dump(json.loads(text))
    after = snapshot()
    for table in before:
        assert after[table] == before[table], table
    assert sum(len(rows) for rows in after.values()) > 500
    assert (loaded.version, loaded.counts) == (version.version, version.counts)
    assert json.loads(json.dumps(dump_catalogue())) == json.loads(text)


def test_the_dump_names_rows_by_slug_and_passages_by_position():
    data = dump_catalogue()
    project = next(p for p in data["funded_projects"] if p["slug"] == "sewage-processing-plant-1")
    assert project["sector"] == "14022"
    assert project["funders"] == ["japanese-government"]
    passages = {p["id"]: p for p in data["passages"]}
    texts = {s["slug"]: s["text"] for s in data["sources"]}
    for ref in project["citations"]:
        p = passages[ref]
        assert texts[p["source"]][p["start"] : p["end"]] == p["quote"]
    assert "two sewage processing plant projects" in [
        passages[r]["quote"] for r in project["citations"]
    ]


def test_a_broken_dump_changes_nothing():
    data = dump_catalogue()
    before = (FundedProject.objects.count(), Source.objects.count())
    data["passages"][0]["quote"] = "not the source's words"
    with pytest.raises(DumpError, match=r"passages\[1\]"):
        load_dump(data)
    assert (FundedProject.objects.count(), Source.objects.count()) == before


def _mark_sentence(data, cited, no_fact):
    """Give the first sentence that a record cites (or that none cites) another `no_fact`."""
    for source in data["sources"]:
        for row in source["coverage"]:
            if bool(row["records"]) == cited:
                row["no_fact"] = no_fact
                return
    raise AssertionError("no such sentence")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(format="other"), "not a catalogue dump"),
        (lambda d: d["funded_projects"][0].update(sector="99999"), "no row '99999'"),
        (lambda d: d["cities"][0].update(colour="red"), "unknown field 'colour'"),
        (lambda d: d["milestones"][0].update(date="1993-13-01"), "invalid value"),
        (lambda d: _mark_sentence(d, cited=True, no_fact="a courtesy"), "and marked as carrying"),
        (lambda d: _mark_sentence(d, cited=False, no_fact=""), "cited by no record and not"),
    ],
)
def test_it_refuses_a_dump_it_cannot_prove(change, message):
    data = dump_catalogue()
    change(data)
    with pytest.raises(DumpError, match=message):
        load_dump(data)


def test_the_commands_write_and_read_the_dump(tmp_path):
    path = tmp_path / "catalogue.json"
    out = io.StringIO()
    call_command("dump_catalogue", output=str(path), stderr=out)
    FundedProject.objects.filter(slug="sewage-processing-plant-2").delete()
    call_command("load_dump", str(path), stdout=out)
    assert "Loaded catalogue version" in out.getvalue()
    assert FundedProject.objects.filter(slug="sewage-processing-plant-2").exists()


def test_catalogue_json_is_the_dump(client):
    response = client.get(reverse("programmes:catalogue-json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = b"".join(response.streaming_content)
    assert json.loads(body) == json.loads(json.dumps(dump_catalogue()))
