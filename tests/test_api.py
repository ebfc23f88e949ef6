"""/api/ and /api/openapi.json document every endpoint and exactly the parameters it accepts."""

import json
import re
import subprocess
import sys
from urllib.parse import quote, urlencode
from urllib.request import urlopen

import jsonschema
import pytest
from django.urls import resolve, reverse

from programmes.kinds import KINDS
from programmes.lists.parameters import MAX_WORDS

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
        match = resolve(concrete.replace("{version}", "000000000000"))
        assert match.namespace == "programmes", path
        route = match.route.replace("<slug:slug>", "{slug}").replace("<str:kind>", "{kind}")
        route = route.replace("<str:version>", "{version}")
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


def _longest_value(schema):
    """The longest value `schema` allows, as a query string carries it (percent-encoded)."""
    if "anyOf" in schema:
        return max((_longest_value(s) for s in schema["anyOf"]), key=len)
    if "enum" in schema:
        return max((quote(str(v), safe="") for v in schema["enum"]), key=len)
    if schema.get("type") == "integer":
        return str(schema["maximum"])
    if "const" in schema:
        return quote(str(schema["const"]), safe="")
    if "maxLength" in schema:  # one word of characters beyond the BMP: 12 encoded each
        return quote("\U0001d306" * schema["maxLength"], safe="")
    raise AssertionError(f"no longest value for {schema}")


def _longest_query(operation):
    pairs = []
    for parameter in operation["parameters"]:
        name, schema = parameter["name"], parameter["schema"]
        if schema.get("type") != "array":
            pairs.append(f"{name}={_longest_value(schema)}")
        elif parameter.get("explode", True):
            pairs += [f"{name}={_longest_value(schema['items'])}"] * schema["maxItems"]
        else:  # each item at most once, the longest first
            items = sorted(schema["items"]["enum"], key=len, reverse=True)
            values = items[: schema["maxItems"]] if schema.get("uniqueItems") else None
            pairs.append(f"{name}={quote(','.join(values), safe='')}")
    return "&".join(pairs)


@pytest.mark.parametrize("kind", KINDS, ids=[kind.key for kind in KINDS])
def test_the_longest_query_a_list_describes_is_read_not_refused(client, spec, kind):
    # Every parameter at its longest and most repeated: within the request middleware's limits
    # of length and count, so only the page number (past the last) is answered.
    prefix = reverse(f"programmes:{kind.key}-list").rstrip("/")
    query = _longest_query(spec["paths"][f"{prefix}.json"]["get"])
    response = client.generic("GET", f"{prefix}.json", QUERY_STRING=query)
    assert response.status_code == 404, response.content[:500]
    assert list(response.json()["parameters"]) == ["page"]


def test_the_longest_search_the_description_allows_is_answered(client, spec):
    query = _longest_query(spec["paths"][reverse("programmes:search-json")]["get"])
    response = client.generic("GET", reverse("programmes:search-json"), QUERY_STRING=query)
    assert response.status_code == 200, response.content[:500]


@pytest.mark.parametrize("kind", KINDS, ids=[kind.key for kind in KINDS])
def test_list_filters_are_described_with_every_value_the_catalogue_holds(spec, kind):
    prefix = reverse(f"programmes:{kind.key}-list").rstrip("/")
    described = {
        p["name"]: p["schema"] for p in spec["paths"][f"{prefix}.json"]["get"]["parameters"]
    }
    filterset = kind.filterset(queryset=kind.model.objects.none())
    for name, filt in kind.filterset.base_filters.items():
        field = filterset.form.fields[name]
        if hasattr(filt, "queryset"):
            key = filt.extra.get("to_field_name", "slug")
            values = {str(v) for v in filt.queryset.values_list(key, flat=True)}
        elif hasattr(field, "choices") and name != "sort":
            values = {str(v) for v, _ in field.choices}
        else:
            continue
        assert values, name
        assert set(described[name]["items"]["enum"]) == values, name


@pytest.mark.parametrize("kind", KINDS, ids=[kind.key for kind in KINDS])
def test_every_record_operation_gives_slugs_of_records_it_holds(client, spec, kind):
    prefix = reverse(f"programmes:{kind.key}-list").rstrip("/")
    (slug,) = spec["paths"][f"{prefix}/{{slug}}.json"]["get"]["parameters"]
    assert slug["examples"]
    for example in slug["examples"].values():
        assert kind.model.objects.filter(slug=example["value"]).exists()
        assert re.fullmatch(slug["schema"]["pattern"].strip("^$"), example["value"])
        assert client.get(f"{prefix}/{example['value']}.json").status_code == 200


@pytest.mark.parametrize(
    ("words", "accepted"),
    [(MAX_WORDS, True), (MAX_WORDS + 1, False)],
)
@pytest.mark.parametrize("space", [" ", "\u3000", "\x85"])
def test_the_words_pattern_counts_words_as_the_server_does(client, spec, words, accepted, space):
    (q,) = spec["paths"][reverse("programmes:search-json")]["get"]["parameters"]
    value = space.join(["ab"] * words)
    assert bool(re.search(q["schema"]["pattern"], value)) is accepted
    response = client.get(reverse("programmes:search-json"), {"q": value})
    assert (response.status_code == 200) is accepted


def test_the_words_pattern_refuses_control_characters(spec):
    (q,) = spec["paths"][reverse("programmes:search-json")]["get"]["parameters"]
    for control in [*map(chr, range(0x20)), "\x7f"]:
        assert not re.search(q["schema"]["pattern"], f"a{control}b"), repr(control)


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
        "/releases/000000000000.zip",
        "/releases/not-a-version.zip",
        "/releases/000000000000/changes.json",
        "/share/project/no-such-project.png",
        "/share/no-such-kind/dalian.png",
        "/share/city/dalian.png?x=1",
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


# --- the description against the server: schemathesis ---------------------------------------

# Generated requests per operation and phase (schemathesis's examples and fuzzing phases, valid
# and invalid): enough to find a parameter described otherwise than it is read, few enough for
# the run to take under a minute on two cores.
EXAMPLES_PER_OPERATION = 10
# The coverage phase sends each operation's boundary cases: every invalid form of every
# parameter. Its valid half would also send every value of every enum (each of the 325 DAC
# sector codes), which the generated requests sample. A list's CSV twin reads its parameters
# as its JSON twin does (`lists.parameters.checked`); the generated requests cover it.
SCHEMATHESIS_CONFIG = r"""
[phases.coverage.generation]
mode = "negative"

[[operations]]
include-path-regex = '\.csv$'
phases.coverage.enabled = false
"""


HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# The same requests on every run: a failure here is reproduced by running the test again.
SEED = "20"


def _served_spec(base_url):
    with urlopen(f"{base_url}{reverse('programmes:openapi')}") as response:
        return json.load(response)


def test_every_operation_answers_as_the_description_says(catalogue_server, tmp_path):
    """schemathesis with every check it has (`--checks all`): no server error; statuses,
    content types, headers and bodies as described; every invalid request refused and every
    valid one accepted, on the live server of the real catalogue.

    Its command line, in a process of its own, as an integrator runs it: schemathesis's pytest
    plugin cannot load a description from a fixture under pytest 9 (`Function._nodeid`)."""
    config = tmp_path / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG)
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run"),
        f"{catalogue_server}{reverse('programmes:openapi')}",
        *("--url", catalogue_server, "--checks", "all"),
        *("--max-examples", str(EXAMPLES_PER_OPERATION), "--workers", "1"),
        *("--no-color", "--seed", SEED),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    # Every operation of the description was tested but the description's own, which
    # schemathesis leaves out.
    paths = _served_spec(catalogue_server)["paths"].values()
    operations = sum(method in HTTP_METHODS for item in paths for method in item)
    tested = re.search(r"Tested: (\d+)", run.stdout)
    assert tested and int(tested[1]) == operations - 1, run.stdout[-5000:]


def test_an_empty_year_is_described_as_the_server_reads_it(client, spec):
    """A list's form sends a year left blank as `year_from=`: no filter, not a bad request."""
    operation = spec["paths"]["/projects.json"]["get"]
    years = [p for p in operation["parameters"] if p["name"].startswith("year_")]
    assert years
    for parameter in years:
        jsonschema.validate("", parameter["schema"])
        assert client.get(f"/projects.json?{parameter['name']}=").status_code == 200
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate("soon", parameter["schema"])
