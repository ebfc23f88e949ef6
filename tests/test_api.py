"""/api/ and /api/openapi.json document every endpoint and exactly the parameters it accepts."""

from urllib.parse import urlencode

import pytest
from django.urls import resolve, reverse

from programmes.kinds import KINDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def spec(client):
    response = client.get(reverse("programmes:openapi"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def _params(operation):
    return {p["name"] for p in operation.get("parameters", [])}


def test_it_is_an_openapi_3_1_document_with_every_list_twin(spec):
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": "http://testserver"}]
    for kind in KINDS:
        prefix = reverse(f"programmes:{kind.key}-list").rstrip("/")
        for path in (f"{prefix}.json", f"{prefix}.csv", f"{prefix}/{{slug}}.json"):
            assert path in spec["paths"], path
    for path in ("/search.json", "/catalogue.json", "/share/{kind}/{slug}.png"):
        assert path in spec["paths"]


@pytest.mark.parametrize("kind", KINDS, ids=[kind.key for kind in KINDS])
def test_each_list_documents_exactly_the_parameters_it_accepts(spec, kind):
    prefix = reverse(f"programmes:{kind.key}-list").rstrip("/")
    documented = _params(spec["paths"][f"{prefix}.json"]["get"])
    assert documented == set(kind.filterset.base_filters) | {"page", "page_size"}


@pytest.mark.parametrize("url_name", [kind.key for kind in KINDS])
def test_the_documented_examples_are_accepted(client, spec, url_name):
    prefix = reverse(f"programmes:{url_name}-list").rstrip("/")
    for suffix in (".json", ".csv"):
        operation = spec["paths"][prefix + suffix]["get"]
        query = []
        for p in operation["parameters"]:
            example = p.get("example")
            for value in example if isinstance(example, list) else [example]:
                if value is not None:
                    query.append((p["name"], value))
        response = client.get(f"{prefix}{suffix}?{urlencode(query)}")
        assert response.status_code == 200, (prefix + suffix, query, response.content[:300])


def test_every_documented_path_is_the_route_that_answers_it(spec):
    for path in spec["paths"]:
        concrete = path.replace("{kind}", "project").replace("{slug}", "some-slug")
        match = resolve(concrete)
        assert match.namespace == "programmes", path
        route = match.route.replace("<slug:slug>", "{slug}").replace("<str:kind>", "{kind}")
        assert "/" + route == path


def test_an_undocumented_parameter_is_refused_as_the_api_page_says(client):
    response = client.get("/projects.json?colour=red")
    assert response.status_code == 400
    assert "colour" in response.json()["parameters"]


def test_the_api_page_shows_every_endpoint_and_parameter(client, spec):
    html = client.get(reverse("programmes:api")).content.decode()
    for path, item in spec["paths"].items():
        assert f"{path}</code>" in html, path
        for name in _params(item["get"]):
            assert f"<code>{name}</code>" in html


@pytest.mark.parametrize(
    "url",
    [
        "/awards.csv?year_to=1000&x=1",
        "/projects.csv?sector=99999",
        "/projects.json?page_size=0",
        "/cities/dalian.json?x=1",
        "/sources/no-such-source.txt",
        "/search.json?q=%01",
        "/programmes/no-such-programme.json",
    ],
)
def test_every_data_endpoint_answers_an_error_as_an_rfc_9457_problem(client, spec, url):
    response = client.get(url, headers={"Origin": "https://elsewhere.example"})
    assert response.status_code >= 400
    assert response["Content-Type"] == "application/problem+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    problem = response.json()
    assert problem["status"] == response.status_code
    assert problem["instance"] == url.split("?")[0]
    assert problem["type"] == "about:blank"
    schema = spec["components"]["schemas"]["Problem"]
    assert set(problem) <= set(schema["properties"])
    assert set(schema["required"]) <= set(problem)
