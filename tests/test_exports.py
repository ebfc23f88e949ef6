"""The JSON and CSV twins of every list and record: same rows, same order, citations as Web
Annotations, spreadsheet-safe cells."""

import csv
import io
import json
import re
import unicodedata

import pytest
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from programmes.formats.exports import evidence_columns, neutralise
from programmes.kinds import BY_KEY, CITED, KINDS
from programmes.loading.download_files import list_csv_path
from programmes.models import (
    CatalogueVersion,
    City,
    FundedProject,
    Partner,
    Passage,
    Programme,
    Source,
)

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
    version = CatalogueVersion.objects.current().version[:12]
    disposition = response["Content-Disposition"]
    assert f'filename="funded-projects_sector-14022_v{version}.csv"' in disposition
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
    City.objects.filter(slug="weihai").update(region='=HYPERLINK("http://evil")')
    response = client.get("/cities.csv")
    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


def test_every_annotation_quotes_its_position_exactly_in_the_text_it_targets(client):
    """Each citation's target is the source's plain text as served (`/sources/<slug>.txt`),
    over which its positions and quote match; every annotation has an id of its own."""
    served = {}
    ids = []
    for model in (kind.model for kind in CITED):
        for record in model.objects.all():
            data = client.get(record.get_absolute_url().rstrip("/") + ".json").json()
            assert data["citations"]
            for annotation in data["citations"]:
                assert annotation["@context"] == "http://www.w3.org/ns/anno.jsonld"
                quote, position = annotation["target"]["selector"]
                assert quote["type"] == "TextQuoteSelector"
                assert position["type"] == "TextPositionSelector"
                target = annotation["target"]["source"].replace("http://testserver", "")
                if target not in served:
                    response = client.get(target)
                    assert response["Content-Type"] == "text/plain; charset=utf-8"
                    served[target] = response.content.decode("utf-8")
                text = served[target]
                assert quote["exact"] == text[position["start"] : position["end"]]
                assert text[: position["start"]].endswith(quote["prefix"])
                assert text[position["end"] :].startswith(quote["suffix"])
                ids.append(annotation["id"])
    assert len(ids) >= Passage.objects.count()
    assert len(set(ids)) == len(ids)
    assert set(served) == {s.get_text_url() for s in Source.objects.all()}
    for source in Source.objects.all():
        assert served[source.get_text_url()] == source.text


def test_the_json_list_says_which_filters_applied(client):
    data = client.get("/projects.json?sector=14022&city=dalian").json()
    assert data["filters"] == {"sector": ["14022"], "city": ["dalian"]}
    assert data["count"] == 2


def test_bad_filters_on_json_get_a_json_400(client):
    response = client.get("/projects.json?sector=nope")
    assert response.status_code == 400
    assert "sector" in json.loads(response.content)["parameters"]


# --- the CSV says what the JSON says -----------------------------------------------------------


def _flat(value):
    """A list or an object as one cell, as the module docstring of formats/exports.py says."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(f"{v['name']} ({v['role']})" if isinstance(v, dict) else v for v in value)
    return "" if value is None else str(value)


def _csv_row_of_json(record, kind, labels):
    """The CSV row the documented flattening makes of one record of the JSON twin."""
    own = {k: v for k, v in record.items() if k not in ("evidence", "interpretations", "citations")}
    row = {k: _flat(v) for k, v in own.items()}
    citations = record.get("citations", [])
    row["citation_quotes"] = "\n\n".join(a["target"]["selector"][0]["exact"] for a in citations)
    row["citation_sources"] = "; ".join(
        dict.fromkeys(labels[a["target"]["scope"].split("#")[0]] for a in citations)
    )
    # The reader's address of each passage: the annotation's scope.
    row["citation_urls"] = " ".join(a["target"]["scope"] for a in citations)
    notes = record.get("interpretations")
    if notes is None:  # a source: the notes of its interpreted values
        notes = {
            k: e["note"] for k, e in record["evidence"].items() if e["status"] == "interpreted"
        }
    row["interpretations"] = _flat(notes)
    if "participants" in record:
        row["participants__evidence"] = "\n".join(
            f"{p['name']} ({p['role']}): {p['evidence']['role']['status']}"
            + (f" — {p['evidence']['role']['note']}" if p["evidence"]["role"]["note"] else "")
            for p in record["participants"]
            if p["evidence"].get("role")
        )
    for column in evidence_columns(kind):
        name, part = column.rsplit("__", 1)
        entry = record["evidence"].get(name)
        if entry is None:
            row[column] = ""
        elif part == "passages":
            row[column] = " ".join(p["url"] for p in entry["passages"])
        else:
            row[column] = entry[part]
    return {k: neutralise(v) for k, v in row.items()}


CSV_QUERIES = {
    "city": ["", "?country=CN", "?sort=-country"],
    "partner": ["", "?city=dalian", "?sort=-name"],
    "person": [""],
    "programme": ["", "?city=dalian&city=shanghai", "?role=funder", "?sort=-year"],
    "award": ["", "?sort=year"],
    "project": ["", "?funder=jica&funder=japanese-government", "?partner=jica", "?sort=-amount"],
    "milestone": ["", "?city=dalian&year_from=1990", "?partner=kitakyushu-city"],
    "statement": ["", "?sort=-city"],
    "source": ["", "?kind=speech"],
}


@pytest.mark.parametrize(
    ("key", "query"), [(key, query) for key, queries in CSV_QUERIES.items() for query in queries]
)
def test_the_csv_holds_the_json_twins_values_cell_for_cell(client, key, query):
    kind = BY_KEY[key]
    base = kind.list_url().rstrip("/")
    sep = "&" if query else "?"
    records = client.get(f"{base}.json{query}{sep}page_size=500").json()["results"]
    assert records
    labels = {
        "http://testserver" + s.get_absolute_url(): s.citation_label for s in Source.objects.all()
    }
    body = b"".join(client.get(f"{base}.csv{query}").streaming_content).decode()
    header, *rows = list(csv.reader(io.StringIO(body)))
    expected = [_csv_row_of_json(r, kind, labels) for r in records]
    assert header == list(expected[0])
    assert [dict(zip(header, row, strict=True)) for row in rows] == expected


def test_a_page_of_the_csv_is_that_page_of_the_list(client):
    whole = b"".join(client.get("/projects.csv?sort=-amount").streaming_content).decode()
    page = b"".join(client.get("/projects.csv?sort=-amount&page_size=5&page=2").streaming_content)
    rows = list(csv.reader(io.StringIO(whole)))
    assert list(csv.reader(io.StringIO(page.decode()))) == [rows[0], *rows[6:11]]


def test_no_cell_of_any_csv_can_start_a_formula(client):
    Partner.objects.filter(slug="jica").update(name="＝HYPERLINK(1)", acronym="")
    City.objects.filter(slug="dalian").update(native_name=" \n@SUM(1)")
    FundedProject.objects.update(title="-1+1")
    FundedProject.objects.exclude(amount_as_stated="").update(amount_as_stated="\t=1")
    Programme.objects.update(summary="+cmd")
    # The words of every citation, keeping their length (a constraint): "=" and the rest.
    Passage.objects.update(quote=Concat(Value("="), Substr("quote", 2)))
    risky = ("=", "+", "-", "@", "\t", "\r")
    checked = 0
    for kind in KINDS:
        body = b"".join(client.get(kind.list_url().rstrip("/") + ".csv").streaming_content)
        for row in csv.reader(io.StringIO(body.decode())):
            for cell in row:
                assert not unicodedata.normalize("NFKC", cell).lstrip().startswith(risky), cell
                checked += cell.startswith("'")
    assert checked > FundedProject.objects.count() * 3


def test_every_download_names_the_catalogue_version_it_holds(client):
    """A file saved last month says which version it is: the CSV's name, the JSON's
    `catalogue_version` (a list's and a record's), the whole list's file as the rest."""
    version = CatalogueVersion.objects.current().version[:12]
    assert client.get("/projects.json").json()["catalogue_version"] == version
    assert client.get("/cities/dalian.json").json()["catalogue_version"] == version
    for url in ("/projects.csv", "/projects.csv?sector=14022", "/cities.csv"):
        response = client.get(url)
        assert f"_v{version}.csv" in response["Content-Disposition"], url
        b"".join(response.streaming_content) if response.streaming else response.content


BOM = "\ufeff".encode()


def _bytes(response):
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    "url", ["/cities.csv", "/cities.csv?country=CN", "/cities.csv?page=1&page_size=2"]
)
def test_bom_1_puts_a_byte_order_mark_before_the_same_csv(client, url):
    """Excel on Windows reads a CSV as its code page unless it starts with the UTF-8 mark."""
    join = "&" if "?" in url else "?"
    plain = _bytes(client.get(url))  # the whole list's: written to its file, then read from it
    marked = client.get(f"{url}{join}bom=1")
    assert not plain.startswith(BOM)
    assert _bytes(marked) == BOM + plain
    version = CatalogueVersion.objects.current().version[:12]
    assert f"_v{version}.csv" in marked["Content-Disposition"]
    assert _bytes(client.get(f"{url}{join}bom=0")) == plain
    dalian = City.objects.get(slug="dalian")
    assert dalian.native_name in (BOM + plain).decode("utf-8-sig")


def test_the_whole_lists_file_is_served_after_the_mark_too(client):
    _bytes(client.get("/cities.csv"))
    path = list_csv_path(CatalogueVersion.objects.current(), BY_KEY["city"])
    assert path.exists()
    assert _bytes(client.get("/cities.csv?bom=1")) == BOM + path.read_bytes()


BAD_BOMS = {
    "/cities.csv?bom=2": "neither 0 nor 1",
    "/cities.csv?bom=": "empty",
    "/cities.csv?bom=yes": "a word",
    "/cities.json?bom=1": "not a CSV",
    "/cities.csv?bom=1&bom=1": "given twice",
}


@pytest.mark.parametrize("url", list(BAD_BOMS), ids=list(BAD_BOMS.values()))
def test_a_bom_other_than_0_or_1_or_off_a_csv_is_a_400_problem(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "bom" in response.json()["parameters"]
