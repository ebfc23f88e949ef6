"""The JSON and CSV twins of every list and record: same rows, same order, citations as Web
Annotations, spreadsheet-safe cells."""

import csv
import io
import json
import re

import pytest

from programmes.formats.exports import neutralise
from programmes.models import CITED_MODELS, Passage, Source

pytestmark = pytest.mark.django_db

LISTS = [
    ("/cities/", ""),
    ("/programmes/", "?city=dalian"),
    ("/partners/", "?country=JP&sort=-name"),
    ("/people/", ""),
    ("/awards/", "?sort=year"),
    ("/projects/", "?sector=14022"),
    ("/projects/", "?sort=-amount&page_size=5&page=2"),
    ("/projects/", "?instrument=loan&q=plant"),
    ("/milestones/", "?city=dalian&year_from=1990"),
    ("/sources/", ""),
]


def _html_rows(client, path, query):
    html = client.get(path + query).content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(
        r'<tr[^>]*>.*?<a href="(/(?:cities|programmes|partners|people|awards|projects'
        r'|milestones|sources)/[-\w]+/)"',
        body,
        re.S,
    )


@pytest.mark.parametrize(("path", "query"), LISTS)
def test_the_json_and_csv_twins_hold_the_html_rows_in_order(client, path, query):
    expected = _html_rows(client, path, query)
    assert expected
    base = path.rstrip("/")

    response = client.get(f"{base}.json{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert [r["url"].replace("http://testserver", "") for r in data["results"]] == expected
    assert {"count", "page", "page_size", "next", "previous", "filters", "results"} <= set(data)

    response = client.get(f"{base}.csv{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    if "page=" in query:
        assert len(rows) == len(expected)
    urls = [r["url"].replace("http://testserver", "") for r in rows]
    assert urls[: len(expected)] == expected if "page=" in query else urls == expected


def test_the_csv_names_its_filter_and_puts_names_beside_codes(client):
    response = client.get("/projects.csv?sector=14022")
    assert 'filename="funded-projects_sector-14022.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["sector"] for r in rows} == {"14022"}
    assert {r["sector_name"] for r in rows} == {"Sanitation - large systems"}
    assert all(
        r["citation_quotes"]
        and r["citation_urls"]
        and r["permalink" if "permalink" in r else "url"]
        for r in rows
    )


def test_the_csv_states_amounts_with_currency_and_wording(client):
    response = client.get("/projects.csv?instrument=equipment")
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert (row["amount"], row["currency"], row["amount_as_stated"]) == (
        "30000000.00",
        "CNY",
        "RMB 30,000,000",
    )


@pytest.mark.parametrize(
    "value", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\t=x", " =1+1", "\n=1+1", "\r\n@x", "＝1+1", "＋1"]
)
def test_formula_looking_cells_are_neutralised(value):
    assert neutralise(value).startswith("'")
    assert neutralise("Dalian") == "Dalian"


def test_a_formula_in_the_data_is_neutralised_in_the_csv(client):
    from programmes.models import City

    City.objects.filter(slug="weihai").update(region='=HYPERLINK("http://evil")')
    response = client.get("/cities.csv")
    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


def test_every_annotation_quotes_its_position_exactly(client):
    texts = {s.get_absolute_url(): s.text for s in Source.objects.all()}
    checked = 0
    for model in CITED_MODELS:
        for record in model.objects.all():
            data = client.get(record.get_absolute_url().rstrip("/") + ".json").json()
            assert data["citations"]
            for annotation in data["citations"]:
                assert annotation["@context"] == "http://www.w3.org/ns/anno.jsonld"
                quote, position = annotation["target"]["selector"]
                assert quote["type"] == "TextQuoteSelector"
                assert position["type"] == "TextPositionSelector"
                text = texts[annotation["target"]["source"].replace("http://testserver", "")]
                assert quote["exact"] == text[position["start"] : position["end"]]
                assert text[: position["start"]].endswith(quote["prefix"])
                assert text[position["end"] :].startswith(quote["suffix"])
                checked += 1
    assert checked >= Passage.objects.count()


def test_the_json_list_says_which_filters_applied(client):
    data = client.get("/projects.json?sector=14022&city=dalian").json()
    assert data["filters"] == {"sector": ["14022"], "city": ["dalian"]}
    assert data["count"] == 2


def test_bad_filters_on_json_get_a_json_400(client):
    response = client.get("/projects.json?sector=nope")
    assert response.status_code == 400
    assert "sector" in json.loads(response.content)["parameters"]
