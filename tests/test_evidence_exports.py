"""What a machine reads of the evidence: every value in the JSON and CSV twins has its status, its
note and the words it rests on."""

import csv
import io
import json

import pytest

from programmes import evidence as ev
from programmes.kinds import KINDS
from programmes.models import FundedProject, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources(db):
    return {s.slug: s.text for s in Source.objects.all()}


# --- JSON and CSV ------------------------------------------------------------------------------


def _json(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return json.loads(response.content)


def _csv(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def _assert_evidence_shape(evidence, where, sources):
    assert isinstance(evidence, dict), where
    for name, entry in evidence.items():
        assert entry["status"] in ev.STATUSES, f"{where}: {name}"
        if entry["status"] == ev.INTERPRETED:
            assert entry["note"].strip(), f"{where}: {name} has no note"
        else:
            assert entry["passages"], f"{where}: {name} names no words"
        for p in entry["passages"]:
            assert sources[p["source"]][p["start"] : p["end"]] == p["quote"], where
            assert p["url"].endswith(f"/sources/{p['source']}/#passage-{p['start']}-{p['end']}")


def _factual_values(kind, row):
    """The exported keys that are factual fields of the kind's model, with a non-empty value."""
    names = set(ev.factual_fields(kind.model))
    return [k for k, v in row.items() if k in names and not ev.is_empty(v) and v is not False]


@pytest.mark.parametrize("kind", KINDS, ids=[k.key for k in KINDS])
def test_every_value_in_the_json_has_a_status(client, kind, sources):
    rows = _json(client, kind.list_url().rstrip("/") + ".json?page_size=500")["results"]
    assert len(rows) == kind.model.objects.count()
    for row in rows:
        where = f"{kind.key} {row['slug']}"
        _assert_evidence_shape(row["evidence"], where, sources)
        for name in _factual_values(kind, row):
            assert name in row["evidence"], f"{where}: {name} has no status in the JSON"
        for participant in row.get("participants", []):
            _assert_evidence_shape(participant["evidence"], where, sources)
            assert participant["evidence"]["role"]["status"] in ev.STATUSES, where
    detail = _json(client, rows[0]["url"].rstrip("/") + ".json")
    assert detail["evidence"] == rows[0]["evidence"]


def test_the_json_says_how_the_loan_package_funders_were_read(client):
    project = FundedProject.objects.filter(evidence__funders__status="interpreted").first()
    data = _json(client, project.get_absolute_url().rstrip("/") + ".json")
    assert data["evidence"]["funders"]["status"] == "interpreted"
    assert data["evidence"]["funders"]["note"] == project.evidence["funders"]["note"]


@pytest.mark.parametrize("kind", KINDS, ids=[k.key for k in KINDS])
def test_the_csv_gives_each_value_a_status_and_note_column(client, kind):
    rows = _csv(client, kind.list_url().rstrip("/") + ".csv")
    assert len(rows) == kind.model.objects.count()
    records = {r.slug: r for r in kind.model.objects.all()}
    for row in rows:
        record = records[row["slug"]]
        for name in ev.factual_fields(kind.model):
            entry = (record.evidence or {}).get(name)
            assert row[f"{name}__status"] == (entry["status"] if entry else ""), name
            assert row[f"{name}__note"] == (entry.get("note", "") if entry else ""), name
            if entry and entry["status"] == ev.STATED:
                assert row[f"{name}__passages"].startswith("http"), name


def test_the_csv_keeps_its_columns_and_gives_participants_roles_their_status(client):
    rows = _csv(client, "/programmes.csv")
    assert {"slug", "url", "name", "participants", "citation_quotes", "interpretations"} <= set(
        rows[0]
    )
    loan = next(r for r in rows if r["slug"] == "model-city-yen-loan-programme")
    assert "interpreted" in loan["participants__evidence"]


def test_the_api_description_names_the_evidence_of_every_record(client):
    spec = _json(client, "/api/openapi.json")
    schemas = spec["components"]["schemas"]
    assert "evidence" in schemas["Record"]["required"]
    assert schemas["Record"]["properties"]["evidence"] == {"$ref": "#/components/schemas/Evidence"}
    entry = schemas["Evidence"]["additionalProperties"]
    assert entry["properties"]["status"]["enum"] == list(ev.STATUSES)
    passage = entry["properties"]["passages"]["items"]
    row = _json(client, "/projects.json")["results"][0]
    for field in row["evidence"].values():
        assert set(entry["required"]) == set(field)
        for p in field["passages"]:
            assert set(passage["required"]) == set(p)
